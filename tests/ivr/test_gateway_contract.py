"""Contract: the real `twilio` REST client, pointed at a local recorder, sends what Twilio
expects for Vero's call update (Url) and message create (To/From/Body)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from telephony.gateway import TwilioGateway
from tests.ivr.conftest import settings

SID = "AC" + "0" * 32


class Recorder(BaseHTTPRequestHandler):
    requests: list[tuple[str, str, dict[str, list[str]], str]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.requests.append((self.command, self.path, parse_qs(body),
                              self.headers.get("Authorization", "")))
        sid = "SM" + "1" * 32 if "Messages" in self.path else self.path.split("/")[-1][:-5]
        reply = json.dumps({"sid": sid, "account_sid": SID, "status": "queued"}).encode()
        self.send_response(201 if "Messages" in self.path else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_redirect_and_messages_reach_the_api_as_twilio_expects(recorder, tmp_path):
    gateway = TwilioGateway(settings(tmp_path, twilio_api_base=recorder))
    call = "CA" + "a" * 32
    gateway.redirect_call(call, "https://vero.example.co.id/twilio/voice/connect?offer=x.1")
    sid = gateway.send_message("+6281234567890", "Referensi CMP-2025-000001", "whatsapp",
                               "+622150001234")
    gateway.send_message("+6281234567890", "Halo", "sms", "+622150001234")
    assert sid == "SM" + "1" * 32
    (m1, p1, f1, auth), (m2, p2, f2, _), (_, _, f3, _) = Recorder.requests
    assert (m1, p1) == ("POST", f"/2010-04-01/Accounts/{SID}/Calls/{call}.json")
    assert f1["Url"] == ["https://vero.example.co.id/twilio/voice/connect?offer=x.1"]
    assert f1["Method"] == ["POST"]
    assert auth.startswith("Basic ")
    assert (m2, p2) == ("POST", f"/2010-04-01/Accounts/{SID}/Messages.json")
    assert (f2["To"], f2["From"], f2["Body"]) == (["whatsapp:+6281234567890"],
                                                  ["whatsapp:+622150001234"],
                                                  ["Referensi CMP-2025-000001"])
    assert (f3["To"], f3["From"]) == (["+6281234567890"], ["+622150001234"])
