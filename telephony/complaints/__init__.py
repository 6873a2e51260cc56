"""Complaint cases: from the first report (IVR, WhatsApp, website form) through classification,
forwarding to the investigating team, corrective action and the customer's answer, to closure.

`model` is the pure state machine, `keywords` suggests a category, `store` keeps cases in Redis
(and their timeline in daily CSVs), `api` is the JSON blueprint.
"""
