"""The one scale of task priorities. The router serves a higher priority first, then the older
task (`telephony/routing/policy/rules.py`), across every channel and queue an agent serves, so
the levels the areas set must be read on one scale to mean what they say:

    URGENT  100  an allergic or skin reaction (IVR option, complaint case, overdue escalation):
                 before everything, the top of what the task API accepts (-100..100)
    (30, 10, 0)  complaint severities escalated, complex, simple (`telephony/complaints/model.py`)
    VIP      10  a VIP customer's call or message, in whatever queue they are placed
    NORMAL    0  everyone else

A menu names a level rather than repeating its number (`priority: urgent` in menu.yaml), so the
scale is stated here only.
"""

from __future__ import annotations

NORMAL = 0
VIP = 10
URGENT = 100
NAMED = {"normal": NORMAL, "vip": VIP, "urgent": URGENT}  # the names a centre's files may use
