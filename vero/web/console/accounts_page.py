"""The "Customer accounts" page: supervisors list, add, disable/enable the website's customer
accounts (B2B clients, partners) and reset their passwords, as `vero accounts` and
`/api/accounts` do, through the same AccountStore.

Plain POST forms (each with its CSRF field, checked by `csrf` before the view); a change that
worked redirects back to the list (post/redirect/get, so a reload repeats nothing) with a notice;
a refused one shows the list again with its reason in one line (400, 404 for an unknown account).
Phones are masked unless the supervisor asks to see them: the list is often on a shared screen.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)

from telephony.accounts import (
    MIN_PASSWORD,
    SEGMENTS,
    Account,
    AccountError,
)
from telephony.gateway import mask
from vero.web.api.customer_auth import accounts
from vero.web.i18n import t

FORM_FIELDS = ("username", "name", "segment", "phone", "email")  # kept on a refused add
SHOW_PHONES = "shown"  # ?phones=shown


def _row(account: Account, locked: int, show_phones: bool) -> dict[str, object]:
    phone = account.phone if show_phones or not account.phone else mask(account.phone)
    return {
        "username": account.username,
        "name": account.name or "—",
        "segment": account.segment,
        "phone": phone or "—",
        "email": account.email or "—",
        "disabled": account.disabled,
        "locked_minutes": -(-locked // 60) if locked else 0,
    }


def _page(error: str = "", form: dict[str, str] | None = None, status: int = 200):
    show_phones = request.args.get("phones") == SHOW_PHONES
    store = accounts()
    listing = store.listing()
    locks = store.locked_for([a.username for a in listing])
    rows = [_row(a, locked, show_phones) for a, locked in zip(listing, locks, strict=True)]
    return render_template(
        "console/accounts.html",
        rows=rows,
        error=error,
        form=form or {"segment": SEGMENTS[0]},
        segments=SEGMENTS,
        show_phones=show_phones,
        min_password=MIN_PASSWORD,
        notices=get_flashed_messages(),
    ), status


def _refused(exc: AccountError, form: dict[str, str] | None = None):
    status = 404 if exc.message.startswith("no account") else 400
    return _page(f"{t('accounts.refused')}: {exc.one_line()}", form, status)


def _done(key: str, username: str):
    flash(f"{t(key)}: {username}")
    return redirect(url_for("console.accounts"), 303)


def accounts_list():
    """Every account with its state, and the form for a new one."""
    return _page()


def accounts_add():
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    try:
        account = accounts().add(
            form["username"].strip().lower(),
            request.form.get("password", ""),
            name=form["name"],
            segment=form["segment"],
            phone=form["phone"].strip(),
            email=form["email"],
        )
    except AccountError as exc:
        return _refused(exc, form)
    return _done("accounts.added", account.username)


def _change(username: str, step: Callable[[], Account], key: str):
    try:
        step()
    except AccountError as exc:
        return _refused(exc)
    return _done(key, username)


def accounts_disable(username: str):
    """Refuse every login of the account (the record and its complaints stay)."""
    return _change(username, lambda: accounts().set_disabled(username, True), "accounts.disabled")


def accounts_enable(username: str):
    return _change(username, lambda: accounts().set_disabled(username, False), "accounts.enabled")


def accounts_password(username: str):
    """A new initial password (it lifts a lockout too)."""
    password = request.form.get("password", "")
    return _change(
        username, lambda: accounts().reset_password(username, password), "accounts.password_reset"
    )


def add_routes(bp: Blueprint) -> None:
    """The page's routes on the console blueprint (its login guard and CSRF check apply)."""
    bp.add_url_rule("/accounts", "accounts", accounts_list, methods=["GET"])
    bp.add_url_rule("/accounts", view_func=accounts_add, methods=["POST"])
    for action, view in (
        ("disable", accounts_disable),
        ("enable", accounts_enable),
        ("password", accounts_password),
    ):
        bp.add_url_rule(f"/accounts/<username>/{action}", view_func=view, methods=["POST"])
