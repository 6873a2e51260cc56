"""Sample data for a first try of the planning commands, shipped with the package and copied
out by `vero sample`: eight weeks of contact history, a week's requirements, agents and shift
templates, two what-if scenarios. Made by `simulations/sample.py` from the reference centre with
its seed (`make sample`); a test regenerates them and compares, so they never drift."""
