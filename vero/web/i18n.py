"""The console's language per request: which of the two catalogues a page is rendered in.

The texts and formats live in the gettext catalogues of `vero.kernel.language` (shared with the
reports, XLSX and ICS files). The language comes from `?lang=` (remembered in a cookie), then the
cookie, then Indonesian: most agents and supervisors work in Bahasa Indonesia.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request

from vero.kernel.language import DEFAULT_LANGUAGE, LANGUAGES, Language, language

COOKIE = "vero_lang"


def current_language() -> str:
    """The language of the current request (Indonesian outside a request)."""
    return g.get("lang", DEFAULT_LANGUAGE) if has_request_context() else DEFAULT_LANGUAGE


def here() -> Language:
    """The current request's language: its texts and its number, date and duration formats."""
    return language(current_language())


def t(key: str, **values: object) -> str:
    """The text for `key` in the current language; an unknown key is a bug, so it raises."""
    return here().text(key, **values)


def _choose_language() -> None:
    asked = request.args.get("lang")
    remembered = request.cookies.get(COOKIE)
    g.lang = next((lang for lang in (asked, remembered) if lang in LANGUAGES), DEFAULT_LANGUAGE)


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in LANGUAGES and asked != request.cookies.get(COOKIE):
        response.set_cookie(
            COOKIE,
            asked,
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def init_app(app: Flask, pages: Iterable[Blueprint]) -> None:
    """Choose the language per request of the blueprints that show pages (webhooks and the JSON
    API need none of it), and give templates `t`, `lang`, `languages` and `fmt` (the language's
    number, date and duration formats)."""
    for blueprint in pages:
        app.before_request_funcs.setdefault(blueprint.name, []).append(_choose_language)
        app.after_request_funcs.setdefault(blueprint.name, []).append(_remember_language)
    app.context_processor(
        lambda: {"t": t, "lang": current_language(), "languages": LANGUAGES, "fmt": here()}
    )
