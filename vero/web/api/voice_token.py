"""The softphone's access token: a short-lived Twilio Voice JWT for one agent's desk.

The token (twilio's `AccessToken` with a `VoiceGrant`) lets the browser register as the agent's
Twilio Client identity (the name Vero dials as `client:<name>`: the agent's `contact.client`, else
its id) and receive calls; outgoing calls go to the TwiML App of TWILIO_TWIML_APP_SID. It is
signed with the API key's secret (TWILIO_API_KEY / TWILIO_API_SECRET) and lives
VERO_VOICE_TOKEN_TTL seconds: the desk asks again before it expires. Only the agent itself or a
supervisor may get one; without the three settings the answer is 503, and the desk works
without a softphone.
"""

from __future__ import annotations

import time

from flask import Blueprint, jsonify
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from telephony.services import services
from vero.web.auth import require_agent_or_supervisor

bp = Blueprint("voice_token", __name__, url_prefix="/api")
NOT_CONFIGURED = (
    "softphone not configured: set TWILIO_API_KEY, TWILIO_API_SECRET and TWILIO_TWIML_APP_SID"
)


def client_identity(agent: dict) -> str:
    """The Twilio Client name of an agent: its `contact.client`, else its id."""
    return agent.get("contact", {}).get("client") or agent["id"]


@bp.get("/agents/<agent_id>/voice-token")
def voice_token(agent_id: str):
    require_agent_or_supervisor(agent_id)
    svc = services()
    agent = svc.router.agent(agent_id)  # an unknown agent: 404 (vero.web.errors)
    settings = svc.settings
    if not settings.softphone:
        return jsonify(error=NOT_CONFIGURED), 503
    identity = client_identity(agent)
    now = int(time.time())  # the token's clock is the wall clock, as Twilio checks it
    expires_at = now + settings.voice_token_ttl
    token = AccessToken(
        settings.twilio_account_sid,
        settings.twilio_api_key,
        settings.twilio_api_secret,
        identity=identity,
        nbf=now,
        valid_until=expires_at,
        grants=[
            VoiceGrant(outgoing_application_sid=settings.twilio_twiml_app_sid, incoming_allow=True)
        ],
    ).to_jwt()
    return jsonify(token=token, identity=identity, expires_at=expires_at)
