"""The live desk in headless Chromium against a real server, with Twilio's side played by the
emulator over HTTP and the app's own dispatcher and outbox senders sending Vero's REST requests
through the real `twilio` client to a `RestRecorder`: a caller through the IVR is offered by push
with its alert (the WebAudio beep counted by an init script), Accept on the desk and the
softphone's answer bridge the call in its conference, Hold and a cold transfer clicked on the call
card reach Twilio as it expects them; a voicemail made through the IVR's webhooks shows its player
and transcription, a callback its number and earlier tries; the player plays the recording through
Vero (fetched from a stand-in for Twilio's media host with the API key); click-to-call from the
customer panel (which a reload brings back) and from the desk's form dials the agent first.
Also: an unknown caller shows no VIP badge and is greeted properly, the softphone says in one line
that it cannot reach Twilio, and the desk falls back to slow polling when its stream is down.
Nothing here reaches Twilio: its hosts are answered by the test (requests aborted, sockets
refused). Screenshots go to the test's tmp_path."""

from __future__ import annotations

import csv
import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from telephony.services import services
from telephony.twilio_emulator import Emulator, HttpClient, RestRecorder, RestRequest
from tests.api.media_host import MediaHost
from tests.console.conftest import add_agent, console_app
from tests.console.test_browser import start_desk
from tests.console.test_voice_token import API_KEY, API_SECRET, configure_softphone
from vero.cli.demo.command import demo_centre
from vero.cli.dispatch import dispatching

pytestmark = pytest.mark.browser
T = TypeVar("T")
AUTH_TOKEN = "secret"  # the console app's Twilio auth token (tests/console/conftest.py)
NUMBER = "+622150001234"  # the centre's number the emulated callers dial
CALLER = "+628999000111"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "7" * 32
# Counts the desk's beeps and keeps the Voice SDK off the network: a socket to Twilio fails
# at once, as it does on a machine without internet.
OFFLINE_TWILIO = """
window.__beeps = 0;
const startTone = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__beeps += 1;
  return startTone.apply(this, args);
};
const RealSocket = window.WebSocket;
window.__twilioSockets = 0;
window.WebSocket = function (url, protocols) {
  if (!String(url).includes("twilio.com")) return new RealSocket(url, protocols);
  window.__twilioSockets += 1;
  const socket = {url: String(url), readyState: 3, send() {}, close() {},
                  addEventListener() {}, removeEventListener() {}};
  setTimeout(() => {
    socket.onerror?.(new Event("error"));
    socket.onclose?.({code: 1006, reason: "no network", wasClean: false});
  }, 5);
  return socket;
};
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def recorder() -> Iterator[RestRecorder]:
    with RestRecorder() as recorder:
        yield recorder


@pytest.fixture
def app(redis_client, namespace, tmp_path, recorder):
    """The console's app on a centre open round the clock (the IVR answers at any hour), its
    Twilio REST requests sent to the recorder."""
    return console_app(
        redis_client,
        namespace,
        tmp_path,
        centre_path=demo_centre(tmp_path),
        twilio_api_base=recorder.url,
    )


@pytest.fixture
def twilio(app, live_server, recorder) -> Iterator[Emulator]:
    """Twilio's side: webhooks over HTTP to the live server (signed for the public URL, as
    Twilio signs them), the recorder's requests played on the emulated calls, and the app's
    dispatcher (the connector ringing agents) and outbox senders running meanwhile."""
    with app.app_context():
        public = services().settings.public_base_url
    emulator = Emulator(HttpClient(live_server), AUTH_TOKEN, public)
    recorder.emulator = emulator
    with dispatching(app, senders=2, interval=0.1):
        yield emulator


@pytest.fixture
def desk_page(app, page):
    """The page, with the softphone configured and Twilio's hosts unreachable; `violations`
    collects what the page's CSP refused."""
    configure_softphone(app)
    page.add_init_script(OFFLINE_TWILIO)
    page.route("**/*.twilio.com/**", lambda route: route.abort())
    return page


