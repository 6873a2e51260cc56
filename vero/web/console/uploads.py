"""What the console's planning forms send: uploaded files and numbers, checked into one-line
VeroErrors that name the form field (the page shows them next to the form)."""

from __future__ import annotations

from pathlib import Path

from flask import request

from vero.kernel.errors import VeroError
from vero.web import jobs
from vero.web.i18n import t


def save_upload(field: str, folder: Path, name: str) -> Path:
    """Save the uploaded file of form field `field` as `folder/name`; VeroError when absent."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        raise VeroError(t("planning.no_file"), field=field)
    path = folder / name
    upload.save(path)
    jobs.remember_upload(folder, name, Path(upload.filename).name)
    return path


def form_number(field: str, default: float, low: float, high: float) -> float:
    """A number from the form within [low, high]; VeroError naming the field otherwise."""
    text = request.form.get(field, "").strip()
    try:
        value = float(text) if text else default
    except ValueError as exc:
        raise VeroError(f"{text!r} is not a number", field=field) from exc
    if not low <= value <= high:
        raise VeroError(f"must be between {low:g} and {high:g}", field=field)
    return value
