"""The complaint area's front door: the app's case store, and the names the web API, the
console, the IVR, the dispatcher and the reports import.

The case store is built from one module per idea: `repository` (case records in Redis, the
reference sequence), `journal` (the daily case CSVs), `procedure` (the steps and what follows
them), `alerts` (batch alerts), over the pure state machine in `model`.
"""

from __future__ import annotations

from flask import current_app

from telephony.complaints.journal import CASE_COLUMNS
from telephony.complaints.procedure import CaseStore
from telephony.complaints.repository import next_reference
from telephony.gateway import send_message

__all__ = ["CASE_COLUMNS", "CaseStore", "case_store", "next_reference", "send_message"]


def case_store() -> CaseStore:
    """The app's case store (set up when the complaints blueprint is registered)."""
    return current_app.extensions["vero-complaints"]
