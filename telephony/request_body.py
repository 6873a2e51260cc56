"""A JSON request body checked against a pydantic model: 400 `{"error": "<field>: <why>"}`."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, request
from pydantic import BaseModel, ValidationError

Body = TypeVar("Body", bound=BaseModel)


def parsed(model: type[Body]) -> Body:
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        abort(400, "the JSON body is nested too deeply")
    if not isinstance(data, dict):
        abort(400, "send a JSON object with Content-Type: application/json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        abort(400, f"{field}: {error['msg']}")
