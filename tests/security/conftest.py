"""Fixtures of the security tests: the console's app, and helpers that log in the way a browser
does (the login page's CSRF token, then the form) with plain test clients, which add nothing by
themselves. The browser test under the CSP is tests/console/test_csp_browser.py (it shares the
console's one Chromium)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.console.conftest import app  # noqa: F401 (the fixture)

COOKIE = "session"
FIELD_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
META_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def plain_client(flask_app: Flask) -> FlaskClient:
    return FlaskClient(flask_app, flask_app.response_class, use_cookies=True)


def page_token(client: FlaskClient, path: str) -> str:
    """The CSRF token a page shows (its meta tag), as the page's script reads it."""
    return META_TOKEN.search(client.get(path).text).group(1)


def log_in(client: FlaskClient, path: str, token: str) -> None:
    """Fill in the login form at `path` (console or desk) as a browser does."""
    csrf = FIELD_TOKEN.search(client.get(path).text).group(1)
    reply = client.post(path, data={"token": token, "csrf_token": csrf})
    assert reply.status_code == 302, reply.text


def cookie(client: FlaskClient) -> str:
    return client.get_cookie(COOKIE).value


def replay(flask_app: Flask, value: str) -> FlaskClient:
    """Another browser that holds a copy of a session cookie, as an attacker who stole it."""
    other = plain_client(flask_app)
    other.set_cookie(COOKIE, value)
    return other
