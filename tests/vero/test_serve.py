"""`vero serve` as an operator runs it: embedded Redis, HTTP, and a clean stop on SIGTERM."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_starts_embedded_redis_and_stops_it_on_sigterm(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "TWILIO_AUTH_TOKEN": "t",
        "VERO_SUPERVISOR_TOKEN": "s" * 16,
        "VERO_DATA_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "vero.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    assert json.load(r)["status"] == "ok"
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
                time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, output
    redis_port = int(re.search(r"redis://127\.0\.0\.1:(\d+)", output).group(1))
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", redis_port)) != 0  # the embedded server is gone
