"""The live desk in headless Chromium against a real server: a voice offer arrives by push with
its alert (the WebAudio beep counted by an init script), Accept takes it, the call-control
buttons send the requests of the call-control API (intercepted here with `page.route`: the
server side is tested with the conference in tests/ivr), an unknown caller shows no VIP badge
and is greeted properly, the softphone says in one line that it cannot reach Twilio, and the desk
falls back to slow polling when its stream is down. Nothing here reaches Twilio: its hosts are
answered by the test (requests aborted, sockets refused)."""

from __future__ import annotations

import json

import jwt
import pytest

from telephony.services import services
from tests.console.conftest import add_agent
from tests.console.test_browser import start_desk
from tests.console.test_voice_token import API_SECRET, configure_softphone

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
    configure_softphone(app)
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
    with app.app_context():
        router = services().router
        router.enqueue("call-CA3", "voice", "general", "en", attributes={"agent_leg": "CAleg3"})
        router.accept(router.offers_for("ayu")[0]["offer_id"])
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
    bar.locator('[data-phone="hold"]').click()
    expect(bar.locator('[data-phone="hold"]')).to_have_text("Resume")
    expect(task.locator('[data-call="hold"]')).to_have_text("Resume")  # one state, two buttons
    bar.locator('[data-phone="hangup"]').click()
    expect(bar).to_be_hidden()
    assert page.evaluate("window.__call.log") == ["accept", "mute true", "disconnect"]
    assert page.sent == [("call-CA3/hold", {"on": True})]
