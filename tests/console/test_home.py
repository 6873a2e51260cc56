"""`/`: the console's front door, while every other unknown path stays a JSON 404."""

from __future__ import annotations


def test_the_bare_address_leads_a_stranger_to_the_login(client):
    reply = client.get("/")
    assert reply.status_code == 302 and reply.location == "/console/login"
    assert client.get(reply.location).status_code == 200


def test_the_bare_address_leads_a_supervisor_to_the_wallboard(supervisor):
    reply = supervisor.get("/")
    assert reply.status_code == 302 and reply.location == "/console/"
    assert supervisor.get(reply.location).status_code == 200


def test_other_unknown_paths_stay_json_404s(client):
    reply = client.get("/nothing-here")
    assert reply.status_code == 404 and reply.is_json and "error" in reply.get_json()
