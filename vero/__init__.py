"""Vero's composition root: settings, centre definition, embedded Redis, Flask app, CLI."""
