"""Vero: the kernel (`vero.kernel`) at the bottom, the web layer (`vero.web`) and the `vero`
command (`vero.cli`) on top; the areas (telephony, wfm, simulations, planning) sit between them
(docs/architecture.md)."""
