"""Supervisors manage the website's customer accounts over the API (as with `vero accounts`);
a refused change (an AccountError) is answered by vero.web.errors."""

from __future__ import annotations

from flask import Blueprint, jsonify
from pydantic import Field

from vero.kernel.bodies import Body, parse_body
from vero.web.api.customer_auth import accounts
from vero.web.auth import require_supervisor_token

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


@bp.get("")
def list_accounts():
    require_supervisor_token()
    return jsonify(accounts=[a.public() for a in accounts().listing()])


@bp.post("")
def add_account():
    require_supervisor_token()
    body = parse_body(NewAccount)
    account = accounts().add(
        body.username,
        body.password,
        name=body.name,
        segment=body.segment,
        phone=body.phone,
        email=body.email,
    )
    return jsonify(account=account.public()), 201


@bp.post("/<username>/disable")
def disable(username: str):
    require_supervisor_token()
    return jsonify(account=accounts().set_disabled(username, True).public())


@bp.post("/<username>/enable")
def enable(username: str):
    require_supervisor_token()
    return jsonify(account=accounts().set_disabled(username, False).public())


@bp.post("/<username>/password")
def reset_password(username: str):
    require_supervisor_token()
    return jsonify(
        account=accounts().reset_password(username, parse_body(NewPassword).password).public()
    )
