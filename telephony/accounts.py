"""Customer accounts for the website: the logins sales gives B2B clients and partners.

Supervisors manage them (`vero accounts ...`, or the supervisor API in
vero/web/api/customer_auth.py). Passwords are kept as werkzeug's scrypt hashes. After
`MAX_FAILURES` wrong passwords within `LOCKOUT_SECONDS` an account is locked for the rest of that
window, even for the right password; a supervisor's password reset lifts the lock.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, replace

import click
from werkzeug.security import check_password_hash, generate_password_hash

from telephony.customers import normalise_phone
from telephony.keys import Keys
from vero.kernel.errors import VeroError
from vero.kernel.redis_client import Client

SEGMENTS = ("B2B", "partner")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
MIN_PASSWORD = 10
MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
# checked when the account does not exist, so a wrong name costs as long as a wrong password
_NOBODY = generate_password_hash(secrets.token_urlsafe(16))


class AccountError(VeroError):
    """A bad account operation (unknown, exists, bad field)."""


class LockedOut(Exception):
    """Too many wrong passwords: the account is locked for `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"locked for {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    segment: str  # B2B or partner
    phone: str  # E.164 or ''
    email: str
    disabled: bool
    password_hash: str

    def public(self) -> dict[str, object]:
        """The account as shown to supervisors and its holder (never the hash)."""
        return {k: v for k, v in asdict(self).items() if k != "password_hash"}


def _check_password(password: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= 200:
        raise AccountError(f"a password of {MIN_PASSWORD} to 200 characters", field="password")


class AccountStore:
    def __init__(self, client: Client, keys: Keys) -> None:
        self.redis = client
        self.keys = keys

    def get(self, username: str) -> Account | None:
        raw = self.redis.hget(self.keys.customer_accounts(), username)
        return Account(**json.loads(raw)) if raw else None

    def _known(self, username: str) -> Account:
        account = self.get(username)
        if account is None:
            raise AccountError(f"no account {username!r}", field="username")
        return account

    def _put(self, account: Account) -> None:
        with self.redis.pipeline() as pipe:
            pipe.hset(self.keys.customer_accounts(), account.username, json.dumps(asdict(account)))
            if account.phone:
                pipe.hset(self.keys.customer_account_phones(), account.phone, account.username)
            pipe.execute()

    def listing(self) -> list[Account]:
        return sorted(
            (Account(**json.loads(raw)) for raw in self.redis.hvals(self.keys.customer_accounts())),
            key=lambda a: a.username,
        )

    def add(
        self,
        username: str,
        password: str,
        *,
        name: str = "",
        segment: str = "B2B",
        phone: str = "",
        email: str = "",
    ) -> Account:
        if not isinstance(username, str) or not USERNAME.match(username):
            raise AccountError("3 to 64 lower-case letters, digits and . _ @ -", field="username")
        if segment not in SEGMENTS:
            raise AccountError(f"one of {', '.join(SEGMENTS)}", field="segment")
        number = normalise_phone(phone) if phone else ""
        if number is None:
            raise AccountError("not a phone number", field="phone")
        _check_password(password)
        account = Account(
            username=username,
            name=name.strip()[:80],
            segment=segment,
            phone=number,
            email=email.strip().lower()[:254],
            disabled=False,
            password_hash=generate_password_hash(password),
        )
        if not self.redis.hsetnx(
            self.keys.customer_accounts(), username, json.dumps(asdict(account))
        ):
            raise AccountError(f"account {username!r} exists", field="username")
        self._put(account)
        return account

    def set_disabled(self, username: str, disabled: bool) -> Account:
        account = replace(self._known(username), disabled=disabled)
        self._put(account)
        return account

    def reset_password(self, username: str, password: str) -> Account:
        _check_password(password)
        account = replace(self._known(username), password_hash=generate_password_hash(password))
        self._put(account)
        self.redis.delete(self.keys.login_failures(username))
        return account

    def locked_for(self, usernames: list[str]) -> list[int]:
        """Seconds each account stays locked after too many wrong passwords (0: not locked);
        one round trip for the whole list."""
        pipe = self.redis.pipeline(transaction=False)
        for username in usernames:
            pipe.get(self.keys.login_failures(username))
            pipe.ttl(self.keys.login_failures(username))
        replies = pipe.execute()
        return [
            max(1, int(ttl)) if int(count or 0) >= MAX_FAILURES else 0
            for count, ttl in zip(replies[::2], replies[1::2], strict=True)
        ]

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account for a right password (None for a wrong one, an unknown or disabled
        account); LockedOut while locked."""
        failures = self.keys.login_failures(username)
        locked = self.locked_for([username])[0]
        if locked:
            raise LockedOut(locked)
        account = self.get(username) if isinstance(username, str) else None
        right = check_password_hash(account.password_hash if account else _NOBODY, password)
        if account is not None and right and not account.disabled:
            self.redis.delete(failures)
            return account
        with self.redis.pipeline() as pipe:  # the window starts at the first failure
            pipe.set(failures, 0, nx=True, ex=LOCKOUT_SECONDS)
            pipe.incr(failures)
            pipe.execute()
        return None


# --- the `vero accounts` commands -------------------------------------------------------------


def _store() -> AccountStore:
    from vero.kernel import redis_client
    from vero.kernel.centre import load_centre
    from vero.kernel.settings import Settings

    settings = Settings.from_env()
    if not settings.redis_url:
        raise VeroError("REDIS_URL is needed to manage accounts (they live in Redis)")
    return AccountStore(
        redis_client.connect(settings.redis_url), Keys(load_centre(settings.centre_path).id)
    )


def _password(given: str | None) -> str:
    return (
        given
        if given is not None
        else click.prompt("password", hide_input=True, confirmation_prompt=True)
    )


@click.group()
def accounts() -> None:
    """Website accounts of B2B clients and partners (the complaint form's login)."""


@accounts.command("add")
@click.argument("username")
@click.option("--name", default="", help="Company or contact name.")
@click.option("--segment", type=click.Choice(SEGMENTS), default="B2B", show_default=True)
@click.option("--phone", default="", help="The account's WhatsApp/phone number.")
@click.option("--email", default="")
@click.option("--password", default=None, help="Prompted (hidden) when not given.")
def add_command(
    username: str, name: str, segment: str, phone: str, email: str, password: str | None
) -> None:
    """Create an account."""
    account = _store().add(
        username, _password(password), name=name, segment=segment, phone=phone, email=email
    )
    click.echo(f"account {account.username} created")


@accounts.command("list")
def list_command() -> None:
    """Every account, one line each."""
    for a in _store().listing():
        state = "disabled" if a.disabled else "active"
        click.echo(f"{a.username}\t{a.segment}\t{state}\t{a.name}\t{a.phone}\t{a.email}")


@accounts.command("disable")
@click.argument("username")
def disable_command(username: str) -> None:
    """Refuse every login of an account (the record is kept)."""
    _store().set_disabled(username, True)
    click.echo(f"account {username} disabled")


@accounts.command("enable")
@click.argument("username")
def enable_command(username: str) -> None:
    _store().set_disabled(username, False)
    click.echo(f"account {username} enabled")


@accounts.command("reset-password")
@click.argument("username")
@click.option("--password", default=None, help="Prompted (hidden) when not given.")
def reset_command(username: str, password: str | None) -> None:
    """Set a new password (lifts a lockout)."""
    _store().reset_password(username, _password(password))
    click.echo(f"password of {username} reset")
