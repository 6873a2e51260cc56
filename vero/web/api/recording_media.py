"""A task's recording, played through Vero: the desk's player never loads Twilio's URL itself, so
Twilio's "Enforce HTTP Auth on Media URLs" can stay on and the desk's CSP names no Twilio host
for media but the SDK's ringtones.

Vero fetches the MP3 (`RecordingUrl` + `.mp3`, as Twilio documents) with the account's
credentials (HTTP basic auth: the API key and its secret when set, else the account sid and auth
token) and streams it on, with the browser's Range header passed along (its audio element seeks
with them), a bounded timeout per read and a size cap. Only a recording of this account under the
configured Twilio API base is fetched: a URL from the task's attributes never picks the host
Vero sends its credentials to. The bearer route is here; the desk's `<audio>` element, which
cannot send a bearer header, uses the same reply behind the desk login (vero/web/console/desk.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from flask import Blueprint, Response, abort, jsonify, request

from telephony.services import services
from vero.kernel.settings import Settings
from vero.web.auth import own_task

bp = Blueprint("recording_media", __name__, url_prefix="/api")
log = logging.getLogger(__name__)
TWILIO_API = "https://api.twilio.com"
MAX_BYTES = 200 * 1024 * 1024  # far above a four-hour MP3 of a phone call
CHUNK_BYTES = 64 * 1024
# the recording resource of the account, with or without a format suffix (.mp3, .wav, .json)
RECORDING_PATH = re.compile(r"/2010-04-01/Accounts/(AC\w+)/Recordings/(RE\w+)(?:\.\w+)?")
PASSED_ON = (200, 206, 416)  # the whole file, a range of it, a range past its end
BYTE_RANGES = re.compile(r"bytes=[0-9,\- ]+")  # what an audio element asks; anything else: all
RANGE_HEADERS = ("Content-Length", "Content-Range")


def media_url(task: dict, settings: Settings) -> str:
    """The MP3 of the task's recording on Twilio's API; 404 without one, or when its URL is not
    a recording of this account under the configured API base (never fetched: SSRF)."""
    link = task["attributes"].get("recording_url", "")
    if not link:
        abort(404, f"task {task['id']} has no recording")
    base = urlsplit((settings.twilio_api_base or TWILIO_API).rstrip("/"))
    url = urlsplit(link)
    found = RECORDING_PATH.fullmatch(url.path.removeprefix(base.path))
    if (
        (url.scheme, url.netloc) != (base.scheme, base.netloc)
        or not url.path.startswith(base.path)
        or url.query
        or url.fragment
        or found is None
        or found[1] != settings.twilio_account_sid
    ):
        abort(
            404,
            f"task {task['id']} has no recording Vero may fetch: its recording_url is not a "
            f"recording of account {settings.twilio_account_sid} under {base.geturl()}",
        )
    return f"{base.geturl()}/2010-04-01/Accounts/{found[1]}/Recordings/{found[2]}.mp3"


def credentials(settings: Settings) -> tuple[str, str]:
    """Twilio's basic auth: the API key when the centre has one, else the account's token."""
    if settings.twilio_api_key:
        return settings.twilio_api_key, settings.twilio_api_secret
    return settings.twilio_account_sid, settings.twilio_auth_token


def failed(task: dict, problem: str) -> Response:
    log.warning("the recording of %s: %s", task["id"], problem)
    reply = jsonify(error=f"Twilio did not give the recording of task {task['id']}: {problem}")
    reply.status_code = 502
    return reply


def recording_reply(task: dict) -> Response:
    """The task's recording as audio/mpeg, streamed from Twilio (a Range asked is passed on)."""
    settings = services().settings
    url = media_url(task, settings)
    # the body as Twilio stores it (never re-encoded), so its length is the one passed on
    asked = {"Accept-Encoding": "identity"}
    if BYTE_RANGES.fullmatch(request.headers.get("Range", "")):
        asked["Range"] = request.headers["Range"]
    try:
        upstream = requests.get(
            url,
            auth=credentials(settings),
            headers=asked,
            stream=True,
            timeout=settings.twilio_timeout,
        )
    except requests.RequestException as exc:  # no answer within the timeout, no connection
        return failed(task, f"no answer from {urlsplit(url).netloc} ({type(exc).__name__})")
    length = upstream.headers.get("Content-Length", "")
    size = int(length) if length.isdigit() else 0
    problem = ""
    if upstream.status_code not in PASSED_ON:
        problem = f"Twilio answered HTTP {upstream.status_code}"
        if upstream.status_code in (401, 403):
            problem += " (check TWILIO_API_KEY/TWILIO_API_SECRET, or the account's auth token)"
    elif size > MAX_BYTES:
        problem = f"it is {size} bytes, over the cap of {MAX_BYTES}"
    if problem:
        upstream.close()
        return failed(task, problem)
    reply = Response(
        capped(upstream, task["id"]),
        status=upstream.status_code,
        mimetype="audio/mpeg",
        headers={
            "Accept-Ranges": "bytes",
            "Cache-Control": "no-store",  # a customer's voice: not kept in the browser's cache
            **{name: upstream.headers[name] for name in RANGE_HEADERS if name in upstream.headers},
        },
    )
    reply.call_on_close(upstream.close)
    return reply


def capped(upstream: requests.Response, task_id: str) -> Iterator[bytes]:
    """The body in chunks, cut at MAX_BYTES when Twilio sent no length; each read waits at most
    the Twilio timeout. (Never logs the URL: after Twilio's redirect it is a signed one.)"""
    sent = 0
    try:
        for chunk in upstream.iter_content(CHUNK_BYTES):
            sent += len(chunk)
            if sent > MAX_BYTES:
                log.warning("the recording of %s was cut at %d bytes", task_id, MAX_BYTES)
                return
            yield chunk
    except requests.RequestException as exc:  # headers sent already: the player sees it end
        log.warning("the recording of %s broke off: %s", task_id, type(exc).__name__)
    finally:
        upstream.close()


@bp.get("/tasks/<task_id>/recording")
def task_recording(task_id: str) -> Response:
    """The recording of a task (its agent or a supervisor)."""
    return recording_reply(own_task(task_id))
