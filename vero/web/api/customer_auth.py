"""Who is filing on the website: a customer logged in with their account, or one who proved
their phone number with a one-time code. Either way they get a customer token (bearer) that the
complaint form (`POST /api/complaints`) requires.

The customer token itself (issued, checked, ended) is `vero.web.auth`'s, with every other
authentication decision; this module holds the routes and the one-time codes. Codes are limited
per phone, per IP and in total (vero/web/limits.py), and go only to the country codes the centre
serves.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, jsonify
from pydantic import Field

from telephony.accounts import AccountStore, LockedOut
from telephony.complaints.procedure import MESSAGE_CHANNEL
from telephony.complaints.store import case_store
from telephony.customers import normalise_phone
from telephony.otp import TTL_SECONDS, CodeNotSent, OneTimeCodes
from telephony.services import services
from vero.kernel.bodies import Body, parse_body
from vero.web import auth
from vero.web.limits import client_ip, spend

bp = Blueprint("customer_auth", __name__, url_prefix="/api/public")
COUNTRY_CODES = ("62",)  # one-time codes go to Indonesian numbers only


class CodeRequest(Body):
    phone: str = Field(min_length=1, max_length=40)
    language: str = Field(default="id", max_length=5)


class CodeCheck(Body):
    phone: str = Field(min_length=1, max_length=40)
    code: str = Field(pattern=r"^[0-9]{6}$")


class Login(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


def _codes() -> OneTimeCodes:
    return current_app.extensions["vero-otp"]


def accounts() -> AccountStore:
    svc = services()
    return AccountStore(svc.redis, svc.router.keys)


@bp.record_once
def _setup(state) -> None:
    svc = state.app.extensions["vero"]
    secret = hashlib.sha256(b"vero one-time codes|" + svc.settings.supervisor_token.encode())
    state.app.extensions["vero-otp"] = OneTimeCodes(
        svc.redis, svc.router.keys, svc.gateway, secret.digest()
    )


def _phone(raw: str) -> str:
    phone = normalise_phone(raw)
    if phone is None:
        abort(400, "phone: not a phone number (e.g. 0812 3456 7890 or +62 812 3456 7890)")
    if not phone.removeprefix("+").startswith(COUNTRY_CODES):
        abort(400, f"phone: codes are sent to numbers of +{', +'.join(COUNTRY_CODES)} only")
    return phone


@bp.post("/code")
def request_code():
    """Send a one-time code to a phone (WhatsApp, SMS as fallback)."""
    body = parse_body(CodeRequest)
    phone = _phone(body.phone)
    language = (
        body.language
        if body.language in services().centre.languages
        else services().centre.default_language
    )
    spend("otp_phone", phone)
    spend("otp_ip", client_ip())
    spend("otp_total")
    store = case_store()
    try:
        _codes().send(phone, language, store.policy.sender, MESSAGE_CHANNEL)
    except CodeNotSent:
        abort(502, "the code could not be sent; try again later")
    return jsonify(sent=True, expires_in=TTL_SECONDS), 202


@bp.post("/code/verify")
def verify_code():
    body = parse_body(CodeCheck)
    phone = _phone(body.phone)
    spend("otp_verify", phone)
    outcome, left = _codes().check(phone, body.code)
    if outcome == "ok":
        return jsonify(phone=phone, **auth.open_customer_session({"kind": "phone", "phone": phone}))
    why = {
        "wrong": f"code: wrong code ({left} attempts left)",
        "spent": "code: wrong code, and that was the last attempt; request a new code",
        "none": "code: no code pending for this phone (or it expired); request a new code",
    }
    abort(401, why[outcome])


@bp.post("/login")
def login():
    body = parse_body(Login)
    username = body.username.strip().lower()
    spend("customer_login", username)
    try:
        account = accounts().authenticate(username, body.password)
    except LockedOut as exc:
        return (
            jsonify(
                error=f"password: too many wrong passwords; the account is locked for "
                f"{exc.retry_after} s (or until a supervisor resets it)"
            ),
            429,
            {"Retry-After": str(exc.retry_after)},
        )
    if account is None:
        abort(401, "password: wrong account name or password, or the account is disabled")
    proof = {
        "kind": "account",
        "account": account.username,
        "phone": account.phone,
        "email": account.email,
        "name": account.name,
    }
    return jsonify(account=account.public(), **auth.open_customer_session(proof))


@bp.post("/logout")
def logout():
    auth.close_customer_session()
    return "", 204
