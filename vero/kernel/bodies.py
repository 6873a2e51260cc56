"""JSON request bodies, checked before any route looks at them: size, then nesting depth (without
recursion: Python's json module recurses, so a 2 KB body nested 1,000 deep would raise
RecursionError), then the route's pydantic model. Every refusal is a `BodyError` that the app
answers with 4xx `{"error": ...}` naming the field.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, TypeVar

from flask import Flask, jsonify, request
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from vero.kernel.errors import VeroError

MAX_BODY_BYTES = 64 * 1024  # the largest JSON body of the API (a complaint form) is ~10 KB
MAX_DEPTH = 16  # the deepest body of the API (a task's attributes) is 2 levels deep
_SPECIAL = re.compile(rb'[][{}"\\]')
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
M = TypeVar("M", bound=BaseModel)


class BodyError(VeroError):
    """A request body the route cannot take (400; 413 when too large)."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        self.status = status
        super().__init__(message, field=field)


class Body(BaseModel):
    """The base of every request schema: JSON types as they are (strict: no "3" for 3, no 1 for
    true), unknown fields ignored, so that a newer client still works with an older server."""

    model_config = ConfigDict(strict=True, extra="ignore")


def Text(max_length: int, *, required: bool = False) -> Any:
    """A text field, stripped, with its bounds (in the schema too)."""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, max_length=max_length, min_length=1 if required else 0
        ),
    ]


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, in one pass over its
    brackets, quotes and backslashes and without recursion (a bracket in a string does not
    count; the pass is linear whatever the text)."""
    depth = deepest = 0
    in_string, escaped_at = False, -1
    for match in _SPECIAL.finditer(raw):
        at, char = match.start(), raw[match.start()]
        if at == escaped_at:
            continue
        if in_string:
            if char == _BACKSLASH:
                escaped_at = at + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in b"]}":
            depth -= 1
    return deepest


def read_json(*, optional: bool = False) -> Any:
    """The request's JSON value after the size and depth guards; `optional`: no body at all is
    taken as an empty object (every default)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise BodyError(f"at most {MAX_BODY_BYTES} bytes", field="body", status=413)
    raw = request.stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise BodyError(f"at most {MAX_BODY_BYTES} bytes", field="body", status=413)
    if optional and not raw.strip():
        return {}
    if not request.is_json:
        raise BodyError("send a JSON object with Content-Type: application/json", field="body")
    if nesting_depth(raw) > MAX_DEPTH:
        raise BodyError(f"nested deeper than {MAX_DEPTH} levels", field="body")
    try:
        return json.loads(raw)
    except ValueError as exc:  # also a body that is not UTF-8
        raise BodyError(f"not valid JSON ({exc})", field="body") from exc


def parse_body(model: type[M], *, optional: bool = False) -> M:
    """The request body as `model`; `optional`: an empty body means every default."""
    data = read_json(optional=optional)
    if not isinstance(data, dict):
        raise BodyError("send a JSON object with Content-Type: application/json", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = _field_path(data, first["loc"]) or "body"
        raise BodyError(first["msg"].removeprefix("Value error, "), field=field) from exc


def _field_path(data: Any, loc: tuple[int | str, ...]) -> str:
    """The dotted path of an error in the client's own terms: pydantic's location also names
    the member types it tried for a union ('attributes.a.constrained-str'), which the client
    never wrote, so the path stops where the body stops (after a missing field's name)."""
    parts: list[str] = []
    for part in loc:
        if isinstance(data, dict) and part not in data:
            parts.append(str(part))
            break
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (isinstance(data, dict) or in_list):
            break
        parts.append(str(part))
        data = data[part]
    return ".".join(parts)


def init_app(app: Flask) -> None:
    @app.errorhandler(BodyError)
    def body_error(exc: BodyError):
        return jsonify(error=exc.one_line()), exc.status
