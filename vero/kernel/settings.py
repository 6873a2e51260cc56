"""Settings from environment variables, validated once at start with one clear line per problem."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from vero.kernel.errors import VeroError
from vero.kernel.redis_client import SCHEMES as REDIS_SCHEMES

# one or more "<n>/<unit>" or "<n> per <n> <unit>s" separated by ';' (the `limits` syntax)
RATE = re.compile(
    r"\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?"
    r"(\s*;\s*\d+\s*(/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?)*"
)

# the softphone's settings: name → (pattern, what it should look like)
SOFTPHONE_SETTINGS = {
    "TWILIO_API_KEY": (r"SK[0-9a-fA-F]{32}", "'SK' followed by 32 hex digits (an API key's SID)"),
    "TWILIO_API_SECRET": (r"[0-9A-Za-z]{32}", "the API key's secret: 32 letters and digits"),
    "TWILIO_TWIML_APP_SID": (r"AP[0-9a-fA-F]{32}", "'AP' followed by 32 hex digits"),
}
MIN_TOKEN_TTL, MAX_TOKEN_TTL = 60, 24 * 3600  # Twilio accepts tokens of up to 24 hours


class SettingsError(VeroError):
    """Every problem found in the environment, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    def one_line(self) -> str:
        return "; ".join(self.problems)


