"""The supervisor console (login, wallboard, agents) and the agent desk: server-rendered pages
with a little JavaScript, signed-in through the Flask session."""
