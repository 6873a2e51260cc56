"""The console's customer accounts page: supervisors list, add, disable/enable accounts and reset
their passwords through ordinary forms, and the website's login (`POST /api/public/login`)
follows at once; a refused change is said on the page in one line."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from telephony.accounts import MAX_FAILURES
from tests.console.conftest import SUPERVISOR
from vero.web.api.customer_auth import accounts

PASSWORD = "rahasia-toko-2026"
NEW_ACCOUNT = {
    "username": "toko-ayu",
    "password": PASSWORD,
    "name": "Toko Ayu Kosmetik",
    "segment": "partner",
    "phone": "0812 3456 7890",
    "email": "Ayu@Toko.example",
}


@pytest.fixture
def supervisor(client: FlaskClient) -> FlaskClient:
    assert client.post("/console/login", data={"token": SUPERVISOR}).status_code == 302
    return client


def make_account(app: Flask, username: str = "pt-cantik") -> None:
    with app.app_context():
        accounts().add(
            username,
            PASSWORD,
            name="PT Cantik Abadi",
            segment="B2B",
            phone="+6281298765432",
            email="beli@cantik.example",
        )


def login_status(client: FlaskClient, username: str, password: str) -> int:
    return client.post(
        "/api/public/login", json={"username": username, "password": password}
    ).status_code


def row(page: str, username: str) -> str:
    match = re.search(rf'<tr data-account="{re.escape(username)}".*?</tr>', page, re.S)
    assert match, f"no row for {username}"
    return match.group(0)


def test_the_page_lists_accounts_with_masked_phones_unless_asked(app, supervisor):
    make_account(app)
    page = supervisor.get("/console/accounts")
    assert page.status_code == 200
    line = row(page.text, "pt-cantik")
    assert "PT Cantik Abadi" in line and "beli@cantik.example" in line and "B2B" in line
    assert 'data-state="active"' in line
    assert "+62*******5432" in line and "+6281298765432" not in line  # a shared screen
    shown = row(supervisor.get("/console/accounts?phones=shown").text, "pt-cantik")
    assert "+6281298765432" in shown
    assert 'href="/console/accounts"' in page.text  # in the nav


def test_an_added_account_exists_and_can_log_in(app, supervisor):
    reply = supervisor.post("/console/accounts", data=NEW_ACCOUNT)
    assert reply.status_code == 303 and reply.location.endswith("/console/accounts")
    with app.app_context():
        account = accounts().get("toko-ayu")
    assert account is not None
    assert (account.name, account.segment, account.phone, account.email) == (
        "Toko Ayu Kosmetik",
        "partner",
        "+6281234567890",
        "ayu@toko.example",
    )
    page = supervisor.get("/console/accounts").text
    assert "toko-ayu" in row(page, "toko-ayu") and "data-notice" in page  # the notice, once
    assert "data-notice" not in supervisor.get("/console/accounts").text
    assert login_status(supervisor, "toko-ayu", PASSWORD) == 200


def test_disable_refuses_the_login_and_enable_lets_it_in_again(app, supervisor):
    make_account(app)
    assert login_status(supervisor, "pt-cantik", PASSWORD) == 200
    assert supervisor.post("/console/accounts/pt-cantik/disable").status_code == 303
    assert 'data-state="disabled"' in row(supervisor.get("/console/accounts").text, "pt-cantik")
    assert login_status(supervisor, "pt-cantik", PASSWORD) == 401
    assert supervisor.post("/console/accounts/pt-cantik/enable").status_code == 303
    assert 'data-state="active"' in row(supervisor.get("/console/accounts").text, "pt-cantik")
    assert login_status(supervisor, "pt-cantik", PASSWORD) == 200


def test_a_reset_password_works_and_the_old_one_no_longer(app, supervisor):
    make_account(app)
    new = "kata-sandi-baru-99"
    reply = supervisor.post("/console/accounts/pt-cantik/password", data={"password": new})
    assert reply.status_code == 303
    assert login_status(supervisor, "pt-cantik", PASSWORD) == 401
    assert login_status(supervisor, "pt-cantik", new) == 200


def test_a_locked_account_is_shown_and_a_reset_unlocks_it(app, supervisor):
    make_account(app)
    for _ in range(MAX_FAILURES):
        login_status(supervisor, "pt-cantik", "wrong-password")
    assert login_status(supervisor, "pt-cantik", PASSWORD) == 429
    assert 'data-state="locked"' in row(supervisor.get("/console/accounts").text, "pt-cantik")
    supervisor.post("/console/accounts/pt-cantik/password", data={"password": PASSWORD})
    assert 'data-state="active"' in row(supervisor.get("/console/accounts").text, "pt-cantik")
    assert login_status(supervisor, "pt-cantik", PASSWORD) == 200


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"username": "pt-cantik"}, "exists"),
        ({"password": "short"}, "a password of 10 to 200 characters"),
        ({"segment": "reseller"}, "one of B2B, partner"),
        ({"phone": "not a phone"}, "not a phone number"),
        ({"username": "X"}, "field 'username'"),
    ],
)
def test_a_refused_add_says_why_on_the_page_in_one_line(app, supervisor, change, expected):
    make_account(app)
    reply = supervisor.post("/console/accounts", data={**NEW_ACCOUNT, **change})
    assert reply.status_code == 400 and reply.mimetype == "text/html"
    error = re.search(r'<p class="error" role="alert" data-error>([^<\n]*)</p>', reply.text)
    assert error and expected in html.unescape(error.group(1)), reply.text
    assert 'value="Toko Ayu Kosmetik"' in reply.text  # the form keeps what was typed
    assert PASSWORD not in reply.text  # but never the password
    with app.app_context():
        assert accounts().get("toko-ayu") is None


def test_a_short_reset_password_and_an_unknown_account_are_said_on_the_page(app, supervisor):
    make_account(app)
    short = supervisor.post("/console/accounts/pt-cantik/password", data={"password": "short"})
    assert short.status_code == 400 and "a password of 10 to 200 characters" in short.text
    assert login_status(supervisor, "pt-cantik", PASSWORD) == 200  # unchanged
    unknown = supervisor.post("/console/accounts/nobody/disable")
    assert unknown.status_code == 404 and "no account" in unknown.text
    assert "data-error" in unknown.text


@pytest.mark.parametrize(
    ("lang", "texts"),
    [
        ("id", ("Akun pelanggan", "Buat akun", "Nonaktifkan", "Atur ulang kata sandi", "Mitra")),
        ("en", ("Customer accounts", "Create account", "Disable", "Reset password", "Partner")),
    ],
)
def test_both_languages_render(app, supervisor, lang, texts):
    make_account(app)
    with app.app_context():
        accounts().add("mitra-sari", PASSWORD, segment="partner")
    page = supervisor.get(f"/console/accounts?lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    for text in texts:
        assert text in page.text, text


def test_the_page_needs_a_supervisor(app, client):
    reply = client.get("/console/accounts")
    assert reply.status_code == 302 and "/console/login" in reply.location
    assert client.post("/console/accounts", data=NEW_ACCOUNT).status_code == 302
    with app.app_context():
        assert accounts().get("toko-ayu") is None


@pytest.mark.browser
def test_the_page_works_in_a_browser_under_the_policy(app, live_server, page):
    """Headless Chromium under the CSP: the forms post with their CSRF field, without a script,
    and no policy violation is reported."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{live_server}/console/login?lang=en&next=/console/accounts")
    page.fill("input[name=token]", SUPERVISOR)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/accounts")
    form = page.locator("form[data-add-account]")
    for name in ("username", "password", "name", "phone", "email"):
        form.locator(f"[name={name}]").fill(NEW_ACCOUNT[name])
    form.locator("select[name=segment]").select_option("partner")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-notice]")
    line = page.locator('tr[data-account="toko-ayu"]')
    assert line.get_attribute("data-state") == "active"
    assert "+62*******7890" in line.inner_text()
    line.get_by_role("button", name="Disable").click()
    page.wait_for_selector('tr[data-account="toko-ayu"][data-state="disabled"]')
    line = page.locator('tr[data-account="toko-ayu"]')
    line.locator("input[name=password]").fill("kata-sandi-baru-99")
    line.get_by_role("button", name="Reset password").click()
    page.wait_for_selector("[data-notice]")
    plain = app.test_client()
    assert login_status(plain, "toko-ayu", "kata-sandi-baru-99") == 401  # still disabled
    page.locator('tr[data-account="toko-ayu"]').get_by_role("button", name="Enable").click()
    page.wait_for_selector('tr[data-account="toko-ayu"][data-state="active"]')
    assert login_status(plain, "toko-ayu", "kata-sandi-baru-99") == 200
    assert [p for p in problems if "Content Security Policy" in p] == []
