"""Complaint cases: from the first report (IVR, WhatsApp, website form) through classification,
forwarding to the investigating team, corrective action and the customer's answer, to closure.

`model` is the pure state machine, `keywords` suggests a category, `repository` keeps cases in
Redis, `journal` writes their timeline to daily CSVs, `procedure` takes the steps (tasks and
messages after each), `alerts` watches product batches, and `store` is what callers import. The
JSON blueprint is vero/web/api/complaints.py.
"""
