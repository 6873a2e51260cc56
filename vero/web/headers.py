"""Security headers. Every response: nosniff and a referrer kept to this site. Every HTML page:
a Content-Security-Policy that runs only Vero's own script files (no inline script, no eval, no
inline event handler), forbids framing (and X-Frame-Options for old browsers), and is not kept in
the browser's cache, so the back button after logout shows nothing. A report file a run produced
(`report.html` of a what-if, with its inline style and data: charts) runs no script at all, in a
sandbox. The agent desk's page may also reach Twilio, as its softphone (Twilio's Voice SDK, served
from Vero: script-src stays 'self') must: signalling over wss:// and the call-quality reports
over https:// to *.twilio.com, ringtones from sdk.twilio.com. A recording the desk plays comes
from Vero (vero/web/api/recording_media.py), so media-src names no other Twilio host and Twilio's
media authentication can stay on. With https, Strict-Transport-Security.
"""

from __future__ import annotations

from flask import Flask, Response, request

PAGE_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
)
PAGE_POLICY = "; ".join(PAGE_DIRECTIVES)
# the desk: connect-src and media-src widened for Twilio's Voice SDK (its docs' network list)
SOFTPHONE_POLICY = "; ".join(
    (
        *(d for d in PAGE_DIRECTIVES if not d.startswith("connect-src")),
        "connect-src 'self' https://*.twilio.com wss://*.twilio.com",
        # the SDK's ringtones; recordings are played through Vero ('self')
        "media-src 'self' https://sdk.twilio.com",
    )
)
SOFTPHONE_ENDPOINTS = ("desk.desk",)
RUN_FILE_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "sandbox",
    )
)
# the routes that hand out the files of a console run (charts, CSVs, the twin's HTML report)
RUN_FILE_ENDPOINTS = ("planning.forecast_file", "planning.roster_file", "whatif.whatif_file")
HSTS = "max-age=31536000"


def secure(response: Response, https: bool) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if response.mimetype == "text/html":
        run_file = request.endpoint in RUN_FILE_ENDPOINTS
        policy = PAGE_POLICY
        if run_file:
            policy = RUN_FILE_POLICY
        elif request.endpoint in SOFTPHONE_ENDPOINTS:
            policy = SOFTPHONE_POLICY
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        if not run_file:
            headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask, *, https: bool) -> None:
    app.after_request(lambda response: secure(response, https))
