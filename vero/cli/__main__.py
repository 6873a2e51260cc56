"""`python -m vero.cli`: the `vero` command, for a child process started from a virtualenv's
interpreter (the worker and dispatcher children of `vero serve`, tests)."""

from vero.cli import main

main()
