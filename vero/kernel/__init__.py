"""The kernel, Vero's bottom layer: the centre definition and what is derived from it, settings,
errors, file and request-body readers. It imports no area and no web module."""
