"""Settings from environment variables, validated once at start with one clear line per problem."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from vero.errors import VeroError


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
    ivr_menu_path: Path | None = None  # the centre's IVR menu; None: the one shipped with Vero

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

        if problems:
            raise SettingsError(problems)
        return cls(
            redis_url=redis_url, public_base_url=public, twilio_account_sid=sid,
            twilio_auth_token=token, centre_path=centre_path, supervisor_token=supervisor,
            data_dir=data_dir, messaging_number=messaging_number,
            trust_proxy=env.get("VERO_TRUST_PROXY", "").lower() in ("1", "true", "yes"),
            twilio_api_base=env.get("VERO_TWILIO_API_BASE") or None,
            ivr_menu_path=Path(menu) if menu else None,
        )
