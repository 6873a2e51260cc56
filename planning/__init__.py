"""`vero plan`: forecast, staffing, roster and the twin in one loop, above wfm and simulations."""
