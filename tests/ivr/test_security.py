"""Signatures, retries, garbage input and the menu data file."""

from __future__ import annotations

import json

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from telephony.customers import normalise_phone
from telephony.ivr.menu import load_menu
from telephony.signature import signature
from telephony.twilio_emulator import Emulator, new_sid
from tests.ivr.conftest import PUBLIC, TOKEN, settings
from vero.kernel import priorities
from vero.web.app import create_app

ENTRY = {"CallSid": "CA" + "1" * 32, "From": "+628999000111", "To": "+622150001234"}


def snapshot(svc) -> dict:
    """Every key but the rate-limit counters (a refused request still counts against those)."""
    keys = sorted(svc.redis.scan_iter(match=svc.router.keys.all_keys_pattern()))
    limits = svc.router.keys.rate_limits().encode()
    return {k: svc.redis.dump(k) for k in keys if not k.startswith(limits)}


@pytest.mark.parametrize(
    "path",
    [
        "/twilio/voice",
        "/twilio/voice/status",
        "/twilio/voice/choice",
        "/twilio/voice/hold",
        "/twilio/messaging",
    ],
)
def test_unsigned_or_wrongly_signed_is_403_and_changes_nothing(twilio, svc, path):
    before = snapshot(svc)
    params = {**ENTRY, "Digits": "1", "CallStatus": "completed", "Body": "hi"}
    assert twilio.client.post(path, data=params).status_code == 403
    assert twilio.post(path, params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    other = Emulator(twilio.client, "another-token", PUBLIC)
    assert other.post(path, params).status_code == 403
    wrong_host = Emulator(twilio.client, TOKEN, "https://evil.example.com")
    assert wrong_host.post(path, params).status_code == 403
    assert snapshot(svc) == before


def test_the_hold_hint_is_covered_by_the_signature(twilio, svc):
    call = twilio.call(ENTRY["From"]).start().press("2").press("1")
    url = next(v for v in call.after if v.tag == "Redirect").text
    assert "queue=product&step=0" in url
    params = call.params()
    signed = twilio.validator.compute_signature(url, params)
    assert twilio.post(url, params, signature=signed).status_code == 200
    for tampered in (
        url.replace("step=0", "step=1"),
        url.replace("queue=product", "queue=vip"),
        url + "&step=1",
    ):
        assert twilio.post(tampered, params, signature=signed).status_code == 403


def test_signature_agrees_with_the_twilio_library():
    params = MultiDict(
        [
            ("CallSid", "CA" + "1" * 32),
            ("Digits", "1"),
            ("Body", "héllo wörld"),
            ("To", "+622150001234"),
            ("Digits", "0"),
            ("Empty", ""),
        ]
    )
    url = PUBLIC + "/twilio/voice/choice?lang=en&menu=main&try=0"
    assert signature(TOKEN, url, params) == RequestValidator(TOKEN).compute_signature(url, params)


def test_behind_a_proxy_the_forwarded_host_is_signed(redis_client, namespace, tmp_path):
    from tests.ivr.conftest import FakeGateway

    app = create_app(
        settings(tmp_path, trust_proxy=True),
        redis_client=redis_client,
        namespace=namespace,
        gateway=FakeGateway(),
    )
    twilio = Emulator(app.test_client(), TOKEN, "https://cs.example.co.id")
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cs.example.co.id"}
    assert twilio.post("/twilio/voice", ENTRY, headers=proxy).status_code == 200
    assert twilio.post("/twilio/voice", ENTRY).status_code == 403  # without the proxy headers


def test_retried_steps_change_nothing_twice(twilio, svc, gateway):
    call = twilio.call("+628999000111").start().press("1").press("3")
    action = call.waiting.get("action")  # the complaints menu
    call.press("1")
    task = svc.router.task(f"call-{call.sid}")
    events = svc.redis.xlen(svc.router.keys.events())
    call.fetch(action, Digits="1")  # Twilio retries the same step
    assert svc.router.task(f"call-{call.sid}") == task
    assert svc.redis.xlen(svc.router.keys.events()) == events
    assert len(gateway.messages) == 1
    seq = svc.router.keys.sequence("complaints-2025")
    assert svc.redis.get(seq) == b"1"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"CallSid": "garbage", "Digits": "x" * 500},
        {"CallSid": "CA" + "2" * 32, "Digits": "💥"},
        {"CallSid": "CA" + "3" * 32, "SpeechResult": "\x00\x01", "From": "not a number"},
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/twilio/voice",
        "/twilio/voice/choice?menu=nope&lang=xx&try=z",
        "/twilio/voice/hold",
        "/twilio/voice/language?try=99",
        "/twilio/voice/hold?lang=en&queue=vip&step=77&origin=b2b",
        "/twilio/voice/hold?lang=en&queue=vip&step=\u00b2&origin=vip",
        "/twilio/voice/agent-status?offer=..",
        "/twilio/voice/after-call?task=nope",
        "/twilio/voice/conference?task=call-x",
        "/twilio/voice/join",
        "/twilio/voice/hold-music?lang=zz",
        "/twilio/voice/survey",
        "/twilio/voice/agent-screen",
        "/twilio/voice/agent?offer=a.b",
    ],
)
def test_garbage_gets_polite_twiml(twilio, path, params):
    reply = twilio.post(path, params)
    assert reply.status_code == 200 and reply.mimetype == "text/xml"
    assert b"Traceback" not in reply.data and reply.data.startswith(b"<?xml")


