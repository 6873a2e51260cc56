"""The live desk in headless Chromium against a real server: a voice offer arrives by push with
its alert (the WebAudio beep counted by an init script), Accept takes it, the call-control
buttons send the requests of the call-control API (intercepted here with `page.route`: the
server side is tested with the conference in tests/ivr), an unknown caller shows no VIP badge
and is greeted properly, the softphone says in one line that it cannot reach Twilio, and the desk
falls back to slow polling when its stream is down. Nothing here reaches Twilio: its hosts are
answered by the test (requests aborted, sockets refused)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from telephony.services import services
from tests.console.conftest import add_agent
from tests.console.test_browser import start_desk
from tests.console.test_voice_token import API_KEY, API_SECRET, APP_SID

pytestmark = pytest.mark.browser
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
"""


@pytest.fixture
def desk_page(app, page):
    """The page, with the softphone configured, Twilio's hosts unreachable and every call-control
    request recorded and answered as the API does (202 queued)."""
    svc = app.extensions["vero"]
    svc.settings = dataclasses.replace(
        svc.settings,
        twilio_api_key=API_KEY,
        twilio_api_secret=API_SECRET,
        twilio_twiml_app_sid=APP_SID,
    )
    page.add_init_script(OFFLINE_TWILIO)
    page.route("**/*.twilio.com/**", lambda route: route.abort())
    page.sent = []

    def control(route):
        request = route.request
        page.sent.append(
            (request.url.split("/api/tasks/")[1], json.loads(request.post_data or "{}"))
        )
        route.fulfill(status=202, content_type="application/json", body='{"status": "queued"}')

    for action in ("hold", "mute", "hangup", "transfer", "transfer/*", "participants", "recording"):
        page.route(f"**/api/tasks/*/{action}", control)
    return page


def test_a_voice_offer_arrives_by_push_with_its_alert_and_the_call_is_controlled(
    app, live_server, desk_page, tmp_path
):
    from playwright.sync_api import expect

    page = desk_page
    token = add_agent(app)
    page.set_viewport_size({"width": 1366, "height": 768})
    start_desk(page, live_server, token, "en")
    expect(page.locator("[data-feed]")).to_have_attribute("data-feed", "live")
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/desk/snapshot" in r.url else None)
    with app.app_context():
        services().router.enqueue(
            "call-CA1", "voice", "general", "en", attributes={"from": "+628999000333"}
        )
    offer = page.locator('[data-list="offers"] .offer')
    expect(offer).to_have_count(1, timeout=2000)  # pushed, not polled
    assert not polls
    expect(offer).to_have_class("offer card fresh")
    page.wait_for_function("window.__beeps >= 2")  # two tones
    view = offer.locator(".customer-view")
    expect(view.locator('[data-cv="name"]')).to_have_text("Unknown customer")
    expect(view.locator('[data-cv="vip"]')).to_be_hidden()  # not a VIP
    expect(view.locator('[data-cv="greeting"]')).to_have_text(
        "Hello there, welcome to customer care. How may I help you?"
    )
    expect(page).to_have_title("(1) Agent desk · Vero")
    softphone = page.locator("[data-softphone-status]")
    expect(softphone).to_contain_text("Softphone offline", timeout=15000)
    page.screenshot(path=tmp_path / "desk-offer-1366.png")

    with page.expect_request("**/api/offers/call-CA1.*/accept") as accepted:
        offer.locator("[data-action=accept]").click()
    assert accepted.value.method == "POST"
    task = page.locator('[data-list="tasks"] [data-key="call-CA1"]')
    expect(task).to_contain_text("In progress")
    with app.app_context():
        assert services().router.task("call-CA1")["state"] == "assigned"

    hold = task.locator('[data-call="hold"]')
    hold.click()
    expect(hold).to_have_text("Resume")
    hold.click()
    expect(hold).to_have_text("Hold")
    task.locator('select[name="queue"]').select_option("complaints")
    task.locator("[data-transfer] button").click()
    task.locator('input[name="agent"]').fill("budi")
    task.locator('select[name="mode"]').select_option("warm")
    task.locator("[data-transfer] button").click()
    finish = task.locator('[data-call="transfer-complete"]')
    expect(finish).to_be_visible()
    page.screenshot(path=tmp_path / "desk-call-1366.png", full_page=True)
    finish.click()
    expect(finish).to_be_hidden()
    task.locator('input[name="number"]').fill("+6281234567890")
    task.locator("[data-add-party] button").click()
    expect(task.locator('input[name="number"]')).to_have_value("")
    assert page.sent == [
        ("call-CA1/hold", {"on": True}),
        ("call-CA1/hold", {"on": False}),
        ("call-CA1/transfer", {"queue": "complaints"}),
        ("call-CA1/transfer", {"agent": "budi", "mode": "warm"}),
        ("call-CA1/transfer/complete", {}),
        ("call-CA1/participants", {"number": "+6281234567890"}),
    ]
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=tmp_path / "desk-call-phone.png", full_page=True)
    assert page.evaluate("window.__twilioSockets") >= 1  # it tried, and was told no


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
    page.wait_for_function("window.__beeps >= 2")
    page.unroute("**/desk/stream")
    expect(feed).to_have_attribute("data-feed", "live", timeout=12000)