@dataclass(frozen=True)
class Settings:
    redis_url: str | None  # None: start the embedded redis-server; redis+cluster://: a Cluster
    public_base_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    centre_path: Path | None  # None: the reference centre shipped with Vero
    supervisor_token: str
    data_dir: Path
    messaging_number: str = ""  # the WhatsApp/SMS number Vero writes from when not answering
    trust_proxy: bool = False
    twilio_api_base: str | None = None  # e.g. a local recorder in tests; None: Twilio's cloud
    twilio_timeout: float = 5.0  # seconds one Twilio REST request may take
    twilio_tries: int = 4  # tries of a queued REST request before its dead letter
    closed_retention_hours: float = 48.0  # closed tasks kept in Redis after their CSV row
    job_retention_days: float = 7.0  # console run folders and their RQ jobs are kept this long
    session_idle_minutes: int = 60  # a console/desk login unused this long has ended
    session_hours: int = 12  # and every login ends this long after it began (one long shift)
    # VERO_RATE_LIMIT_<NAME> (e.g. "20/minute;200/hour"): overrides of vero/web/limits.py's defaults
    rate_limits: dict[str, str] = field(default_factory=dict)
    outbound_daily_cap: int = 20  # messages to one number per local day (VERO_OUTBOUND_DAILY_CAP)
    open_chats_per_visitor: int = 3  # open web chats per visitor IP (VERO_OPEN_CHATS_PER_VISITOR)
    ivr_menu_path: Path | None = None  # the centre's IVR menu; None: the one shipped with Vero
    # the desk's softphone (Twilio Voice SDK access tokens): all three, or none and no softphone
    twilio_api_key: str = ""  # TWILIO_API_KEY, SK…: signs the access tokens
    twilio_api_secret: str = ""  # TWILIO_API_SECRET
    twilio_twiml_app_sid: str = ""  # TWILIO_TWIML_APP_SID, AP…: the TwiML App of outgoing calls
    voice_token_ttl: int = 600  # seconds an access token lives (VERO_VOICE_TOKEN_TTL)
    # VERO_DUTY_SUPERVISOR_PHONE (E.164): queue breach alerts by WhatsApp/SMS; "": none are sent
    duty_supervisor_phone: str = ""
    breach_alert_minutes: int = (
        15  # one alert per queue this often at most (VERO_BREACH_ALERT_MINUTES)
    )

    @property
    def softphone(self) -> bool:
        """Whether access tokens can be issued (the three TWILIO_API_* settings are set)."""
        return bool(self.twilio_api_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        problems: list[str] = []

        redis_url = env.get("REDIS_URL") or None
        if redis_url and urlparse(redis_url).scheme not in REDIS_SCHEMES:
            problems.append(
                f"REDIS_URL: {redis_url!r} is not a redis://, rediss://, unix:// or "
                "redis+cluster:// URL"
            )

        public = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
        parsed = urlparse(public)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            problems.append(
                f"PUBLIC_BASE_URL: {public!r} is not an http(s) URL such as "
                "https://vero.example.co.id"
            )

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

        menu = env.get("VERO_IVR_MENU") or None
        if menu is not None and not Path(menu).is_file():
            problems.append(f"VERO_IVR_MENU: no file at {menu}")

        supervisor = env.get("VERO_SUPERVISOR_TOKEN", "")
        if len(supervisor) < 16:
            problems.append("VERO_SUPERVISOR_TOKEN: missing or shorter than 16 characters")

        data_dir = Path(env.get("VERO_DATA_DIR", "var"))
        if data_dir.exists() and not data_dir.is_dir():
            problems.append(f"VERO_DATA_DIR: {data_dir} exists and is not a directory")

        messaging_number = env.get("VERO_MESSAGING_NUMBER", "")
        if messaging_number and not re.fullmatch(r"\+[1-9]\d{7,14}", messaging_number):
            problems.append("VERO_MESSAGING_NUMBER: expected an E.164 number such as +6221500123")

        twilio_timeout = _number(env, "VERO_TWILIO_TIMEOUT", "5", float, problems)
        twilio_tries = _number(env, "VERO_TWILIO_TRIES", "4", int, problems)
        retention = env.get("VERO_CLOSED_RETENTION_HOURS", "48")
        try:
            closed_retention_hours = float(retention)
        except ValueError:
            closed_retention_hours = -1.0
        if not 0 <= closed_retention_hours <= 24 * 366:
            problems.append(
                f"VERO_CLOSED_RETENTION_HOURS: expected hours from 0 to 8784, not {retention!r}"
            )
        job_retention = env.get("VERO_JOB_RETENTION_DAYS", "7")
        try:
            job_retention_days = float(job_retention)
        except ValueError:
            job_retention_days = 0.0
        if not 0 < job_retention_days <= 3650:
            problems.append(
                f"VERO_JOB_RETENTION_DAYS: {job_retention!r} is not a number of days "
                "between 0 and 3650"
            )

        idle = _number(env, "VERO_SESSION_IDLE_MINUTES", "60", int, problems)
        hours = _number(env, "VERO_SESSION_HOURS", "12", int, problems)
        if idle > hours * 60:
            problems.append("VERO_SESSION_IDLE_MINUTES: longer than VERO_SESSION_HOURS")
        rate_limits = {
            name.removeprefix("VERO_RATE_LIMIT_").lower(): value
            for name, value in env.items()
            if name.startswith("VERO_RATE_LIMIT_")
        }
        for name, value in rate_limits.items():
            if not RATE.fullmatch(value):
                problems.append(
                    f"VERO_RATE_LIMIT_{name.upper()}: {value!r} is not a rate such "
                    "as '20/minute' or '5/hour;20/day'"
                )
        outbound_daily_cap = _number(env, "VERO_OUTBOUND_DAILY_CAP", "20", int, problems)
        open_chats = _number(env, "VERO_OPEN_CHATS_PER_VISITOR", "3", int, problems)
        voice = _softphone(env, problems)
        token_ttl = _number(env, "VERO_VOICE_TOKEN_TTL", "600", int, problems)
        if not MIN_TOKEN_TTL <= token_ttl <= MAX_TOKEN_TTL:
            problems.append(
                f"VERO_VOICE_TOKEN_TTL: expected seconds from {MIN_TOKEN_TTL} to "
                f"{MAX_TOKEN_TTL}, not {token_ttl}"
            )

        duty_phone = env.get("VERO_DUTY_SUPERVISOR_PHONE", "").strip()
        if duty_phone and not re.fullmatch(r"\+[1-9]\d{7,14}", duty_phone):
            problems.append(
                "VERO_DUTY_SUPERVISOR_PHONE: expected an E.164 number such as +6281234567890"
            )
        elif duty_phone and not messaging_number:
            problems.append(
                "VERO_DUTY_SUPERVISOR_PHONE: needs VERO_MESSAGING_NUMBER (the alerts' sender)"
            )
        alert_minutes = _number(env, "VERO_BREACH_ALERT_MINUTES", "15", int, problems)

        if problems:
            raise SettingsError(problems)
        return cls(
            redis_url=redis_url,
            public_base_url=public,
            twilio_account_sid=sid,
            twilio_auth_token=token,
            centre_path=centre_path,
            supervisor_token=supervisor,
            data_dir=data_dir,
            messaging_number=messaging_number,
            trust_proxy=env.get("VERO_TRUST_PROXY", "").lower() in ("1", "true", "yes"),
            twilio_api_base=env.get("VERO_TWILIO_API_BASE") or None,
            twilio_timeout=twilio_timeout,
            twilio_tries=twilio_tries,
            closed_retention_hours=closed_retention_hours,
            job_retention_days=job_retention_days,
            session_idle_minutes=idle,
            session_hours=hours,
            rate_limits=rate_limits,
            outbound_daily_cap=outbound_daily_cap,
            open_chats_per_visitor=open_chats,
            ivr_menu_path=Path(menu) if menu else None,
            twilio_api_key=voice["TWILIO_API_KEY"],
            twilio_api_secret=voice["TWILIO_API_SECRET"],
            twilio_twiml_app_sid=voice["TWILIO_TWIML_APP_SID"],
            voice_token_ttl=token_ttl,
            duty_supervisor_phone=duty_phone,
            breach_alert_minutes=alert_minutes,
        )


def _softphone(env: Mapping[str, str], problems: list[str]) -> dict[str, str]:
    """TWILIO_API_KEY, TWILIO_API_SECRET, TWILIO_TWIML_APP_SID: all three or none (a partial
    set would start a desk whose softphone fails at the first call); each in Twilio's form."""
    values = {name: env.get(name, "").strip() for name in SOFTPHONE_SETTINGS}
    if not any(values.values()):
        return values
    for name, (pattern, form) in SOFTPHONE_SETTINGS.items():
        if not values[name]:
            others = ", ".join(n for n in SOFTPHONE_SETTINGS if n != name)
            problems.append(f"{name}: missing; the softphone needs it with {others}")
        elif not re.fullmatch(pattern, values[name]):
            problems.append(f"{name}: expected {form}")
    return values


def _number(
    env: Mapping[str, str], name: str, default: str, kind: type, problems: list[str]
) -> Any:
    """A positive int or float from the environment; a problem line (and the default) if not."""
    try:
        value = kind(env.get(name) or default)
        if value > 0:
            return value
    except ValueError:
        pass
    problems.append(f"{name}: expected a positive {kind.__name__}, not {env.get(name)!r}")
    return kind(default)