def test_phone_numbers_are_ascii_digits_only():
    assert normalise_phone("0812-3456-789") == "+628123456789"
    assert normalise_phone("0812\u00b23456789") is None  # a superscript two is not a digit here


def test_unknown_call_on_hold_goes_to_the_general_queue(twilio, svc):
    sid = new_sid()
    reply = twilio.post("/twilio/voice/hold?lang=en", {**ENTRY, "CallSid": sid})
    assert b"connect you with one of our agents" in reply.data
    assert svc.router.task(f"call-{sid}")["queue"] == "general"


def test_every_prompt_in_every_language(centre):
    menu = load_menu(centre)
    for key, texts in menu.prompts.items():
        assert set(texts) >= set(centre.languages), key
    for _, options in menu.menus.values():
        for option in options.values():
            assert set(option.speech) == set(centre.languages)
    assert menu.voices["id"]["voice"].startswith("Google.id-ID-")


def test_a_missing_translation_fails_at_load(centre, tmp_path):
    import yaml

    from telephony.ivr.menu import default_menu_path
    from vero.kernel.errors import VeroError

    raw = yaml.safe_load(default_menu_path().read_text())
    del raw["prompts"]["closed"]["en"]
    path = tmp_path / "menu.yaml"
    path.write_text(json.dumps(raw))
    with pytest.raises(VeroError, match="prompts.closed"):
        load_menu(centre, path)


@pytest.mark.parametrize(
    ("priority", "loaded"),
    [("urgent", priorities.URGENT), ("vip", priorities.VIP), ("normal", priorities.NORMAL)],
)
def test_an_option_names_its_priority_on_the_one_scale(centre, tmp_path, priority, loaded):
    import yaml

    from telephony.ivr.menu import default_menu_path

    raw = yaml.safe_load(default_menu_path().read_text())
    assert raw["menus"]["complaints"]["options"]["1"]["priority"] == "urgent"
    raw["menus"]["complaints"]["options"]["1"]["priority"] = priority
    path = tmp_path / "menu.yaml"
    path.write_text(json.dumps(raw))
    option = load_menu(centre, path).menus["complaints"][1]["1"]
    assert option.priority == loaded


@pytest.mark.parametrize("priority", [50, priorities.URGENT, 0, "high", "50", True, None])
def test_a_number_or_unknown_priority_fails_at_load(centre, tmp_path, priority):
    """A level is written by name, so a menu cannot hold a number that drifts from the scale
    (the IVR once said 50 where the complaints said 100)."""
    import yaml

    from telephony.ivr.menu import default_menu_path
    from vero.kernel.errors import VeroError

    raw = yaml.safe_load(default_menu_path().read_text())
    raw["menus"]["complaints"]["options"]["1"]["priority"] = priority
    path = tmp_path / "menu.yaml"
    path.write_text(json.dumps(raw))
    with pytest.raises(VeroError, match=r"menus\.complaints\.options\.1\.priority"):
        load_menu(centre, path)
