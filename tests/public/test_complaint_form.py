"""The website complaint form: a login or a one-time code first, then a case; never a message to
a number nobody proved."""

from __future__ import annotations

from tests.public.conftest import FORM, PHONE, SUPERVISOR, code_for, sent_to, verified_token

FOREIGN = "+447900123456"


def test_anonymous_complaint_is_refused_and_sends_nothing(client, recorder):
    for n in range(3):
        reply = client.post("/api/complaints", json={**FORM, "phone": f"+44790012345{n}"})
        assert reply.status_code == 401
        assert "one-time code" in reply.json["error"]
    assert recorder.messages_sent() == []
    assert client.get("/api/complaints", headers=SUPERVISOR).json["complaints"] == []


def test_one_time_code_end_to_end(client, recorder):
    assert client.post("/api/public/code", json={"phone": "0812-3456-7890"}).status_code == 202
    code = code_for(recorder, PHONE)
    assert len(code) == 6
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post("/api/public/code/verify", json={"phone": PHONE, "code": wrong})
    assert refused.status_code == 401 and "4 attempts left" in refused.json["error"]
    verified = client.post("/api/public/code/verify", json={"phone": PHONE, "code": code})
    assert verified.status_code == 200
    headers = {"Authorization": f"Bearer {verified.json['token']}"}
    # the code is spent: it does not open a second session
    again = client.post("/api/public/code/verify", json={"phone": PHONE, "code": code})
    assert again.status_code == 401
    filed = client.post("/api/complaints", json={**FORM, "name": "Sari"}, headers=headers)
    assert filed.status_code == 201, filed.json
    assert filed.json["case"]["customer"]["phone"] == PHONE
    bodies = [body for to, body in sent_to(recorder) if to == PHONE]
    assert len(bodies) == 2 and filed.json["ref"] in bodies[-1]  # the code, the confirmation


def test_a_verified_customer_cannot_name_another_number(client, recorder):
    headers = verified_token(client, recorder)
    reply = client.post("/api/complaints", json={**FORM, "phone": FOREIGN}, headers=headers)
    assert reply.status_code == 403 and reply.json["error"].startswith("phone:")
    assert all(to == PHONE for to, _ in sent_to(recorder))


def test_codes_go_to_the_centre_country_only(client, recorder):
    reply = client.post("/api/public/code", json={"phone": FOREIGN})
    assert reply.status_code == 400 and reply.json["error"].startswith("phone:")
    assert recorder.messages_sent() == []


def test_bad_bodies_are_400_naming_the_field(client):
    assert "'phone'" in client.post("/api/public/code", json={"phone": 5}).json["error"]
    bad = client.post("/api/public/code/verify", json={"phone": PHONE, "code": "12"})
    assert bad.status_code == 400 and "'code'" in bad.json["error"]
    assert "'username'" in client.post("/api/public/login", json={}).json["error"]


def test_codes_are_limited_per_phone(client, recorder):
    for _ in range(3):
        assert client.post("/api/public/code", json={"phone": PHONE}).status_code == 202
    reply = client.post("/api/public/code", json={"phone": PHONE})
    assert reply.status_code == 429
    assert int(reply.headers["Retry-After"]) > 0 and "error" in reply.json
    assert len(recorder.messages_sent()) == 3


def test_a_code_dies_after_five_wrong_attempts(client, recorder):
    client.post("/api/public/code", json={"phone": PHONE})
    code = code_for(recorder, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert (
            client.post("/api/public/code/verify", json={"phone": PHONE, "code": wrong}).status_code
            == 401
        )
    last = client.post("/api/public/code/verify", json={"phone": PHONE, "code": wrong})
    assert "last attempt" in last.json["error"]
    late = client.post("/api/public/code/verify", json={"phone": PHONE, "code": code})
    assert late.status_code == 401 and "request a new code" in late.json["error"]


def test_account_login_files_a_complaint(client, recorder):
    made = client.post(
        "/api/accounts",
        headers=SUPERVISOR,
        json={
            "username": "pt-maju",
            "password": "a long secret 1",
            "name": "PT Maju Jaya",
            "segment": "B2B",
            "phone": "+6281300001111",
        },
    )
    assert made.status_code == 201 and "password_hash" not in made.json["account"]
    login = client.post(
        "/api/public/login", json={"username": "pt-maju", "password": "a long secret 1"}
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json['token']}"}
    filed = client.post("/api/complaints", json=FORM, headers=headers)
    assert filed.status_code == 201
    assert filed.json["case"]["customer"] == {
        "phone": "+6281300001111",
        "email": "",
        "name": "PT Maju Jaya",
    }
    assert [to for to, _ in sent_to(recorder)] == ["+6281300001111"]
    client.post("/api/public/logout", headers=headers)
    assert client.post("/api/complaints", json=FORM, headers=headers).status_code == 401


def test_lockout_after_five_wrong_passwords(client, svc):
    client.post(
        "/api/accounts",
        headers=SUPERVISOR,
        json={"username": "mitra", "password": "right password", "segment": "partner"},
    )
    for n in range(5):
        # different addresses: the lockout is the account's, not the IP's
        reply = client.post(
            "/api/public/login",
            json={"username": "mitra", "password": "nope"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
        assert reply.status_code == 401
    locked = client.post(
        "/api/public/login",
        json={"username": "mitra", "password": "right password"},
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 900
    assert (
        client.post(
            "/api/accounts/mitra/password",
            headers=SUPERVISOR,
            json={"password": "another password"},
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/api/public/login",
            json={"username": "mitra", "password": "another password"},
            environ_base={"REMOTE_ADDR": "10.0.1.1"},
        ).status_code
        == 200
    )


def test_a_disabled_account_cannot_log_in(client):
    client.post(
        "/api/accounts",
        headers=SUPERVISOR,
        json={"username": "old-client", "password": "right password"},
    )
    assert client.post("/api/accounts/old-client/disable", headers=SUPERVISOR).status_code == 200
    assert (
        client.post(
            "/api/public/login", json={"username": "old-client", "password": "right password"}
        ).status_code
        == 401
    )
    listed = client.get("/api/accounts", headers=SUPERVISOR).json["accounts"]
    assert [(a["username"], a["disabled"]) for a in listed] == [("old-client", True)]


def test_accounts_need_the_supervisor(client):
    assert client.get("/api/accounts").status_code == 401
    assert client.post("/api/accounts", json={"username": "x", "password": "y"}).status_code == 401
