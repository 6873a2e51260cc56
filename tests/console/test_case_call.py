"""The case page's "Call customer": the chosen agent's click-to-call of the case's customer."""

from __future__ import annotations

from telephony.services import services
from tests.console.test_cases_console import file_complaint


def agent(app, agent_id: str, state: str = "available") -> None:
    with app.app_context():
        router = services().router
        router.upsert_agent(
            agent_id, {"complaints": 3}, ("id",), {"voice": 1}, contact={"client": agent_id}
        )
        router.set_agent_state(agent_id, state)


def test_call_customer_from_the_case_page(app, supervisor):
    ref = file_complaint(supervisor)
    agent(app, "ayu")
    agent(app, "budi", state="break")
    page = supervisor.get(f"/console/complaints/{ref}?lang=en").text
    assert 'data-case-form="call"' in page and "Call customer" in page
    assert '<option value="ayu">' in page and '<option value="budi">' not in page
    url = f"/console/complaints/{ref}/call"
    assert supervisor.post(url, json={"agent": "ayu"}, csrf_token=False).status_code == 403
    assert supervisor.post(url, json={"agent": "budi"}).status_code == 409
    assert supervisor.post(url, json={}).status_code == 400
    reply = supervisor.post(url, json={"agent": "ayu"})
    assert reply.status_code == 202
    attrs = reply.json["task"]["attributes"]
    assert (attrs["kind"], attrs["callback_to"], attrs["complaint_ref"]) == (
        "outbound",
        "+628111000001",
        ref,
    )
    assert (
        supervisor.post(
            "/console/complaints/CMP-1999-000001/call", json={"agent": "ayu"}
        ).status_code
        == 404
    )
