"""The supervisor console (login, wallboard, agents) and the agent desk: server-rendered pages
with a little JavaScript. `auth` is their one login guard (server-side sessions), `csrf` checks
their state changes, `headers` gives every page its security headers."""
