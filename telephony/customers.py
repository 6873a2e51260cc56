"""The customer directory: who is calling, in which language, on which account.

Loaded from a CSV export of the CRM (phone, name, segment, vip, language) into one Redis hash,
so the IVR's lookup is a single HGET on the call's hot path.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import click
import redis
from redis.typing import EncodableT, FieldT

from telephony.keys import Keys
from vero.kernel import redis_client
from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows

COLUMNS = ("phone", "name", "segment", "vip", "language")
SEGMENTS = ("B2C", "B2B", "partner")
_TRUE = ("1", "true", "yes", "y", "ya")
RECENT_CONTACTS = 10  # closed contacts kept per customer for the agent's screen pop
RECENT_CONTACTS_TTL = 90 * 86400  # a customer silent for 90 days leaves no list behind


def normalise_phone(raw: str) -> str | None:
    """E.164 for an Indonesian or international number ('0812…', '62812…', '+62 812-…');
    None when it cannot be a phone number."""
    text = raw.strip().removeprefix("whatsapp:")
    digits = re.sub(r"[\s().-]", "", text)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    if not (digits.isascii() and digits.isdigit()) or not 8 <= len(digits) <= 15:
        return None
    return "+" + digits


def task_customer(attributes: dict[str, str]) -> str | None:
    """The customer's phone (E.164) of a task, from the caller or sender attribute."""
    return normalise_phone(attributes.get("from") or attributes.get("callback_to") or "")


def recent_contact(keys: Keys, fields: dict[str, str]) -> tuple[str, str] | None:
    """(customer's recent-contacts key, contact JSON) of one decoded entry of the contact-record
    stream, or None when the contact has no customer phone. The contact log pushes it onto the
    list (settle.lua) together with the entry's acknowledgement."""
    attributes = json.loads(fields.get("attributes") or "{}")
    customer = task_customer(attributes) if isinstance(attributes, dict) else None
    if customer is None:
        return None
    contact = {
        "task_id": fields["task_id"],
        "channel": fields["channel"],
        "queue": fields.get("origin_queue") or fields["queue"],
        "topic": attributes.get("topic", ""),
        "outcome": fields["outcome"],
        "ended_at": float(fields["ended_at"]),
        "csat": attributes.get("csat", ""),
        "complaint_ref": attributes.get("complaint_ref", ""),
    }
    return keys.customer_contacts(customer), json.dumps(contact)


def remember_contact(client: redis.Redis, keys: Keys, fields: dict[str, str]) -> None:
    """Keep a closed contact on its customer's recent list, as the contact log does."""
    recent = recent_contact(keys, fields)
    if recent is None:
        return
    key, contact = recent
    with client.pipeline() as pipe:
        pipe.lpush(key, contact)
        pipe.ltrim(key, 0, RECENT_CONTACTS - 1)
        pipe.expire(key, RECENT_CONTACTS_TTL)
        pipe.execute()


@dataclass(frozen=True)
class Customer:
    phone: str
    name: str
    segment: str  # B2C, B2B or partner
    vip: bool
    language: str  # 'id' or 'en'


class CustomerDirectory:
    def __init__(self, client: redis_client.Client, keys: Keys) -> None:
        self.redis = client
        self.key = keys.customers()

    def lookup(self, phone: str) -> Customer | None:
        number = normalise_phone(phone or "")
        if number is None:
            return None
        raw = self.redis.hget(self.key, number)
        return Customer(**json.loads(raw)) if raw else None

    def put(self, customer: Customer) -> None:
        self.redis.hset(self.key, customer.phone, json.dumps(asdict(customer)))

    def import_csv(self, path: Path, languages: tuple[str, ...]) -> int:
        """Load every row (all or nothing); returns how many customers were stored."""
        customers: dict[FieldT, EncodableT] = {}  # phone → the customer as JSON
        for line, row in csv_rows(path, COLUMNS):
            customer = _customer(row, languages, path, line)
            customers[customer.phone] = json.dumps(asdict(customer))
        self.redis.hset(self.key, mapping=customers)
        return len(customers)


def _customer(row: dict[str, str], languages: tuple[str, ...], path: Path, line: int) -> Customer:
    def bad(field: str, why: str) -> VeroError:
        return VeroError(why, source=str(path), line=line, field=field)

    phone = normalise_phone(row.get("phone") or "")
    if phone is None:
        raise bad("phone", "not a phone number")
    segment = (row.get("segment") or "B2C").strip()
    match = {s.lower(): s for s in SEGMENTS}.get(segment.lower())
    if match is None:
        raise bad("segment", f"segment must be one of {', '.join(SEGMENTS)}")
    language = (row.get("language") or "").strip().lower()
    if language not in languages:
        raise bad("language", f"language must be one of {', '.join(languages)}")
    return Customer(
        phone=phone,
        name=(row.get("name") or "").strip(),
        segment=match,
        vip=(row.get("vip") or "").strip().lower() in _TRUE,
        language=language,
    )


@click.group()
def customers() -> None:
    """The customer directory the IVR and messaging look callers up in."""


@customers.command("import")
@click.argument("file", type=click.Path(path_type=Path))
def import_command(file: Path) -> None:
    """Load customers from a CSV with columns phone,name,segment,vip,language."""
    from vero.kernel.centre import load_centre
    from vero.kernel.settings import Settings

    settings = Settings.from_env()
    if not settings.redis_url:
        raise VeroError("REDIS_URL is needed to import customers (the directory lives in Redis)")
    centre = load_centre(settings.centre_path)
    client = redis_client.connect(settings.redis_url)
    count = CustomerDirectory(client, Keys(centre.id)).import_csv(file, centre.languages)
    click.echo(f"imported {count} customers")
