"""Whole calls through the IVR with the Twilio emulator: both languages, keypad and speech."""

from __future__ import annotations

import pytest

from tests.ivr.conftest import CLOSED_AT
from vero.kernel import priorities

UNKNOWN = "+628999000111"


def task_of(svc, call) -> dict:
    return svc.router.task(f"call-{call.sid}")


def hold_url(call) -> str:
    """Where the hold loop sends the call next (its <Redirect> after the <Gather>)."""
    return next(v for v in call.after if v.tag == "Redirect").text


def test_unknown_caller_chooses_language_then_product_by_keypad(twilio, svc):
    call = twilio.call(UNKNOWN).start()
    assert call.said("Untuk Bahasa Indonesia") and call.said("For English")
    call.press("2")
    assert call.said("For product information")
    call.press("1")
    assert call.said("You are number 1 in the queue")
    task = task_of(svc, call)
    assert (task["queue"], task["language"], task["state"]) == ("product", "en", "queued")
    assert task["attributes"]["topic"] == "product"
    assert call.waiting.get("action").endswith("hold-choice?lang=en")


def test_language_and_menu_by_speech_in_indonesian(twilio, svc):
    call = twilio.call(UNKNOWN).start()
    gather = call.waiting
    assert gather.get("input") == "dtmf speech" and gather.get("language") == "id-ID"
    call.speak("bahasa indonesia")
    assert call.waiting.get("language") == "id-ID" and "pesanan" in call.waiting.get("hints")
    assert call.said("Untuk status pesanan")
    call.speak("saya mau cek status pesanan saya")
    assert task_of(svc, call)["queue"] == "orders"
    assert call.said("Anda berada di urutan ke-1")


@pytest.mark.parametrize(
    ("digits", "queue", "topic"),
    [
        ("1", "product", "product"),
        ("2", "orders", "orders"),
        ("4", "b2b", "b2b"),
        ("5", "partners", "partners"),
        ("0", "general", "general"),
    ],
)
def test_every_main_menu_branch(twilio, svc, directory, digits, queue, topic):
    call = twilio.call("+628111000001").start()  # known: Indonesian, no language question
    assert not call.said("For English")
    call.press(digits)
    task = task_of(svc, call)
    assert (task["queue"], task["attributes"]["topic"], task["language"]) == (queue, topic, "id")


def test_english_speech_menu(twilio, svc, directory):
    call = twilio.call("+628111000002").start()
    assert call.said("For product information")
    call.speak("I want to talk about a partner programme")
    assert task_of(svc, call)["queue"] == "partners"


def test_skin_reaction_is_urgent_and_gets_a_complaint_reference(twilio, svc, directory, gateway):
    normal = twilio.call("+628111000002").start().press("3").press("2")
    urgent = twilio.call("+628111000001").start()
    urgent.press("3")
    assert urgent.said("alergi atau reaksi kulit")
    urgent.press("1")
    task = task_of(svc, urgent)
    assert task["queue"] == "complaints" and task["priority"] == priorities.URGENT
    ref = task["attributes"]["complaint_ref"]
    assert ref.startswith("CMP-2025-") and len(ref) == len("CMP-2025-000001")
    assert urgent.said("Keluhan Anda kami prioritaskan")
    assert urgent.said("Nomor referensi keluhan Anda adalah C M P, 2 0 2 5")
    assert urgent.said("urutan ke-1")  # ahead of the earlier, non-urgent complaint
    assert task_of(svc, normal)["attributes"]["complaint_ref"] != ref
    sent = [m for m in gateway.messages if m[0] == "+628111000001"]
    assert sent == [
        (
            "+628111000001",
            f"Terima kasih. Keluhan Anda telah kami catat dengan nomor referensi {ref}.",
            "whatsapp",
            "+622150001234",
        )
    ]


def test_complaint_confirmation_falls_back_to_sms(twilio, svc, directory, gateway):
    gateway.fail_channels.add("whatsapp")
    call = twilio.call("+628111000002").start().press("3").speak("the package was leaking")
    task = task_of(svc, call)
    assert task["attributes"]["topic"] == "damaged_package"
    assert (
        gateway.messages[0][2] == "sms"
        and task["attributes"]["complaint_ref"] in gateway.messages[0][1]
    )


def test_three_failures_route_to_general_never_hang_up(twilio, svc):
    call = twilio.call(UNKNOWN).start()
    call.press("9").silence()  # invalid, then nothing: two failures
    assert call.said("Untuk Bahasa Indonesia") and not call.ended
    call.speak("mumble")
    task = task_of(svc, call)
    assert (task["queue"], task["language"]) == ("general", "id")
    assert not call.ended

    menu = twilio.call("+628111000009").start().press("2")
    menu.press("7").silence().press("*")
    assert menu.said("Sorry, we did not recognise that choice")
    assert task_of(svc, menu)["queue"] == "general" and not menu.ended


