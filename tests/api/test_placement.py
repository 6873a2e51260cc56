"""Queue names come from the centre definition only: a centre without `vip` and `b2b` queues
places its VIP and B2B customers in the default queue, and a failing enqueue ends the call in
valid TwiML instead of looping between the error path and the hold loop."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from telephony.customers import Customer, CustomerDirectory
from telephony.ivr.menu import default_menu_path
from telephony.services import services
from telephony.twilio_emulator import Emulator
from tests.ivr.conftest import OPEN_AT, PUBLIC, TOKEN, Clock, FakeGateway, settings
from vero.kernel.centre import parse_centre, reference_centre_path
from vero.kernel.errors import VeroError
from vero.web.app import create_app

CALLER = "+628111222333"
CALL = "CA" + "5" * 32


def _small_centre(tmp: Path) -> tuple[Path, Path]:
    """The reference centre without its vip and b2b queues, and its menu without the B2B
    option."""
    centre = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    for name in ("vip", "b2b"):
        del centre["queues"][name]
    del centre["staffing_groups"]["b2b"]
    centre["placement"] = {"default": "general"}
    menu = yaml.safe_load(default_menu_path().read_text(encoding="utf-8"))
    del menu["menus"]["main"]["options"]["4"]
    paths = tmp / "centre.yaml", tmp / "menu.yaml"
    for path, data in zip(paths, (centre, menu), strict=True):
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return paths


@pytest.fixture
def small(redis_client, namespace, tmp_path):
    centre_path, menu_path = _small_centre(tmp_path)
    app = create_app(
        dataclasses.replace(settings(tmp_path), centre_path=centre_path, ivr_menu_path=menu_path),
        redis_client=redis_client,
        namespace=namespace,
        clock=Clock(OPEN_AT),
        gateway=FakeGateway(),
    )
    with app.app_context():
        directory = CustomerDirectory(services().redis, services().router.keys)
        directory.put(Customer(phone=CALLER, name="Sari", segment="B2B", vip=True, language="id"))
    return app


def test_a_vip_b2b_caller_waits_in_the_default_queue(small):
    twilio = Emulator(small.test_client(), TOKEN, PUBLIC)
    reply = twilio.post(
        "/twilio/voice/choice?lang=id&menu=main&try=0",
        {"CallSid": CALL, "From": CALLER, "To": "+622150001234", "Digits": "0"},
    )
    assert reply.status_code == 200
    with small.app_context():
        task = services().router.task(f"call-{CALL}")
    assert (task["queue"], task["priority"]) == ("general", 10)  # VIP still served first


def test_a_vip_whatsapp_message_goes_to_the_default_queue(small):
    twilio = Emulator(small.test_client(), TOKEN, PUBLIC)
    sid = "SM" + "4" * 32
    twilio.post(
        "/twilio/messaging",
        {
            "MessageSid": sid,
            "From": f"whatsapp:{CALLER}",
            "To": "whatsapp:+622150001234",
            "Body": "Halo",
        },
    )
    with small.app_context():
        assert services().router.task(f"whatsapp-{sid}")["queue"] == "general"


def test_a_failing_enqueue_ends_the_call_instead_of_looping(small, redis_client):
    """Every enqueue fails (the tasks hash is broken in the real Redis: WRONGTYPE): the error
    path and the hold loop must not hand the call to each other for ever."""
    twilio = Emulator(small.test_client(), TOKEN, PUBLIC)
    form = {"CallSid": CALL, "From": "+628999888777", "To": "+622150001234"}
    with small.app_context():
        redis_client.set(services().router.keys.tasks(), "not a hash")
    url = "/twilio/voice/hold?lang=id"
    seen = []
    for _ in range(10):
        reply = twilio.post(url, form)
        assert reply.status_code == 200 and reply.mimetype == "text/xml"
        root = ET.fromstring(reply.data)
        seen.append([child.tag for child in root])
        redirect = root.find("Redirect")
        if redirect is None:
            break
        url = redirect.text
    assert seen[-1][-1] == "Hangup", seen
    assert len(seen) <= 3


def test_placement_names_only_queues_that_exist_and_take_the_channels():
    centre = yaml.safe_load(reference_centre_path().read_text(encoding="utf-8"))
    centre["placement"]["vip"] = "platinum"
    with pytest.raises(VeroError, match="placement.vip: unknown queue 'platinum'"):
        parse_centre(centre)
    centre["placement"] = {"default": "backoffice"}
    with pytest.raises(VeroError, match="placement.default: queue 'backoffice' takes no voice"):
        parse_centre(centre)
