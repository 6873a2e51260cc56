"""Log lines for people (text) or for a log pipeline (one JSON object per line), chosen by
`VERO_LOG_FORMAT=json` or `vero web --log-json`.

Each line made while a request is served carries what identifies the contact: the Twilio call or
message SID and the task or offer id from the URL, so that one call can be followed through the
web workers. Phone numbers never reach a log line whole: every E.164-looking number in a message
or a traceback is masked as `telephony.gateway.mask` masks it (+62*******7890), a safety net for
whatever a caller formats into a message.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from telephony.gateway import mask

FORMAT_ENV = "VERO_LOG_FORMAT"
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# +6281234567890, whatsapp:+62812..., or 0812... : 8 to 15 digits not inside a longer token
PHONE = re.compile(r"(?<![\w+\-./])(?:whatsapp:)?\+?\d{8,15}(?![\w\-.])")
CONTEXT_FIELDS = ("call_sid", "message_sid", "task_id", "offer_id", "agent_id")
SID_PARAMS = {"CallSid": "call_sid", "MessageSid": "message_sid"}
VIEW_ARGS = {"task_id": "task_id", "offer_id": "offer_id", "agent_id": "agent_id"}
# One line per request under `vero web` (it takes the place of gunicorn's access log, which
# cannot see a call SID); quiet elsewhere, where the server logs requests itself.
access_log = logging.getLogger("vero.http")
access_log.setLevel(logging.WARNING)


def mask_phones(text: str) -> str:
    return PHONE.sub(lambda m: mask(m.group(0)), text)


def log_format(env: Mapping[str, str]) -> str:
    """The chosen format; `vero web` rejects anything but FORMATS before it starts."""
    return (env.get(FORMAT_ENV) or "text").lower()


def request_context() -> dict[str, str]:
    """The ids of the request being served (empty outside a request)."""
    if not has_request_context():
        return {}
    found = g.get("log_context")
    if found is None:
        found = {}
        form = request.form if request.mimetype == "application/x-www-form-urlencoded" else {}
        for param, field in SID_PARAMS.items():
            value = form.get(param) or request.args.get(param)
            if value:
                found[field] = value
        for arg, field in VIEW_ARGS.items():
            value = (request.view_args or {}).get(arg)
            if value:
                found[field] = str(value)
        g.log_context = found
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC ISO), level, logger, message, the request's ids,
    and the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_phones(record.getMessage()),
        }
        for field in CONTEXT_FIELDS + ("method", "path", "status", "duration_ms"):
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The classic line, numbers masked too."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return mask_phones(super().format(record))


class RequestContextFilter(logging.Filter):
    """Puts the ids of the request being served on every record made while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        for field, value in request_context().items():
            if not hasattr(record, field):
                setattr(record, field, value)
        return True


def logging_config(format_name: str, level: str = "INFO") -> dict[str, Any]:
    """A logging.config.dictConfig for Vero and gunicorn (its `logconfig_dict`): everything to
    stderr in one format."""
    formatter = {"()": JsonFormatter if format_name == "json" else TextFormatter}
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "vero",
        "filters": ["request"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"vero": formatter},
        "filters": {"request": {"()": RequestContextFilter}},
        "handlers": {"stderr": handler},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            **{
                name: {"level": level, "handlers": ["stderr"], "propagate": False}
                for name in ("gunicorn.error", "gunicorn.access")
            },
            access_log.name: {"level": level},
        },
    }


def init_app(app: Flask) -> None:
    """One access line per request, with its ids and its duration (streams log when they open),
    when `vero.http` logs at INFO (`logging_config` sets it)."""

    @app.before_request
    def started() -> None:
        g.log_started = time.perf_counter()

    @app.after_request
    def finished(response: Response) -> Response:
        if access_log.isEnabledFor(logging.INFO) and "log_started" in g:
            took = (time.perf_counter() - g.log_started) * 1000
            access_log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                took,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(took, 1),
                },
            )
        return response