def test_vip_and_b2b_accounts(twilio, svc, directory):
    vip = twilio.call("+628111000003").start().press("2")
    assert task_of(svc, vip)["queue"] == "vip" and task_of(svc, vip)["priority"] == 10
    b2b = twilio.call("+628111000004").start().press("1")
    assert task_of(svc, b2b)["queue"] == "b2b"
    assert task_of(svc, b2b)["attributes"]["topic"] == "product"


def test_after_hours_offers_callback_or_voicemail(twilio, svc, clock, directory):
    clock.now = CLOSED_AT
    call = twilio.call("+628111000002").start()
    assert call.said("We are closed at the moment")
    call.press("1")
    assert call.said("We will call you back") and call.ended
    callback = svc.router.task(f"cb-{call.sid}")
    assert (
        callback["channel"] == "voice" and callback["attributes"]["callback_to"] == "+628111000002"
    )

    unknown = twilio.call(UNKNOWN).start().press("1")
    assert unknown.said("Saat ini layanan kami sedang tutup")
    unknown.press("2")
    assert unknown.waiting.tag == "Record"
    unknown.record("https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE42")
    task = task_of(svc, unknown)
    assert task["state"] == "voicemail"
    assert task["attributes"]["voicemail_url"].endswith("RE42")


def test_hold_callback_keeps_the_place(twilio, svc, directory, clock):
    first = twilio.call("+628111000001").start().press("0")
    clock.now += 5
    second = twilio.call(UNKNOWN).start().press("1").press("0")
    assert second.said("urutan ke-2") and second.said("Tekan 1 agar kami menelepon")
    created = task_of(svc, first)["created"]
    first.press("1")
    assert first.said("menelepon Anda kembali") and first.ended
    assert task_of(svc, first)["state"] == "callback"
    callback = svc.router.task(f"cb-{first.sid}")
    assert callback["created"] == created and callback["queue"] == "general"
    second.press("5")  # not an option: back to hold, still behind the callback
    assert second.heard[-2].startswith("Anda berada di urutan ke-2")


def test_hold_url_carries_the_place_and_a_call_that_moved_is_read_where_it_is(twilio, svc, clock):
    ahead = [twilio.call(f"+62899900020{i}").start().press("2").press("1") for i in range(2)]
    clock.now += 5
    call = twilio.call(UNKNOWN).start().press("2").press("1")
    assert call.said("You are number 3 in the queue")
    stale = hold_url(call)
    assert stale.endswith("hold?lang=en&queue=product&step=0&origin=product")
    clock.now += 16  # past the product queue's first step: all three move to the second
    svc.router.tick()
    assert [task_of(svc, c)["step"] for c in (*ahead, call)] == [1, 1, 1]
    call.silence()  # Twilio follows the URL handed out while the call was on the first step
    assert call.heard[-2].startswith("You are number 3 in the queue")
    assert hold_url(call).endswith("hold?lang=en&queue=product&step=1&origin=product")
    svc.router.cancel(f"call-{ahead[0].sid}", "abandoned")
    call.fetch(stale)  # the stale hint again: still the place where the call really is
    assert call.heard[-2].startswith("You are number 2 in the queue")


def test_hold_url_hinting_another_queue_still_gives_the_real_place(twilio, svc, clock):
    twilio.call(UNKNOWN).start().press("2").press("1")
    clock.now += 5
    call = twilio.call("+628999000222").start().press("2").press("1")
    assert call.said("You are number 2 in the queue")
    call.fetch("/twilio/voice/hold?lang=en&queue=general&step=0&origin=general")
    assert call.heard[-2].startswith("You are number 2 in the queue")
    assert hold_url(call).endswith("queue=product&step=0&origin=product")


def test_hold_voicemail(twilio, svc):
    call = twilio.call(UNKNOWN).start().press("2").press("2")
    call.press("2")
    assert call.said("leave your message after the tone") and call.waiting.tag == "Record"
    assert task_of(svc, call)["state"] == "voicemail"
    call.record()
    assert task_of(svc, call)["attributes"]["voicemail_url"] == "https://api.twilio.com/rec/RE1"
    assert call.said("Your message has been received")


def test_fallback_signal_is_offered_on_hold(twilio, svc, directory, clock):
    call = twilio.call("+628111000002").start().press("3").press("3")
    clock.now += 301  # past the complaints queue's last step: fallback 'callback'
    svc.router.tick()
    assert task_of(svc, call)["fallback"] == "callback"
    call.silence()  # the hold loop comes round again
    assert call.said("We suggest a call back")


def test_caller_hangs_up_while_waiting_is_abandoned(twilio, svc):
    call = twilio.call(UNKNOWN).start().press("1").press("0")
    assert call.hang_up() == 200
    assert task_of(svc, call)["state"] == "abandoned"
    assert call.hang_up() == 200  # retried callback: nothing changes twice
    assert task_of(svc, call)["state"] == "abandoned"
