"""Settings from environment variables, validated once at start with one clear line per problem."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from vero.errors import VeroError

# one or more "<n>/<unit>" or "<n> per <n> <unit>s" separated by ';' (the `limits` syntax)
RATE = re.compile(r"\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?"
                  r"(\s*;\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?)*")


class SettingsError(VeroError):
    """Every problem found in the environment, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    def one_line(self) -> str:
        return "; ".join(self.problems)


@dataclass(frozen=True)
class Settings:
    redis_url: str | None  # None: start the embedded redis-server
    public_base_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    centre_path: Path | None  # None: the reference centre shipped with Vero
    supervisor_token: str
    data_dir: Path
    messaging_number: str = ""  # the WhatsApp/SMS number Vero writes from when not answering
    trust_proxy: bool = False
    twilio_api_base: str | None = None  # e.g. a local recorder in tests; None: Twilio's cloud
    # VERO_RATE_LIMIT_<NAME> (e.g. "20/minute;200/hour"): overrides of vero/limits.py's defaults
    rate_limits: dict[str, str] = field(default_factory=dict)
    outbound_daily_cap: int = 20  # messages to one number per local day (VERO_OUTBOUND_DAILY_CAP)
    open_chats_per_visitor: int = 3  # open web chats per visitor IP (VERO_OPEN_CHATS_PER_VISITOR)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        problems: list[str] = []

        redis_url = env.get("REDIS_URL") or None
        if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
            problems.append(f"REDIS_URL: {redis_url!r} is not a redis://, rediss:// or unix:// URL")

        public = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        parsed = urlparse(public)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            problems.append(f"PUBLIC_BASE_URL: {public!r} is not an http(s) URL such as "
                            "https://vero.example.co.id")

        sid = env.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
        if not (sid.startswith("AC") and len(sid) == 34):
            problems.append("TWILIO_ACCOUNT_SID: expected 'AC' followed by 32 characters")
        token = env.get("TWILIO_AUTH_TOKEN", "")
        if not token:
            problems.append("TWILIO_AUTH_TOKEN: missing; webhooks cannot be verified without it")

        centre = env.get("VERO_CENTRE") or None
        centre_path = Path(centre) if centre else None
        if centre_path is not None and not centre_path.is_file():
            problems.append(f"VERO_CENTRE: no file at {centre_path}")

        supervisor = env.get("VERO_SUPERVISOR_TOKEN", "")
        if len(supervisor) < 16:
            problems.append("VERO_SUPERVISOR_TOKEN: missing or shorter than 16 characters")

        data_dir = Path(env.get("VERO_DATA_DIR", "var"))
        if data_dir.exists() and not data_dir.is_dir():
            problems.append(f"VERO_DATA_DIR: {data_dir} exists and is not a directory")

        messaging_number = env.get("VERO_MESSAGING_NUMBER", "")
        if messaging_number and not re.fullmatch(r"\+[1-9]\d{7,14}", messaging_number):
            problems.append("VERO_MESSAGING_NUMBER: expected an E.164 number such as +6221500123")

        rate_limits = {name.removeprefix("VERO_RATE_LIMIT_").lower(): value
                       for name, value in env.items() if name.startswith("VERO_RATE_LIMIT_")}
        for name, value in rate_limits.items():
            if not RATE.fullmatch(value):
                problems.append(f"VERO_RATE_LIMIT_{name.upper()}: {value!r} is not a rate such "
                                "as '20/minute' or '5/hour;20/day'")
        counts = {}
        for name, default in (("VERO_OUTBOUND_DAILY_CAP", 20), ("VERO_OPEN_CHATS_PER_VISITOR", 3)):
            raw = env.get(name, str(default))
            if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
                problems.append(f"{name}: {raw!r} is not a whole number of at least 1")
            counts[name] = int(raw) if raw.isascii() and raw.isdigit() else default

        if problems:
            raise SettingsError(problems)
        return cls(
            redis_url=redis_url, public_base_url=public, twilio_account_sid=sid,
            twilio_auth_token=token, centre_path=centre_path, supervisor_token=supervisor,
            data_dir=data_dir, messaging_number=messaging_number,
            trust_proxy=env.get("VERO_TRUST_PROXY", "").lower() in ("1", "true", "yes"),
            twilio_api_base=env.get("VERO_TWILIO_API_BASE") or None,
            rate_limits=rate_limits, outbound_daily_cap=counts["VERO_OUTBOUND_DAILY_CAP"],
            open_chats_per_visitor=counts["VERO_OPEN_CHATS_PER_VISITOR"],
        )
