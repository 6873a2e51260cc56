"""Supervisors manage the website's customer accounts over the API (as with `vero accounts`)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from pydantic import Field

from telephony.accounts import AccountError
from vero.kernel.bodies import Body, parse_body
from vero.web.api.customer_auth import accounts
from vero.web.api.routing import require_supervisor

bp = Blueprint("accounts_api", __name__, url_prefix="/api/accounts")


class NewAccount(Body):
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=10, max_length=200)
    name: str = Field(default="", max_length=80)
    segment: str = "B2B"
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)


class NewPassword(Body):
    password: str = Field(min_length=10, max_length=200)


@bp.errorhandler(AccountError)
def _account_error(exc: AccountError):
    status = 404 if exc.message.startswith("no account") else (
        409 if exc.message.endswith("exists") else 400)
    return jsonify(error=f"{exc.field}: {exc.message}"), status


@bp.get("")
def list_accounts():
    require_supervisor()
    return jsonify(accounts=[a.public() for a in accounts().listing()])


@bp.post("")
def add_account():
    require_supervisor()
    body = parse_body(NewAccount)
    account = accounts().add(body.username, body.password, name=body.name,
                             segment=body.segment, phone=body.phone, email=body.email)
    return jsonify(account=account.public()), 201


@bp.post("/<username>/disable")
def disable(username: str):
    require_supervisor()
    return jsonify(account=accounts().set_disabled(username, True).public())


@bp.post("/<username>/enable")
def enable(username: str):
    require_supervisor()
    return jsonify(account=accounts().set_disabled(username, False).public())


@bp.post("/<username>/password")
def reset_password(username: str):
    require_supervisor()
    return jsonify(account=accounts().reset_password(username, parse_body(NewPassword).password)
                   .public())
