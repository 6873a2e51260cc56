"""`vero demo`: the real service under a compressed hour of bilingual traffic, then a
service-level summary that accounts for every contact, then the console until Ctrl-C.

Vero starts exactly as `vero serve` does (embedded Redis, app, dispatcher with the voice connector,
a real HTTP port). Callers are driven by the Twilio emulator over HTTP, signed with the demo's auth
token; the gateway talks to a local Twilio REST recorder, whose emulator rings the agents'
softphones (REST Calls.create) and plays each call's conference, so every answered call goes
accept → whisper → conference (bridged) → talk → survey, and a callback dials agent, then customer.
Simulated agents use the agent API with their own tokens; some calls are accepted on the desk
before the softphone answers, and some are transferred to another queue mid-talk (arrivals.py).

Time compression: arrivals, talk and handle times and wrap-up run `speed` times faster (agents end
wrap-up early through the API). The router's clock is real, so what it measures stays real:
offer timeouts, routing-step timeouts, answer targets, waits and service levels are real seconds,
and so are the agents' reactions (1-3 s to pick up) and the callers' patience.

The package, one idea a module: `cast` (the agents, known customers and what callers say),
`arrivals` (the traffic plan of a seed), `api` (JSON over HTTP), `agents` (the simulated agents),
`callers` (each arrival played through the webhooks), `summary` (the accounting and its table)
and `command` (the `vero demo` command that wires them to a running Vero).
"""
