"""From reservation to survey through a conference per call: the connector dials the agent's leg,
whichever side acts first (the desk's accept, the softphone's answer, the phone's "press 1")
connects it, the conference's callbacks bridge and end the call, the survey scores, and the contact
record has the rating. Every REST request goes through the real twilio client to a RestRecorder,
whose emulator plays Twilio's side."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from twilio.base.exceptions import TwilioRestException

from telephony.connector import Connector
from telephony.gateway import TwilioGateway
from telephony.outbox import Outbox, Senders
from telephony.routing.contact_log import ContactLog
from telephony.twilio_emulator import Call, Emulator, RestRecorder
from tests.ivr.conftest import PUBLIC, settings

CAPACITY = {"voice": 1, "chat": 3, "whatsapp": 5, "sms": 5, "email": 10}
NUMBER = "+622150001234"  # the number the emulated callers dial


class Line:
    """Vero's connector and outbox worked at once, in the test's thread, through the real twilio
    client against a RestRecorder that hands each request to the emulator."""

    def __init__(self, svc, twilio: Emulator, recorder: RestRecorder, tmp: Path) -> None:
        self.svc = svc
        self.recorder = recorder
        outbox = Outbox(svc.redis, svc.router.keys)
        self.connector = Connector(svc.router, outbox, PUBLIC, consumer="t")
        self.outbox = outbox
        self.gateway_settings = settings(tmp, twilio_api_base=recorder.url)
        self.gateway = TwilioGateway(self.gateway_settings)
        self.senders = Senders(outbox, svc.router, lambda: self.gateway, "t", backoff=0.01)

    def pump(self) -> None:
        """Every event and every queued REST request, until nothing is left."""
        while True:
            queued = self.connector.poll()
            entries = self.outbox.read("t", block_seconds=0.01)
            for entry_id, fields in entries:
                self.senders.handle(
                    self.gateway, entry_id, {k.decode(): v.decode() for k, v in fields.items()}
                )
            if not queued and not entries:
                return


@pytest.fixture
def recorder(twilio) -> Iterator[RestRecorder]:
    with RestRecorder(twilio) as recorder:
        yield recorder


@pytest.fixture
def line(svc, twilio, recorder, tmp_path) -> Line:
    return Line(svc, twilio, recorder, tmp_path)


def agent(svc, agent_id: str, contact: dict, languages=("id", "en")) -> str:
    """A new available agent; returns their API token."""
    update = svc.router.upsert_agent(
        agent_id, {"general": 2, "complaints": 3}, languages, CAPACITY, contact=contact
    )
    svc.router.set_agent_state(agent_id, "available")
    assert update.token
    return update.token


def waiting_call(twilio: Emulator) -> Call:
    """An unknown caller, Indonesian, into the general queue."""
    return twilio.call("+628999000111", NUMBER).start().press("1").press("0")


def bridged_call(twilio: Emulator, line: Line, client: str = "ayu") -> tuple[Call, str]:
    """A waiting call whose agent answered the softphone: caller and agent in the conference."""
    call = waiting_call(twilio)
    line.pump()
    twilio.leg(f"client:{client}").answer()
    line.pump()
    call.follow()
    return call, f"call-{call.sid}"


def offer_of(leg: Call) -> str:
    return parse_qs(urlsplit(leg.url).query)["offer"][0]


def contact_rows(svc, tmp_path: Path, clock) -> list[dict]:
    ContactLog(svc.redis, svc.router.keys, svc.centre, tmp_path, clock=clock).flush()
    files = list((tmp_path / "contacts").glob("*.csv"))
    return [row for f in files for row in csv.DictReader(f.open())]


def test_softphone_answer_connects_through_the_conference(
    twilio, svc, line, recorder, clock, tmp_path
):
    agent(svc, "ayu", {"client": "ayu"})
    call = twilio.call("+628999000111", NUMBER).start().press("2").press("3").press("1")
    task_id = f"call-{call.sid}"
    assert svc.router.task(task_id)["state"] == "reserved"
    line.pump()
    # the agent's leg, as the real twilio client asks for it
    [create] = recorder.rest_requests("/Calls.json")
    offer = svc.router.task(task_id)["offer"]
    assert create.form["To"] == ["client:ayu"] and create.form["From"] == [NUMBER]
    assert create.form["Url"] == [f"{PUBLIC}/twilio/voice/agent?offer={offer}"]
    assert create.form["StatusCallback"] == [f"{PUBLIC}/twilio/voice/agent-status?offer={offer}"]
    assert 5 <= int(create.form["Timeout"][0]) <= 30
    assert call.waits_on("Gather") and not call.ended  # still on the hold loop

    leg = twilio.leg("client:ayu")
    assert svc.router.task(task_id)["attributes"]["agent_leg"] == leg.sid
    leg.answer()  # answering the softphone is the accept
    whisper = "Panggilan keluhan mendesak, reaksi kulit. Bahasa: Bahasa Inggris"
    assert leg.heard[0].startswith(whisper)
    assert "Referensi CMP-2025-" in leg.heard[0]
    task = svc.router.task(task_id)
    assert task["state"] == "assigned" and "answered_at" not in task  # not bridged yet
    assert twilio.conferences[task_id].labels() == ["agent"]

    line.pump()  # the caller is redirected into the conference
    [redirect] = [r for r in recorder.calls_updated() if call.sid in r.path]
    assert redirect.form["Url"] == [f"{PUBLIC}/twilio/voice/join?task={task_id}&lang=en"]
    clock.now += 3
    call.follow()
    conference = twilio.conferences[task_id]
    assert conference.labels() == ["agent", "customer"]
    task = svc.router.task(task_id)
    assert task["answered_at"] == clock.now
    assert task["attributes"]["conference_sid"] == conference.sid
    assert task["attributes"]["customer_leg"] == call.sid
    events = [e["StatusCallbackEvent"] for e in twilio.conference_events]
    assert events == ["conference-start", "participant-join", "participant-join"]
    assert call.said("This call is recorded")  # complaints are recorded ("on")

    clock.now += 120
    leg.hang_up()  # the agent ends the talk: wrap-up, and the caller hears the survey
    assert svc.router.task(task_id)["state"] == "wrapping"
    line.pump()
    call.follow()
    assert call.said("How satisfied were you")
    assert conference.ended
    call.press("9")  # not a score: asked again
    call.press("4")
    assert call.ended
    assert call.hang_up() == 200
    assert svc.router.task(task_id)["attributes"]["csat"] == "4"

    clock.now += 61
    svc.router.tick()
    rows = contact_rows(svc, tmp_path, clock)
    assert [(r["task_id"], r["outcome"], r["csat"], r["agent_id"]) for r in rows] == [
        (task_id, "completed", "4", "ayu")
    ]
    # the caller's call recorded in two channels; Twilio's callback at the call's end puts it
    # on the contact record
    [record] = recorder.rest_requests("/Recordings.json")
    assert record.path.endswith(f"/Calls/{call.sid}/Recordings.json")
    assert record.form["RecordingChannels"] == ["dual"]
    assert record.form["RecordingStatusCallback"] == [
        f"{PUBLIC}/twilio/voice/recording?task={task_id}"
    ]
    assert rows[0]["recording_url"].startswith("https://api.twilio.com/2010-04-01/Accounts/")
    assert int(rows[0]["recording_seconds"]) >= 1


def test_desk_accept_while_the_leg_rings_connects_the_call(twilio, svc, app, line):
    """Issue #15: accepting on the desk stranded the caller in a <Pause/> loop, nobody dialled."""
    token = agent(svc, "ayu", {"client": "ayu"})
    call = waiting_call(twilio)
    task_id = f"call-{call.sid}"
    line.pump()
    leg = twilio.leg("client:ayu")
    desk = app.test_client()
    reply = desk.post(
        f"/api/offers/{offer_of(leg)}/accept", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 200 and reply.json["task"]["state"] == "assigned"
    heard = len(call.heard)
    call.silence()  # the hold loop comes round: the caller hears their place, not silence
    assert call.waits_on("Gather") and call.heard[heard].startswith("Anda berada di urutan ke-1")
    leg.answer()  # already accepted: the softphone joins at once
    line.pump()
    call.follow()
    assert twilio.conferences[task_id].labels() == ["agent", "customer"]
    assert svc.router.task(task_id)["answered_at"]


def test_accept_on_desk_then_unanswered_leg_gives_no_survey(twilio, svc, app, line):
    """Issue #15: the caller got the survey, the task answered within target, after the agent
    leg went unanswered."""
    token = agent(svc, "budi", {"phone": "+628120000001"})
    call = waiting_call(twilio)
    task_id = f"call-{call.sid}"
    line.pump()
    leg = twilio.leg("+628120000001")
    headers = {"Authorization": f"Bearer {token}"}
    reply = app.test_client().post(f"/api/offers/{offer_of(leg)}/accept", headers=headers)
    assert reply.status_code == 200
    leg.no_answer()
    task = svc.router.task(task_id)
    assert task["state"] in ("queued", "reserved") and "answered_at" not in task
    assert task["created"] == svc.router.task(task_id)["created"]
    assert svc.router.agent("budi")["missed"] == 1
    heard = len(call.heard)
    call.silence()
    assert not call.said("Seberapa puas") and call.heard[heard].startswith("Anda berada di urutan")
    day = svc.router.local_bucket(svc.router.clock())[0]
    stats = svc.redis.hgetall(svc.router.keys.stats(day))
    assert not any(k.endswith(b"|day|answered") for k in stats)


def test_phone_voicemail_answering_is_no_accept(twilio, svc, line):
    """Issue #15: an agent's phone answered by its voicemail counted as an accepted call."""
    agent(svc, "budi", {"phone": "+628120000001"})
    call = waiting_call(twilio)
    task_id = f"call-{call.sid}"
    line.pump()
    leg = twilio.leg("+628120000001")
    leg.answer()  # the voicemail picks up: it hears the screening, presses nothing
    assert leg.said("Tekan 1 untuk menerima panggilan") and leg.waits_on("Gather")
    assert svc.router.task(task_id)["state"] == "reserved"
    leg.silence()  # nothing pressed: the leg hangs up, and its status callback says so
    assert leg.ended
    task = svc.router.task(task_id)
    assert task["state"] in ("queued", "reserved") and "answered_at" not in task
    assert svc.router.agent("budi")["missed"] == 1
    assert not call.ended


def test_phone_agent_presses_one_to_accept(twilio, svc, line):
    agent(svc, "budi", {"phone": "+628120000001"}, languages=("en",))
    call = twilio.call("+628999000111", NUMBER).start().press("2").press("0")
    task_id = f"call-{call.sid}"
    line.pump()
    leg = twilio.leg("+628120000001")
    leg.answer()
    assert leg.said("Press 1 to accept the call")
    leg.press("1")
    assert svc.router.task(task_id)["state"] == "assigned"
    assert twilio.conferences[task_id].labels() == ["agent"]
    line.pump()
    call.follow()
    assert svc.router.task(task_id)["answered_at"]
    call.hang_up()  # the caller ends it: the talk is over and the agent's leg ends
    assert svc.router.task(task_id)["state"] == "wrapping"
    line.pump()
    assert leg.ended and twilio.conferences[task_id].ended


def test_reject_on_the_desk_hangs_up_the_ringing_leg(twilio, svc, app, line):
    token = agent(svc, "ayu", {"client": "ayu"})
    call = waiting_call(twilio)
    line.pump()
    leg = twilio.leg("client:ayu")
    headers = {"Authorization": f"Bearer {token}"}
    reply = app.test_client().post(f"/api/offers/{offer_of(leg)}/reject", headers=headers)
    assert reply.status_code == 200
    line.pump()  # the connector ends the leg; its status callback changes nothing more
    assert leg.sid in twilio.ended and leg.ended
    assert svc.router.agent("ayu")["missed"] == 1
    assert svc.router.task(f"call-{call.sid}")["state"] in ("queued", "reserved")


def test_no_client_and_no_phone_gives_the_offer_back_at_once(twilio, svc, line):
    agent(svc, "dewi", {})
    call = waiting_call(twilio)
    line.pump()
    assert twilio.dialled == []
    assert svc.router.agent("dewi")["missed"] >= 1  # (offered again, to the only agent)
    assert svc.router.task(f"call-{call.sid}")["state"] in ("queued", "reserved")


def test_csat_after_wrap_up_ended_early_reaches_the_contact_record(
    twilio, svc, app, line, clock, tmp_path
):
    """Issue #15: the agent ended wrap-up, then the caller pressed 2: the CSV row had no csat."""
    token = agent(svc, "ayu", {"client": "ayu"})
    call = waiting_call(twilio)
    task_id = f"call-{call.sid}"
    line.pump()
    leg = twilio.leg("client:ayu")
    leg.answer()
    line.pump()
    call.follow()
    clock.now += 60
    leg.hang_up()
    desk, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    assert desk.post(f"/api/tasks/{task_id}/complete", headers=headers).json["state"] == (
        "completed"
    )
    assert contact_rows(svc, tmp_path, clock) == []  # the caller may still rate the call
    line.pump()
    call.follow().press("2")
    call.hang_up()
    rows = contact_rows(svc, tmp_path, clock)
    assert [(r["task_id"], r["csat"]) for r in rows] == [(task_id, "2")]


def test_callback_dials_the_agent_then_the_customer(twilio, svc, line, recorder):
    agent(svc, "ayu", {"client": "ayu"})
    svc.router.set_agent_state("ayu", "break")
    call = waiting_call(twilio)
    call.press("1")  # a callback instead of waiting
    task_id = f"cb-{call.sid}"
    svc.router.set_agent_state("ayu", "available")
    line.pump()
    leg = twilio.leg("client:ayu")
    leg.answer()
    assert twilio.conferences[task_id].labels() == ["agent"]
    line.pump()  # the agent is in: the customer is dialled from the number they called
    customer = twilio.leg("+628999000111")
    assert customer.caller == NUMBER
    [create] = [r for r in recorder.rest_requests("/Calls.json") if r.form["To"][0] != "client:ayu"]
    assert create.form["Url"] == [f"{PUBLIC}/twilio/voice/join?task={task_id}&lang=id"]
    assert create.form["StatusCallback"] == [
        f"{PUBLIC}/twilio/voice/customer-status?task={task_id}&attempt=1"
    ]
    customer.answer()
    assert twilio.conferences[task_id].labels() == ["agent", "customer"]
    task = svc.router.task(task_id)
    assert task["answered_at"] and task["attributes"]["customer_leg"] == customer.sid


def test_stale_agent_leg_is_hung_up(twilio, svc):
    call = waiting_call(twilio)
    reply = twilio.post("/twilio/voice/agent?offer=nonsense", call.params(To="client:x"))
    assert b"<Hangup />" in reply.data
    assert twilio.post("/twilio/voice/join?task=nope", call.params()).data.count(b"Hangup") == 1


def test_hold_music_is_only_what_a_wait_url_may_play(twilio, svc):
    reply = twilio.post("/twilio/voice/hold-music?lang=en", {"CallSid": "CA" + "1" * 32})
    assert reply.status_code == 200 and b"Please hold" in reply.data
    assert b"<Gather" not in reply.data and b"<Redirect" in reply.data


def test_desk_accept_before_the_leg_rings_still_rings_it(twilio, svc, app, line):
    token = agent(svc, "ayu", {"client": "ayu"})
    call = waiting_call(twilio)
    task_id = f"call-{call.sid}"
    line.connector.poll()  # the leg is queued, not yet sent
    offer = svc.router.task(task_id)["offer"]
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().post(f"/api/offers/{offer}/accept", headers=headers).status_code == 200
    line.pump()  # accepted, not bridged: the leg is still wanted
    twilio.leg("client:ayu").answer()
    line.pump()
    call.follow()
    assert svc.router.task(task_id)["answered_at"]


def test_offer_expiring_while_the_leg_rings_hangs_it_up(twilio, svc, line, clock):
    agent(svc, "ayu", {"client": "ayu"})
    call = waiting_call(twilio)
    line.pump()
    leg = twilio.leg("client:ayu")
    clock.now = svc.router.task(f"call-{call.sid}")["offer_expires"] + 0.1
    svc.router.tick()
    line.pump()
    assert leg.ended and leg.sid in twilio.ended
    assert svc.router.agent("ayu")["missed"] >= 1


def test_caller_hanging_up_while_the_leg_rings_abandons_and_hangs_it_up(twilio, svc, line):
    agent(svc, "ayu", {"client": "ayu"})
    call = waiting_call(twilio)
    line.pump()
    leg = twilio.leg("client:ayu")
    call.hang_up()
    assert svc.router.task(f"call-{call.sid}")["state"] == "abandoned"
    line.pump()
    assert leg.ended and leg.sid in twilio.ended


def test_a_refused_leg_after_a_desk_accept_puts_the_call_back(twilio, svc, app, line):
    class Refusing(TwilioGateway):
        def create_call(self, *args, **kwargs) -> str:
            raise TwilioRestException(400, "/Calls.json", "not a valid phone number")

    token = agent(svc, "budi", {"phone": "+620"})
    call = waiting_call(twilio)
    task_id = f"call-{call.sid}"
    line.connector.poll()
    offer = svc.router.task(task_id)["offer"]
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().post(f"/api/offers/{offer}/accept", headers=headers).status_code == 200
    line.gateway = Refusing(line.gateway_settings)
    line.pump()
    task = svc.router.task(task_id)
    assert task["state"] in ("queued", "reserved") and "answered_at" not in task
    assert svc.router.agent("budi")["missed"] >= 1


def test_an_agent_leg_ending_before_the_bridge_sends_a_joined_caller_back_to_hold(
    twilio, svc, line
):
    agent(svc, "ayu", {"client": "ayu"})
    call = waiting_call(twilio)
    task_id = f"call-{call.sid}"
    line.pump()
    leg = twilio.leg("client:ayu")
    leg.answer()
    line.pump()
    svc.router.annotate(task_id, {"customer_joined": "yes"})  # the caller on the way in
    leg.hang_up()  # before the caller's join: not bridged
    assert svc.router.task(task_id)["state"] in ("queued", "reserved")
    line.pump()
    call.follow()  # /join, queued earlier, finds the call given back: hold again
    call.follow()
    assert call.waits_on("Gather") and call.said("Anda berada di urutan")


def test_participant_updates_post_the_conference_callbacks(twilio, svc, line):
    agent(svc, "ayu", {"client": "ayu"})
    call, task_id = bridged_call(twilio, line)
    conference_sid = svc.router.task(task_id)["attributes"]["conference_sid"]
    hold_url = f"{PUBLIC}/twilio/voice/hold-music?lang=id"
    line.gateway.update_participant(conference_sid, call.sid, {"hold": True, "hold_url": hold_url})
    [update] = line.recorder.rest_requests(f"/Conferences/{conference_sid}/Participants/")
    assert update.form["Hold"] == ["true"] and update.form["HoldUrl"] == [hold_url]
    held = twilio.conference_events[-1]
    assert (held["StatusCallbackEvent"], held["CallSid"], held["Hold"]) == (
        "participant-hold",
        call.sid,
        "true",
    )
    assert held["ParticipantLabel"] == "customer" and held["FriendlyName"] == task_id
    line.gateway.update_participant(conference_sid, call.sid, {"hold": False})
    assert twilio.conference_events[-1]["StatusCallbackEvent"] == "participant-unhold"
    assert twilio.conferences[task_id].participants[call.sid].hold is False


def test_a_participant_added_by_rest_joins_the_conference_when_answered(twilio, svc, line):
    agent(svc, "ayu", {"client": "ayu"})
    call, task_id = bridged_call(twilio, line)
    conference_sid = svc.router.task(task_id)["attributes"]["conference_sid"]
    line.gateway.add_participant(conference_sid, "+628130000009", NUMBER, {"label": "third"})
    [added] = line.recorder.rest_requests(f"/Conferences/{conference_sid}/Participants.json")
    assert added.form["To"] == ["+628130000009"] and added.form["Label"] == ["third"]
    twilio.leg("+628130000009").answer()
    assert twilio.conferences[task_id].labels() == ["agent", "customer", "third"]
    assert twilio.conference_events[-1]["ParticipantLabel"] == "third"


def test_a_call_sent_to_a_queue_is_taken_on_the_desk_and_bridged_again(twilio, svc, app, line):
    """A cold transfer keeps the call's first answer; the next agent's desk accept and leg
    still connect it (the conference is new: 'bridged' is of the conference, not of the call),
    and their hang-up ends the talk with the survey."""
    ayu = agent(svc, "ayu", {"client": "ayu"})
    call, task_id = bridged_call(twilio, line)
    first_answer = svc.router.task(task_id)["answered_at"]
    budi = agent(svc, "budi", {"client": "budi"})
    desk = app.test_client()
    reply = desk.post(
        f"/api/tasks/{task_id}/transfer",
        json={"queue": "general"},
        headers={"Authorization": f"Bearer {ayu}"},
    )
    assert reply.status_code == 202
    line.pump()  # the caller back on hold; budi's leg rings
    call.follow()
    assert call.waits_on("Gather") and not call.in_conference()
    leg = twilio.leg("client:budi")
    assert (
        desk.post(
            f"/api/offers/{offer_of(leg)}/accept", headers={"Authorization": f"Bearer {budi}"}
        ).status_code
        == 200
    )
    leg.answer()  # accepted on the desk: the softphone joins at once
    assert leg.in_conference()
    line.pump()
    call.follow()
    task = svc.router.task(task_id)
    assert twilio.conferences[task_id].labels() == ["agent", "customer"]
    assert (task["agent"], task["attributes"]["bridged"], task["answered_at"]) == (
        "budi",
        "yes",
        first_answer,
    )
    leg.hang_up()
    line.pump()
    call.follow()
    assert call.said("How satisfied were you") or call.said("Seberapa puas")
    assert svc.router.task(task_id)["state"] == "wrapping"


def test_a_callback_asked_for_after_a_talk_starts_clean(twilio, svc, app, line):
    """The callback is a new contact: nothing of the first call's legs, conference, recording
    or transfer comes with it (an inherited 'customer joined' would bridge the callback before
    the customer answers)."""
    ayu = agent(svc, "ayu", {"client": "ayu"})
    call, task_id = bridged_call(twilio, line)
    reply = app.test_client().post(
        f"/api/tasks/{task_id}/transfer",
        json={"queue": "general"},
        headers={"Authorization": f"Bearer {ayu}"},
    )
    assert reply.status_code == 202
    line.pump()
    call.follow()  # on hold again
    call.press("1")  # a callback instead of waiting on
    callback = svc.router.task(f"cb-{call.sid}")
    left = {"customer_joined", "agent_joined", "bridged", "conference_sid", "customer_leg"}
    left |= {"agent_leg", "transfer", "transferred_by", "recording_state"}
    assert not left & {k for k, v in callback["attributes"].items() if v}
    assert callback["attributes"]["origin_task"] == task_id
