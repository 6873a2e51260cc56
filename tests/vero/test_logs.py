"""Structured logs: one JSON object per line, the request's call SID and task id on it, and no
phone number whole, not even inside a traceback."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import Flask

from vero.web.logs import JsonFormatter, RequestContextFilter, logging_config, mask_phones


@pytest.fixture
def captured() -> io.StringIO:
    """The `vero.test` logger through Vero's JSON handler, into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("vero.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield buffer
    logger.removeHandler(handler)


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_numbers_are_masked_wherever_they_appear():
    assert (
        mask_phones("call from +6281234567890 to whatsapp:+6281298765432")
        == "call from +62*******7890 to +62*******5432"
    )
    assert (
        mask_phones("task t-20260101 CA0123456789abcdef0123456789abcdef")
        == "task t-20260101 CA0123456789abcdef0123456789abcdef"
    )  # ids stay whole
    assert mask_phones("local 081234567890") == "local 081*****7890"


def test_a_line_is_one_json_object_with_the_call_sid_and_the_task(captured):
    app = Flask("t")
    with app.test_request_context(
        "/api/tasks/t-9/complete?x=1",
        method="POST",
        data={"CallSid": "CA" + "1" * 32, "From": "+6281234567890"},
    ):
        logging.getLogger("vero.test").info("caller %s waits", "+6281234567890")
    with app.test_request_context("/api/tasks/t-9"):
        from flask import request

        request.view_args = {"task_id": "t-9"}
        logging.getLogger("vero.test").warning("task seen")
    logging.getLogger("vero.test").info("outside a request")
    first, second, third = lines(captured)
    assert first["message"] == "caller +62*******7890 waits" and first["level"] == "INFO"
    assert first["call_sid"] == "CA" + "1" * 32 and first["logger"] == "vero.test"
    assert first["time"].endswith("+00:00")
    assert second["task_id"] == "t-9" and "call_sid" not in second
    assert set(third) == {"time", "level", "logger", "message"}


def test_a_traceback_is_one_field_and_masked(captured):
    try:
        raise ValueError("no agent for +6281234567890")
    except ValueError:
        logging.getLogger("vero.test").exception("failed")
    (entry,) = lines(captured)
    assert "ValueError: no agent for +62*******7890" in entry["exception"]
    assert "+6281234567890" not in captured.getvalue()


def test_the_gunicorn_config_routes_every_logger_through_one_format():
    config = logging_config("json")
    assert config["formatters"]["vero"]["()"] is JsonFormatter
    assert set(config["loggers"]) == {"gunicorn.error", "gunicorn.access", "vero.http"}
    assert config["root"]["handlers"] == ["stderr"]
    assert config["handlers"]["stderr"]["filters"] == ["request"]
