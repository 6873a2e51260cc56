"""Twilio's media host on 127.0.0.1 for the recording tests, as Twilio answers with "Enforce HTTP
Auth on Media URLs" on: a recording's bytes by path to a request with the account's basic-auth
header, 401 without it; a simple `Range: bytes=a-b` answered 206; `status` makes every answer
fail; `moved_to` redirects (Twilio sends a media request on to its storage, another host, which
must not be sent the credentials). Point Vero at `url` with settings.twilio_api_base."""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RANGE = re.compile(r"bytes=(\d+)-(\d*)")


@dataclass(frozen=True)
class MediaRequest:
    path: str
    authorization: str
    range: str


class MediaHost:
    def __init__(self, user: str = "", password: str = "") -> None:
        self.authorization = (
            "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode() if user else ""
        )
        self.recordings: dict[str, bytes] = {}
        self.requests: list[MediaRequest] = []
        self.status: int | None = None  # every answer fails with this status
        self.moved_to = ""  # every answer redirects to this host's same path
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="twilio-media-host", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> MediaHost:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, request: MediaRequest) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of one GET."""
        if self.status is not None:
            return self.status, {"Content-Type": "application/json"}, b'{"code": 20500}'
        if self.authorization and request.authorization != self.authorization:
            return 401, {"Content-Type": "application/json"}, b'{"code": 20003}'
        if self.moved_to:
            return 302, {"Location": self.moved_to + request.path}, b""
        body = self.recordings.get(request.path)
        if body is None:
            return 404, {"Content-Type": "application/json"}, b'{"code": 20404}'
        headers = {"Content-Type": "audio/mpeg", "Accept-Ranges": "bytes"}
        asked = RANGE.fullmatch(request.range)
        if not asked:
            return 200, headers, body
        start = int(asked[1])
        end = min(int(asked[2] or len(body) - 1), len(body) - 1)
        if start >= len(body):
            return 416, {"Content-Range": f"bytes */{len(body)}"}, b""
        headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
        return 206, headers, body[start : end + 1]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                request = MediaRequest(
                    self.path,
                    self.headers.get("Authorization", ""),
                    self.headers.get("Range", ""),
                )
                host.requests.append(request)
                status, headers, body = host.answer(request)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
