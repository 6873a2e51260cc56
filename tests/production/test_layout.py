"""The production layout as an operator runs it: gunicorn workers serving the app, two
`vero dispatch` processes, a `vero worker`, one Redis. The web processes run no timers:
everything that happens by itself here (offers expiring, steps timing out, wrap-up ending, a
voice offer ringing the agent) is the dispatchers' work, and console jobs are the worker's."""

from __future__ import annotations

import datetime as dt
import json

from tests.console.slow_work import count_slowly
from tests.production.conftest import KEYS, timer_lateness
from tests.production.layout import STEP_SECONDS, WRAP_SECONDS, wait_until
from vero.web.jobs import JobQueue, new_run


def agent(api, agent_id: str, languages: list[str], **extra) -> None:
    status, _ = api.call(
        "PUT",
        f"/api/agents/{agent_id}",
        {"skills": {"general": 2}, "languages": languages, **extra},
    )
    assert status == 200
    assert api.call("POST", f"/api/agents/{agent_id}/state", {"state": "available"})[0] == 200


def task(api, **fields) -> str:
    status, body = api.call(
        "POST", "/api/tasks", {"queue": "general", "language": "id", "channel": "chat", **fields}
    )
    assert status == 201, body
    return body["id"]


def state(api, task_id: str) -> dict:
    return api.call("GET", f"/api/tasks/{task_id}")[1]


def test_ready_only_with_a_dispatcher_and_each_heartbeat_reports(layout):
    status, body = layout.api.call("GET", "/readyz")
    assert (status, body["dispatchers"]) == (200, 2)
    beats = [json.loads(v) for v in layout.redis.hvals(KEYS.dispatchers())]
    assert all(
        {"at", "timers_fired", "lateness_p99_s", "rest_ok", "rest_dead"} <= b.keys() for b in beats
    )
    assert layout.api.call("GET", "/healthz")[0] == 200


def test_offer_expires_step_times_out_and_wrap_up_ends(layout):
    api = layout.api
    agent(api, "ayu", ["id"], capacity={"voice": 0})
    offered = task(api)
    first_offer = wait_until(lambda: state(api, offered)["offer"], 5, "an offer to ayu")
    # nobody accepts: the offer expires (3 s) and goes back, to be offered again
    wait_until(
        lambda: state(api, offered)["offer"] not in ("", first_offer),
        10,
        "the offer to expire and be made again",
    )
    assert api.call("GET", "/api/agents/ayu")[1]["missed"] >= 1

    waiting = task(api, language="en")  # nobody speaks English yet: it waits on step 0
    wait_until(lambda: state(api, waiting)["step"] == 1, STEP_SECONDS + 5, "the step timeout")

    agent(api, "budi", ["en"], capacity={"voice": 0})  # takes the waiting English chat
    offer = wait_until(lambda: state(api, waiting)["offer"], 5, "an offer to budi")
    assert api.call("POST", f"/api/offers/{offer}/accept")[0] == 200
    assert api.call("POST", f"/api/tasks/{waiting}/complete")[1]["state"] == "wrapping"
    wait_until(
        lambda: state(api, waiting)["state"] == "completed", WRAP_SECONDS + 5, "the end of wrap-up"
    )

    late = timer_lateness(layout.redis)
    assert max(late[offered] + late[waiting]) < 1.0, late


def test_voice_offer_rings_the_agent(layout):
    api = layout.api
    agent(api, "citra", ["id"], contact={"client": "citra"}, capacity={"chat": 0})
    call_sid = "CA" + "c" * 32
    voice = task(api, channel="voice", attributes={"call_sid": call_sid})
    offer = wait_until(lambda: state(api, voice)["offer"], 5, "a voice offer")
    legs = wait_until(
        lambda: layout.recorder.rest_requests("/Calls.json"),
        10,
        "the agent's leg dialled",
    )
    assert legs[0].form["To"] == ["client:citra"]
    assert legs[0].form["Url"][0].endswith(f"/twilio/voice/agent?offer={offer}")


def test_the_worker_runs_a_console_job_queued_as_the_web_queues_it(layout):
    queue = JobQueue(layout.redis, KEYS, dt.timedelta(days=1))
    folder = new_run(layout.folder, "whatif")
    queue.enqueue("whatif", folder, count_slowly, 3, 0.05)
    wait_until(
        lambda: queue.status("whatif", folder)["state"] == "done", 60, "the worker to run the job"
    )
    assert (folder / "figures.json").exists()