def voice_agent(app, skills: dict[str, int] | None = None) -> str:
    """Ayu, on the softphone `client:ayu`, taking general calls (and WhatsApp) and order
    questions; her token."""
    with app.app_context():
        update = services().router.upsert_agent(
            "ayu",
            skills or {"general": 2, "orders": 2},
            ("id", "en"),
            {"voice": 1, "chat": 3, "whatsapp": 5},
            name="Ayu Lestari",
            contact={"client": "ayu"},
        )
    assert update.token
    return update.token


def until(found: Callable[[], T | None], seconds: float = 10.0) -> T:
    """What `found` returns once it is truthy (the server's threads act meanwhile)."""
    deadline = time.monotonic() + seconds
    while not (value := found()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return value


def task_of(app, task_id: str) -> dict:
    with app.app_context():
        return services().router.task(task_id)


def contact_rows(data_dir: Path, task_id: str) -> list[dict[str, str]]:
    """The rows of `task_id` in the contact CSVs."""
    files = (data_dir / "contacts").glob("*.csv")
    return [row for f in files for row in csv.DictReader(f.open()) if row["task_id"] == task_id]


def sent(recorder: RestRecorder, fragment: str, count: int = 1) -> list[RestRequest]:
    """The REST requests to a path containing `fragment`, once `count` of them reached Twilio."""
    return until(lambda: len(found := recorder.rest_requests(fragment)) >= count and found)


def test_a_real_call_is_offered_accepted_bridged_held_and_transferred(
    app, live_server, twilio, recorder, desk_page, tmp_path
):
    from playwright.sync_api import expect

    page = desk_page
    token = voice_agent(app)
    page.set_viewport_size({"width": 1366, "height": 768})
    start_desk(page, live_server, token, "en")
    expect(page.locator("[data-feed]")).to_have_attribute("data-feed", "live")
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/desk/snapshot" in r.url else None)
    call = twilio.call(CALLER, NUMBER).start().press("2").press("0")  # English, an agent
    task_id = f"call-{call.sid}"
    offer = page.locator('[data-list="offers"] .offer')
    expect(offer).to_have_count(1, timeout=3000)  # pushed, not polled
    assert not polls
    expect(offer).to_have_class("offer card fresh")
    page.wait_for_function("() => window.__beeps >= 2")  # two tones
    view = offer.locator(".customer-view")
    expect(view.locator('[data-cv="name"]')).to_have_text("Unknown customer")
    expect(view.locator('[data-cv="vip"]')).to_be_hidden()  # not a VIP
    expect(view.locator('[data-cv="greeting"]')).to_have_text(
        "Hello there, welcome to customer care. How may I help you?"
    )
    expect(page).to_have_title("(1) Agent desk · Vero")
    assert page.evaluate("() => typeof window.Twilio.Device") == "function"  # the real SDK
    softphone = page.locator("[data-softphone-status]")
    expect(softphone).to_contain_text("Softphone offline", timeout=15000)
    # the dispatcher's connector rang the agent's softphone for the offer
    leg = until(lambda: next((leg for leg in twilio.legs() if leg.number == "client:ayu"), None))
    assert parse_qs(urlsplit(leg.url).query)["offer"][0].startswith(f"{task_id}.")
    page.screenshot(path=tmp_path / "desk-offer-1366.png")

    offer.locator("[data-action=accept]").click()
    card = page.locator(f'[data-list="tasks"] [data-key="{task_id}"]')
    expect(card).to_contain_text("In progress")
    assert "answered_at" not in task_of(app, task_id)  # accepted, not yet bridged
    leg.answer()  # the softphone answers: accepted already, the agent joins the conference
    assert leg.in_conference()
    into_conference = call.wait_for_update(10)  # Vero redirects the caller (REST, outbox)
    assert into_conference is not None and "/twilio/voice/join?" in into_conference
    call.fetch(into_conference)
    conference = twilio.conferences[task_id]
    assert sorted(conference.labels()) == ["agent", "customer"]
    assert call.in_conference() and leg.in_conference()
    task = until(lambda: (t := task_of(app, task_id)).get("answered_at") and t)  # the bridge
    assert task["attributes"]["conference_sid"] == conference.sid
    expect(card.locator(".call-control")).to_be_visible()

    participant = f"/Conferences/{conference.sid}/Participants/{call.sid}.json"
    hold = card.locator('[data-call="hold"]')
    hold.click()
    expect(hold).to_have_text("Resume")
    [held] = sent(recorder, participant)
    with app.app_context():
        public = services().settings.public_base_url
    assert held.form == {
        "Hold": ["true"],
        "HoldUrl": [f"{public}/twilio/voice/hold-music?lang=en"],
        "HoldMethod": ["POST"],
    }
    until(lambda: conference.participants[call.sid].hold)  # Twilio holds the customer
    page.screenshot(path=tmp_path / "desk-call-1366.png", full_page=True)
    hold.click()
    expect(hold).to_have_text("Hold")
    assert sent(recorder, participant, 2)[1].form == {"Hold": ["false"]}

    # a warm transfer to Budi: he is dialled into the conference, answers, and is let go
    with app.app_context():
        router = services().router
        router.upsert_agent(
            "budi", {"general": 2}, ("id", "en"), {"voice": 1}, contact={"client": "budi"}
        )
        router.set_agent_state("budi", "available")
    card.locator('input[name="agent"]').fill("budi")
    card.locator('select[name="mode"]').select_option("warm")
    card.locator("[data-transfer] button").click()
    cancel = card.locator('[data-call="transfer-cancel"]')
    expect(cancel).to_be_visible()
    expect(card.locator('[data-call="transfer-complete"]')).to_be_visible()
    expect(card.locator('input[name="agent"]')).to_have_value("")  # the form starts anew
    [dialled] = sent(recorder, f"/Conferences/{conference.sid}/Participants.json")
    assert (dialled.form["To"], dialled.form["Label"]) == (["client:budi"], ["transfer"])
    budi = until(lambda: next((leg for leg in twilio.legs() if leg.number == "client:budi"), None))
    budi.answer()
    until(lambda: sorted(conference.labels()) == ["agent", "customer", "transfer"])
    expect(hold).to_be_disabled()  # the transfer holds the caller while the agents talk
    shoot(page, tmp_path, "desk-warm-transfer-en")
    cancel.click()
    expect(cancel).to_be_hidden()
    until(lambda: budi.ended)  # his leg is hung up; Ayu and the caller talk on
    until(lambda: not conference.participants[call.sid].hold)
    assert sorted(conference.labels()) == ["agent", "customer"]
    expect(hold).to_be_enabled()

    card.locator('input[name="number"]').fill("+6281234567890")  # a third party
    card.locator("[data-add-party] button").click()
    expect(card.locator('input[name="number"]')).to_have_value("")
    third = sent(recorder, f"/Conferences/{conference.sid}/Participants.json", 2)[1]
    assert (third.form["To"], third.form["Label"]) == (["+6281234567890"], ["third"])

    card.locator('select[name="queue"]').select_option("product")
    card.locator("[data-transfer] button").click()
    expect(card).to_have_count(0)  # the call left the agent
    joined, moved = sent(recorder, f"/Calls/{call.sid}.json", 2)  # into the conference, out
    assert joined.form["Url"] == [into_conference]
    to_hold = moved.form["Url"][0]
    assert to_hold.startswith(f"{public}/twilio/voice/hold?")
    assert parse_qs(urlsplit(to_hold).query)["queue"] == ["product"]
    task = task_of(app, task_id)
    assert (task["state"], task["queue"], task["attributes"]["transfer"]) == (
        "queued",
        "product",
        "yes",
    )
    assert call.wait_for_update(5) == to_hold  # Twilio moves the caller to the new queue
    call.fetch(to_hold)
    assert not call.in_conference() and not call.ended
    assert page.evaluate("window.__twilioSockets") >= 1  # the SDK tried, and was told no


def shoot(page, tmp_path, name: str) -> None:
    """The desk at a laptop's 1366×768 and a phone's 390 px, whole page (looked at by hand)."""
    for width, height, size in ((1366, 768, "1366"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=tmp_path / f"{name}-{size}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_a_voicemail_shows_its_player_and_transcription_and_a_callback_its_tries(
    app, live_server, twilio, desk_page, tmp_path
):
    from playwright.sync_api import expect

    page = desk_page
    token = voice_agent(app)
    start_desk(page, live_server, token, "id")
    page.click("button[data-set-state=break]")
    expect(page.locator("[data-my-state]")).to_have_attribute("data-my-state", "break")
    # nobody is available: an English caller in the orders queue leaves a message from hold
    call = twilio.call(CALLER, NUMBER).start().press("2").press("2")
    call.press("2")
    assert call.waits_on("Record")
    call.fetch(
        call.waiting.get("action"),
        RecordingUrl=RECORDING,
        RecordingSid="RE" + "7" * 32,
        RecordingDuration="74",
        Digits="#",
    )
    assert call.ended
    voicemail = f"vm-{call.sid}"
    with app.app_context():
        public = services().settings.public_base_url
    transcription = f"{public}/twilio/voice/transcription?task={voicemail}"
    assert twilio.post(transcription, call.params(TranscriptionStatus="failed")).status_code == 200

    page.click("button[data-set-state=available]")
    offer = page.locator(f'[data-list="offers"] [data-key^="{voicemail}."]')
    expect(offer).to_contain_text("Pesan suara")  # what it is, in the page's language
    detail = offer.locator("[data-detail]")
    expect(detail).to_contain_text(f"Pesan suara dari {CALLER}")
    expect(detail).to_contain_text("durasi 1:14")
    expect(detail).to_contain_text("Transkripsi gagal")
    expect(detail.locator("audio")).to_have_count(0)  # played once taken
    offer.locator("[data-action=accept]").click()
    card = page.locator(f'[data-list="tasks"] [data-key="{voicemail}"]')
    player = card.locator("audio")
    expect(player).to_have_attribute("src", f"/desk/tasks/{voicemail}/recording")  # via Vero
    expect(player).to_have_attribute("preload", "none")
    assert player.get_attribute("controls") is not None
    expect(card.locator(".call-control")).to_be_hidden()  # a recording: nothing to control
    expect(card.locator('[data-action="complete"]')).to_have_text("Selesai")

    text = "Pesanan saya belum sampai, tolong dicek."
    twilio.post(transcription, call.params(TranscriptionStatus="completed", TranscriptionText=text))
    expect(card.locator(".transcript")).to_have_text(text)  # pushed when Twilio sends it
    expect(card.locator('[data-vm="failed"]')).to_be_hidden()
    # the player asks Vero (its own origin, which the CSP allows); a host the CSP does not
    # name is refused, which shows the watch works
    page.evaluate(
        """() => {
          document.querySelector('[data-list="tasks"] audio').play().catch(() => {});
          new Audio("https://media.example.com/x.wav").play().catch(() => {});
        }"""
    )
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("window.__violations") == ["media-src https://media.example.com/x.wav"]
    shoot(page, tmp_path, "desk-voicemail-id")
    page.goto(f"{live_server}/desk/?lang=en")
    card = page.locator(f'[data-list="tasks"] [data-key="{voicemail}"]')
    expect(card.locator("[data-detail]")).to_contain_text(f"Voicemail from {CALLER}")
    shoot(page, tmp_path, "desk-voicemail-en")

    card.locator('[data-action="complete"]').click()
    expect(card.locator('[data-action="complete"]')).to_have_text("End wrap-up")
    assert task_of(app, voicemail)["state"] == "wrapping"
    card.locator('[data-action="complete"]').click()
    expect(card).to_have_count(0)
    [row] = until(lambda: contact_rows(tmp_path, voicemail))  # the dispatcher wrote its record
    assert (row["outcome"], row["agent_id"]) == ("completed", "ayu")

    # a callback's third try: the first rang out, the second was busy
    with app.app_context():
        services().router.enqueue(
            "cb-CA9-3",
            "voice",
            "general",
            "id",
            attributes={
                "kind": "callback",
                "callback_to": "+628999000333",
                "call_sid": "",
                "to": NUMBER,
                "retry_of": "cb-CA9",
                "attempt": "3",
                "attempts": "2",
                "attempt_1": "no-answer@2026-12-01T02:05:00+00:00",
                "attempt_2": "busy@2026-12-01T02:15:30+00:00",
            },
        )
    offer = page.locator('[data-list="offers"] [data-key^="cb-CA9-3."]')
    expect(offer).to_contain_text("Callback")
    detail = offer.locator("[data-detail]")
    expect(detail).to_contain_text("Number to call back: +628999000333")
    tries = detail.locator("li")
    expect(tries).to_have_text(
        ["Try 1: no answer · Dec 1, 2026, 9:05 AM", "Try 2: busy · Dec 1, 2026, 9:15 AM"]
    )  # in the centre's time (Jakarta)
    shoot(page, tmp_path, "desk-callback-offer-en")
    offer.locator("[data-action=accept]").click()
    card = page.locator('[data-list="tasks"] [data-key="cb-CA9-3"]')
    expect(card.locator("[data-detail] li")).to_have_count(2)
    page.goto(f"{live_server}/desk/?lang=id")
    card = page.locator('[data-list="tasks"] [data-key="cb-CA9-3"]')
    expect(card.locator("[data-detail] li")).to_have_text(
        [
            "Percobaan 1: tidak diangkat · 1 Des 2026, 09.05",
            "Percobaan 2: nada sibuk · 1 Des 2026, 09.15",
        ]
    )
    expect(card).to_contain_text("Telepon balik")
    shoot(page, tmp_path, "desk-callback-id")


def silent_mp3(seconds: int) -> bytes:
    """A valid MP3 of silence: MPEG-1 layer III frames (128 kbit/s, 44.1 kHz, 417 bytes each)
    whose side information and data are all zero."""
    frame = bytes.fromhex("fffb9064") + bytes(417 - 4)
    return frame * (seconds * 44100 // 1152)


def test_the_voicemail_player_plays_the_recording_through_vero(
    app, live_server, desk_page, tmp_path
):
    from playwright.sync_api import expect

    page = desk_page
    token = voice_agent(app)
    path = f"/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'8' * 32}"
    with MediaHost(API_KEY, API_SECRET) as media:  # media auth on: the API key's basic auth
        media.recordings[path + ".mp3"] = audio = silent_mp3(2)
        svc = app.extensions["vero"]
        svc.settings = dataclasses.replace(svc.settings, twilio_api_base=media.url)
        start_desk(page, live_server, token, "en")
        with app.app_context():
            services().router.enqueue(
                "vm-CA8",
                "voice",
                "general",
                "en",
                attributes={
                    "kind": "voicemail",
                    "from": CALLER,
                    "call_sid": "",
                    "recording_url": media.url + path,
                    "recording_duration": "2",
                },
            )
        page.locator('[data-list="offers"] [data-action=accept]').click()
        player = page.locator('[data-list="tasks"] [data-key="vm-CA8"] audio')
        expect(player).to_have_attribute("src", "/desk/tasks/vm-CA8/recording")
        with page.expect_response("**/desk/tasks/vm-CA8/recording") as loaded:
            player.evaluate("(audio) => audio.play().catch(() => {})")
        reply = loaded.value
        assert reply.status in (200, 206) and reply.headers["content-type"] == "audio/mpeg"
        # the whole file (one request, or the first of the ranges the player asks for)
        assert reply.headers["content-range" if reply.status == 206 else "content-length"] in (
            f"bytes 0-{len(audio) - 1}/{len(audio)}",
            str(len(audio)),
        )
        page.wait_for_function(
            "() => document.querySelector('[data-key=\"vm-CA8\"] audio').duration > 1"
        )  # the browser decoded it
        assert page.evaluate("window.__violations") == []  # under the desk's CSP
        assert media.requests and all(
            r.path == path + ".mp3" and r.authorization.startswith("Basic ") for r in media.requests
        )


def test_click_to_call_from_the_customer_panel_and_from_the_desk_form(
    app, live_server, twilio, recorder, desk_page, tmp_path
):
    from playwright.sync_api import expect

    page = desk_page
    token = voice_agent(app)
    start_desk(page, live_server, token, "id")
    reply = twilio.post(  # a WhatsApp message (Twilio's webhook): the customer is on screen
        "/twilio/messaging",
        {
            "MessageSid": "SM" + "1" * 32,
            "AccountSid": "AC" + "0" * 32,
            "From": f"whatsapp:{CALLER}",
            "To": f"whatsapp:{NUMBER}",
            "Body": "Halo, pesanan saya belum sampai.",
        },
    )
    assert reply.status_code == 200
    offer = page.locator('[data-list="offers"] .offer')
    expect(offer.locator(".customer-view")).to_be_visible()
    expect(offer.locator('[data-cv="dial"]')).to_be_hidden()  # not before it is taken
    offer.locator("[data-action=accept]").click()
    card = page.locator('[data-list="tasks"] .task[data-channel="whatsapp"]')
    dial = card.locator('.customer-view [data-cv="dial"]')
    expect(dial).to_have_text("Telepon pelanggan ini")
    with page.expect_response("**/api/agents/ayu/calls") as refused:
        dial.click()  # while the conversation is in hand: the API's 409, explained
    assert refused.value.status == 409
    assert refused.value.request.post_data_json == {"to": CALLER}
    assert refused.value.request.headers["authorization"] == f"Bearer {token}"
    error = page.locator("[data-desk-error]")
    expect(error).to_contain_text(
        "Panggilan tidak dapat dibuat: panggilan butuh status Siap tanpa kontak lain"
    )
    page.reload()  # no offer any more: the panel comes from the task's own customer view
    expect(dial).to_have_text("Telepon pelanggan ini")
    expect(dial).to_have_attribute("data-dial", CALLER)
    card.locator('[data-action="complete"]').click()
    expect(card.locator('[data-action="complete"]')).to_have_text("Akhiri pascakontak")
    card.locator('[data-action="complete"]').click()
    expect(card).to_have_count(0)
    last = page.locator("[data-last-customer]")  # the customer stays on screen, to be called
    expect(last).to_contain_text("Pelanggan terakhir")
    with page.expect_response("**/api/agents/ayu/calls") as answered:
        last.locator('[data-cv="dial"]').click()
    assert answered.value.status == 202
    assert answered.value.request.post_data_json == {"to": CALLER}
    expect(error).to_be_hidden()
    expect(page.locator("[data-dial-status]")).to_be_visible()
    [agent_leg] = sent(recorder, "/Calls.json")  # the agent's softphone rings first
    assert agent_leg.form["To"] == ["client:ayu"] and agent_leg.form["From"] == [NUMBER]
    assert "/twilio/voice/outbound-agent?task=out-" in agent_leg.form["Url"][0]
    outbound = page.locator('[data-list="tasks"] .task[data-kind="outbound"]')
    expect(outbound).to_contain_text("Panggilan keluar")
    expect(outbound).to_contain_text(CALLER)  # whom the agent calls

    # a number typed into the desk's form while on that call: refused too, the number kept
    form = page.locator("[data-dial-form]")
    form.locator('input[name="to"]').fill("+6281234567890")
    with page.expect_response("**/api/agents/ayu/calls") as busy:
        form.locator("button").click()
    assert (busy.value.status, busy.value.request.post_data_json) == (409, {"to": "+6281234567890"})
    expect(error).to_contain_text("Panggilan tidak dapat dibuat")
    expect(form.locator('input[name="to"]')).to_have_value("+6281234567890")
    shoot(page, tmp_path, "desk-outbound-id")
    assert len(recorder.rest_requests("/Calls.json")) == 1
    last.locator("[data-forget-customer]").click()
    expect(last).to_be_hidden()


def test_the_desk_polls_slowly_while_its_stream_is_down_and_comes_back(app, live_server, desk_page):
    from playwright.sync_api import expect

    page = desk_page
    token = add_agent(app)
    page.route("**/desk/stream", lambda route: route.fulfill(status=503, body="retry: 5000\n\n"))
    start_desk(page, live_server, token, "en")
    feed = page.locator("[data-feed]")
    expect(feed).to_have_attribute("data-feed", "lost", timeout=6000)
    expect(feed).to_contain_text("reconnecting")
    with app.app_context():
        services().router.enqueue("call-CA2", "voice", "general", "en")
    offer = page.locator('[data-list="offers"] .offer')
    expect(offer).to_have_count(1, timeout=8000)  # by the slow poll
    page.wait_for_function("() => window.__beeps >= 2")
    page.unroute("**/desk/stream")
    expect(feed).to_have_attribute("data-feed", "live", timeout=12000)


# Twilio.Device as the softphone uses it, recording what the desk asks of it: the real SDK is
# what the test above loads (and finds Twilio out of reach); this one lets a call come in.
FAKE_SDK = """
window.Twilio = {Device: class {
  constructor(token, options) {
    window.__device = this;
    this.tokens = [token]; this.options = options; this.handlers = {}; this.state = "unregistered";
  }
  on(name, handler) { (this.handlers[name] ||= []).push(handler); }
  emit(name, ...args) { (this.handlers[name] || []).forEach((handler) => handler(...args)); }
  async register() { this.state = "registered"; this.emit("registered"); }
  updateToken(token) { this.tokens.push(token); }
}};
window.__ring = (callSid, caller) => {
  const call = {
    parameters: {CallSid: callSid, From: "client:vero"}, log: [], handlers: {}, muted: false,
    customParameters: new Map([["caller", caller]]),
    on(name, handler) { (this.handlers[name] ||= []).push(handler); },
    emit(name) { (this.handlers[name] || []).forEach((handler) => handler()); },
    accept() { this.log.push("accept"); this.emit("accept"); },
    reject() { this.log.push("reject"); this.emit("reject"); },
    disconnect() { this.log.push("disconnect"); this.emit("disconnect"); },
    mute(on) { this.muted = on; this.log.push(`mute ${on}`); },
    isMuted() { return this.muted; },
  };
  window.__call = call;
  window.__device.emit("incoming", call);
};
"""


def test_the_softphone_registers_renews_its_token_and_takes_a_call(
    app, live_server, desk_page, tmp_path
):
    from playwright.sync_api import expect

    page = desk_page
    page.route(
        "**/desk/voice-sdk.js",
        lambda route: route.fulfill(content_type="text/javascript", body=FAKE_SDK),
    )
    token = add_agent(app)
    start_desk(page, live_server, token, "en")
    expect(page.locator("[data-softphone-status]")).to_have_text("Softphone ready")
    first = page.evaluate("window.__device.tokens[0]")
    claims = jwt.decode(first, API_SECRET, algorithms=["HS256"])
    assert claims["grants"]["identity"] == "ayu"
    assert page.evaluate("window.__device.options.tokenRefreshMs") == 60000
    page.evaluate("window.__device.emit('tokenWillExpire')")
    page.wait_for_function("() => window.__device.tokens.length === 2")  # renewed from Vero
    with app.app_context():  # a call bridged in its conference (as tests/ivr play it)
        router = services().router
        router.enqueue("call-CA3", "voice", "general", "en", attributes={"call_sid": "CAcust3"})
        router.accept(router.offers_for("ayu")[0]["offer_id"])
        router.annotate(
            "call-CA3", {"conference_sid": "CF3", "customer_leg": "CAcust3", "agent_leg": "CAleg3"}
        )
        router.bridge("call-CA3")
    task = page.locator('[data-list="tasks"] [data-key="call-CA3"]')
    expect(task).to_contain_text("In progress")

    page.evaluate("window.__ring('CAleg3', '+628999000333')")
    ringing = page.locator("[data-incoming]")
    expect(ringing).to_be_visible()
    expect(ringing.locator("[data-caller]")).to_have_text("+628999000333")
    page.screenshot(path=tmp_path / "softphone-ringing.png")
    ringing.locator('[data-phone="answer"]').click()
    bar = page.locator("[data-in-call]")
    expect(bar).to_be_visible()
    expect(ringing).to_be_hidden()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=tmp_path / "softphone-call-phone.png", full_page=True)
    bar.locator('[data-phone="mute"]').click()
    expect(bar.locator('[data-phone="mute"]')).to_have_text("Unmute")
    with page.expect_response("**/api/tasks/call-CA3/hold") as held:  # the real endpoint
        bar.locator('[data-phone="hold"]').click()
    assert (held.value.status, held.value.request.post_data_json) == (202, {"on": True})
    expect(bar.locator('[data-phone="hold"]')).to_have_text("Resume")
    expect(task.locator('[data-call="hold"]')).to_have_text("Resume")  # one state, two buttons
    bar.locator('[data-phone="hangup"]').click()
    expect(bar).to_be_hidden()
    assert page.evaluate("window.__call.log") == ["accept", "mute true", "disconnect"]
    with app.app_context():  # queued for Twilio: the customer's participant on hold
        [(_, job)] = services().outbox.read("t", block_seconds=0.01)
    assert json.loads(job[b"args"])["call_sid"] == "CAcust3"
