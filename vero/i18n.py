"""The interface text in Bahasa Indonesia and English, and the choice between them.

One catalogue holds every string a page shows, so a missing translation is a test failure rather
than a page half in one language. The language comes from `?lang=` (remembered in a cookie), then
the cookie, then Indonesian: most agents and supervisors work in Bahasa Indonesia.
"""

from __future__ import annotations

from flask import Flask, Response, g, has_request_context, request

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
COOKIE = "vero_lang"

CATALOGUE: dict[str, dict[str, str]] = {
    "app.title": {"id": "Vero — Layanan Pelanggan", "en": "Vero — Customer Service"},
    "lang.id": {"id": "Bahasa Indonesia", "en": "Bahasa Indonesia"},
    "lang.en": {"id": "English", "en": "English"},
    "nav.wallboard": {"id": "Papan antrean", "en": "Wallboard"},
    "nav.agents": {"id": "Agen", "en": "Agents"},
    "nav.desk": {"id": "Meja agen", "en": "Agent desk"},
    "nav.logout": {"id": "Keluar", "en": "Log out"},
    "login.supervisor": {"id": "Masuk supervisor", "en": "Supervisor login"},
    "login.agent": {"id": "Masuk agen", "en": "Agent login"},
    "login.token": {"id": "Token", "en": "Token"},
    "login.submit": {"id": "Masuk", "en": "Log in"},
    "login.wrong": {"id": "Token tidak dikenal.", "en": "Unknown token."},
    "login.expired": {"id": "Sesi berakhir; silakan masuk lagi.",
                      "en": "Your session has ended; please log in again."},
    "wall.queue": {"id": "Antrean", "en": "Queue"},
    "wall.waiting": {"id": "Menunggu", "en": "Waiting"},
    "wall.longest": {"id": "Tunggu terlama", "en": "Longest wait"},
    "wall.service_level": {"id": "Tingkat layanan hari ini", "en": "Service level today"},
    "wall.target": {"id": "target", "en": "target"},
    "wall.within": {"id": "dalam", "en": "within"},
    "wall.offered": {"id": "Masuk", "en": "Offered"},
    "wall.answered": {"id": "Dijawab", "en": "Answered"},
    "wall.abandoned": {"id": "Ditinggalkan", "en": "Abandoned"},
    "wall.eligible": {"id": "Agen siap", "en": "Ready agents"},
    "wall.agents_by_state": {"id": "Agen menurut status", "en": "Agents by state"},
    "wall.updated": {"id": "Diperbarui", "en": "Updated"},
    "wall.live": {"id": "Langsung", "en": "Live"},
    "wall.reconnecting": {"id": "Menyambung ulang…", "en": "Reconnecting…"},
    "unit.s": {"id": "dtk", "en": "s"},
    "unit.min": {"id": "mnt", "en": "min"},
    "unit.h": {"id": "jam", "en": "h"},
    "state.available": {"id": "Siap", "en": "Available"},
    "state.busy": {"id": "Sibuk", "en": "Busy"},
    "state.break": {"id": "Istirahat", "en": "Break"},
    "state.wrap-up": {"id": "Pascakontak", "en": "Wrap-up"},
    "state.offline": {"id": "Luring", "en": "Offline"},
    "agents.agent": {"id": "Agen", "en": "Agent"},
    "agents.state": {"id": "Status", "en": "State"},
    "agents.since": {"id": "Sejak", "en": "Since"},
    "agents.load": {"id": "Beban per kanal", "en": "Load per channel"},
    "agents.change": {"id": "Ubah status", "en": "Change state"},
    "agents.apply": {"id": "Terapkan", "en": "Apply"},
    "agents.none": {"id": "Belum ada agen.", "en": "No agents yet."},
    "agents.failed": {"id": "Status tidak dapat diubah", "en": "The state could not be changed"},
    "desk.title": {"id": "Meja agen", "en": "Agent desk"},
    "desk.my_state": {"id": "Status saya", "en": "My state"},
    "desk.offers": {"id": "Kontak masuk", "en": "Incoming contacts"},
    "desk.no_offers": {"id": "Tidak ada kontak masuk.", "en": "No incoming contacts."},
    "desk.accept": {"id": "Terima", "en": "Accept"},
    "desk.reject": {"id": "Tolak", "en": "Reject"},
    "desk.expires": {"id": "berakhir dalam", "en": "expires in"},
    "desk.tasks": {"id": "Tugas aktif", "en": "Active tasks"},
    "desk.no_tasks": {"id": "Tidak ada tugas aktif.", "en": "No active tasks."},
    "desk.complete": {"id": "Selesai", "en": "Complete"},
    "desk.end_wrap": {"id": "Akhiri pascakontak", "en": "End wrap-up"},
    "desk.wrapping": {"id": "Pascakontak", "en": "Wrap-up"},
    "desk.assigned": {"id": "Sedang ditangani", "en": "In progress"},
    "desk.reply": {"id": "Balas", "en": "Reply"},
    "desk.send": {"id": "Kirim", "en": "Send"},
    "desk.customer": {"id": "Pelanggan", "en": "Customer"},
    "desk.you": {"id": "Anda", "en": "You"},
    "desk.error": {"id": "Terjadi kesalahan", "en": "Something went wrong"},
    "channel.voice": {"id": "Telepon", "en": "Phone"},
    "channel.chat": {"id": "Obrolan", "en": "Live chat"},
    "channel.whatsapp": {"id": "WhatsApp", "en": "WhatsApp"},
    "channel.sms": {"id": "SMS", "en": "SMS"},
    "channel.email": {"id": "Surel", "en": "Email"},
}


def current_language() -> str:
    """The language of the current request (Indonesian outside a request)."""
    return g.get("lang", DEFAULT_LANGUAGE) if has_request_context() else DEFAULT_LANGUAGE


def t(key: str) -> str:
    """The text for `key` in the current language; an unknown key is a bug, so it raises."""
    return CATALOGUE[key][current_language()]


def _choose_language() -> None:
    asked = request.args.get("lang")
    remembered = request.cookies.get(COOKIE)
    g.lang = next((lang for lang in (asked, remembered) if lang in LANGUAGES), DEFAULT_LANGUAGE)


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    if asked in LANGUAGES and asked != request.cookies.get(COOKIE):
        response.set_cookie(COOKIE, asked, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    """Choose the language per request and give templates `t`, `lang` and `languages`."""
    app.before_request(_choose_language)
    app.after_request(_remember_language)
    app.context_processor(lambda: {"t": t, "lang": current_language(), "languages": LANGUAGES})
