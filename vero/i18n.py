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
    # planning pages: forecast, roster, what-if (wfm.console, simulations.console)
    "nav.forecast": {"id": "Prakiraan", "en": "Forecast"},
    "nav.roster": {"id": "Jadwal kerja", "en": "Roster"},
    "nav.whatif": {"id": "Simulasi", "en": "What-if"},
    "planning.download": {"id": "Unduh", "en": "Download"},
    "planning.no_file": {"id": "pilih berkas untuk diunggah", "en": "choose a file to upload"},
    "job.queued": {"id": "menunggu giliran", "en": "queued"},
    "job.working": {"id": "Sedang dikerjakan:", "en": "Working:"},
    "job.done": {"id": "Selesai.", "en": "Done."},
    "job.failed": {"id": "Gagal", "en": "Failed"},
    "job.crashed": {"id": "kesalahan tak terduga; lihat log server",
                    "en": "unexpected error; see the server log"},
    "job.lost": {"id": "status proses tidak terbaca", "en": "the run's status cannot be read"},
    "forecast.title": {"id": "Prakiraan volume kontak", "en": "Contact volume forecast"},
    "forecast.history": {"id": "Berkas riwayat (CSV)", "en": "History file (CSV)"},
    "forecast.history_help": {
        "id": "Catatan kontak Vero, ekspor log panggilan Twilio, CSV kontak dengan kolom waktu, "
              "atau jumlah per interval (start,calls).",
        "en": "Vero contact records, a Twilio call-log export, any contacts CSV with a time "
              "column, or interval counts (start,calls)."},
    "forecast.format": {"id": "Format", "en": "Format"},
    "forecast.format.auto": {"id": "Kenali otomatis", "en": "Detect automatically"},
    "forecast.format.vero": {"id": "Catatan kontak Vero", "en": "Vero contact records"},
    "forecast.format.contacts": {"id": "CSV kontak", "en": "Contacts CSV"},
    "forecast.format.twilio": {"id": "Log panggilan Twilio", "en": "Twilio call log"},
    "forecast.format.counts": {"id": "Jumlah per interval", "en": "Interval counts"},
    "forecast.interval": {"id": "Panjang interval", "en": "Interval length"},
    "forecast.horizon": {"id": "Jumlah hari prakiraan", "en": "Days to forecast"},
    "forecast.run": {"id": "Buat prakiraan", "en": "Make the forecast"},
    "forecast.last": {"id": "Prakiraan terakhir", "en": "Last forecast"},
    "forecast.step.models": {"id": "menguji model (backtest)", "en": "backtesting the models"},
    "forecast.step.files": {"id": "menulis berkas dan grafik", "en": "writing files and chart"},
    "forecast.step.staffing": {"id": "menghitung kebutuhan agen",
                               "en": "computing required agents"},
    "forecast.chart": {"id": "Riwayat dan prakiraan volume", "en": "Volume history and forecast"},
    "forecast.staffing_failed": {"id": "Kebutuhan agen tidak dapat dihitung",
                                 "en": "Required agents could not be computed"},
    "forecast.to_roster": {"id": "Buat jadwal kerja dari prakiraan ini",
                           "en": "Make a roster from this forecast"},
    "forecast.backtest": {"id": "Uji mundur (backtest)", "en": "Backtest"},
    "forecast.no_backtest": {"id": "Riwayat terlalu pendek untuk uji mundur.",
                             "en": "The history is too short to backtest."},
    "forecast.series": {"id": "Seri", "en": "Series"},
    "forecast.model": {"id": "Model", "en": "Model"},
    "forecast.horizon_short": {"id": "Horizon (hari)", "en": "Horizon (days)"},
    "forecast.bias": {"id": "Bias", "en": "Bias"},
    "roster.title": {"id": "Jadwal kerja minggu depan", "en": "Next week's roster"},
    "roster.requirements": {"id": "Kebutuhan agen", "en": "Required agents"},
    "roster.from_forecast": {"id": "Dari prakiraan terakhir", "en": "From the last forecast"},
    "roster.no_forecast": {"id": "belum ada prakiraan dengan kebutuhan agen",
                           "en": "no forecast with required agents yet"},
    "roster.upload": {"id": "Unggah CSV kebutuhan (hasil vero staff)",
                      "en": "Upload a requirements CSV (from vero staff)"},
    "roster.requirements_help": {
        "id": "Kolom: interval_start, interval_minutes, group, required_agents.",
        "en": "Columns: interval_start, interval_minutes, group, required_agents."},
    "roster.agents": {"id": "Berkas agen (CSV)", "en": "Agents file (CSV)"},
    "roster.agents_help": {"id": "Kolom: id, name, groups (dipisah ;), contract (5x8, 6x7, "
                                 "full-time, part-time:H).",
                           "en": "Columns: id, name, groups (;-separated), contract (5x8, 6x7, "
                                 "full-time, part-time:H)."},
    "roster.time_limit": {"id": "Batas waktu pemecah (detik)", "en": "Solver time limit (s)"},
    "roster.run": {"id": "Buat jadwal", "en": "Make the roster"},
    "roster.step.solving": {"id": "mencari jadwal terbaik", "en": "searching for the best roster"},
    "roster.step.files": {"id": "menulis berkas", "en": "writing the files"},
    "roster.week_of": {"id": "Minggu mulai", "en": "Week of"},
    "roster.solver_status": {"id": "status pemecah", "en": "solver status"},
    "roster.hours": {"id": "jam kerja agen", "en": "agent-hours"},
    "roster.under": {"id": "kekurangan (agen-interval)", "en": "under-staffed agent-intervals"},
    "roster.off": {"id": "libur", "en": "off"},
    "roster.coverage": {"id": "Kebutuhan dan jadwal agen", "en": "Required and scheduled agents"},
    "weekday.0": {"id": "Sen", "en": "Mon"},
    "weekday.1": {"id": "Sel", "en": "Tue"},
    "weekday.2": {"id": "Rab", "en": "Wed"},
    "weekday.3": {"id": "Kam", "en": "Thu"},
    "weekday.4": {"id": "Jum", "en": "Fri"},
    "weekday.5": {"id": "Sab", "en": "Sat"},
    "weekday.6": {"id": "Min", "en": "Sun"},
    "whatif.title": {"id": "Simulasi bagaimana-jika", "en": "What-if simulation"},
    "whatif.base": {"id": "Dasar", "en": "Base"},
    "whatif.base.roster": {"id": "Jadwal kerja terakhir dengan prakiraannya",
                           "en": "The last roster with its forecast"},
    "whatif.base.staffing": {"id": "Prakiraan terakhir dengan kebutuhan agennya",
                             "en": "The last forecast with its required agents"},
    "whatif.no_base": {"id": "belum ada jadwal atau prakiraan dari konsol",
                       "en": "no roster or forecast from the console yet"},
    "whatif.upload": {"id": "Unggah berkas", "en": "Upload files"},
    "whatif.forecast_file": {"id": "Prakiraan (CSV)", "en": "Forecast (CSV)"},
    "whatif.plan_file": {"id": "Jadwal kerja atau tabel kebutuhan (CSV)",
                         "en": "Roster or staffing table (CSV)"},
    "whatif.plan.roster": {"id": "jadwal kerja", "en": "roster"},
    "whatif.plan.staffing": {"id": "tabel kebutuhan", "en": "staffing table"},
    "whatif.change": {"id": "Perubahan", "en": "Change"},
    "whatif.volume": {"id": "Volume", "en": "Volume"},
    "whatif.factor": {"id": "Faktor", "en": "Factor"},
    "whatif.day": {"id": "Hari (kosong: semua)", "en": "Day (empty: every day)"},
    "whatif.remove_agents": {"id": "Kurangi agen", "en": "Remove agents"},
    "whatif.group": {"id": "Kelompok", "en": "Group"},
    "whatif.count": {"id": "Jumlah", "en": "Count"},
    "whatif.callbacks": {"id": "Panggilan balik", "en": "Callbacks"},
    "whatif.on": {"id": "aktif", "en": "on"},
    "whatif.off": {"id": "nonaktif", "en": "off"},
    "whatif.days": {"id": "Hari yang disimulasikan", "en": "Days to simulate"},
    "whatif.replications": {"id": "Replikasi", "en": "Replications"},
    "whatif.run": {"id": "Jalankan simulasi", "en": "Run the simulation"},
    "whatif.step.replications": {"id": "replikasi", "en": "replications"},
    "whatif.step.report": {"id": "menyusun laporan", "en": "writing the report"},
    "whatif.explain": {"id": "Rata-rata antarreplikasi ± setengah lebar selang kepercayaan 95 %",
                       "en": "Means over replications ± half-width of a 95 % confidence "
                             "interval"},
    "whatif.scenario": {"id": "Skenario", "en": "Scenario"},
    "whatif.channel": {"id": "Kanal", "en": "Channel"},
    "whatif.service_level": {"id": "Tingkat layanan", "en": "Service level"},
    "whatif.asa": {"id": "ASA (dtk)", "en": "ASA (s)"},
    "whatif.mean_wait": {"id": "Tunggu rata-rata (dtk)", "en": "Mean wait (s)"},
    "whatif.curves": {"id": "Tingkat layanan per interval", "en": "Service level per interval"},
    "whatif.report": {"id": "Laporan lengkap", "en": "Full report"},
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
