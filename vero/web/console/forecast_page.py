"""The console's Forecast page: upload contact history, get a forecast with its backtest and
chart, and the staffing requirement the Roster page can start from (a run of `vero.web.console
.runs`, on the `planning` blueprint)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from telephony.services import services
from vero.kernel.centre import Centre
from vero.kernel.csv_columns import write_frame
from vero.kernel.errors import VeroError
from vero.web import jobs
from vero.web.console import intraday
from vero.web.console.runs import (
    Prepared,
    add_run_routes,
    last_run,
    new_run,
    read_status,
    run_folder,
    start_or_explain,
    status_text,
)
from vero.web.console.uploads import form_number, save_upload
from vero.web.console.wallboard import queue_label
from vero.web.i18n import current_language, here
from vero.web.jobs import Say
from wfm.commands import plan_forecast, read_forecast
from wfm.forecast.commands import write_chart
from wfm.forecast.history import DATE_ORDERS, FORMATS, History, load_history
from wfm.forecast.pipeline import forecast_history
from wfm.patience import channel_patience, history_patience
from wfm.staffing_plan import PlanOptions

# What `vero forecast` assumes for history without channel, queue or language (its defaults).
HISTORY_DEFAULTS = {"channel": "voice", "queue": "general", "language": "id"}
INTERVALS = (15, 30, 60)
FORECAST_FILES = ("forecast.csv", "backtest.csv", "staffing.csv", "forecast.png", "patience.csv")


def _form(error: str = "") -> tuple[str, int]:
    return render_template(
        "planning/forecast.html",
        error=error,
        formats=FORMATS,
        date_orders=DATE_ORDERS,
        intervals=INTERVALS,
        last=last_run("forecast", "forecast.csv"),
    ), 400 if error else 200


def forecast() -> tuple[str, int]:
    return _form()


def forecast_start() -> ResponseReturnValue:
    folder = new_run("forecast")

    def prepare() -> Prepared:
        fmt = request.form.get("format", "auto")
        dates = request.form.get("dates", "auto")
        if dates not in DATE_ORDERS:
            raise VeroError(f"use {', '.join(DATE_ORDERS)}", field="dates")
        interval = int(form_number("interval", 30, 15, 60))
        if interval not in INTERVALS:
            raise VeroError(f"use {', '.join(map(str, INTERVALS))} minutes", field="interval")
        horizon = int(form_number("horizon_days", 14, 1, 366))
        path = save_upload("history", folder, "history.csv")
        centre = services().centre
        history = load_history(path, fmt, tz=centre.tz, defaults=HISTORY_DEFAULTS, dates=dates)
        if history.used == 0:
            raise VeroError(f"no usable history rows ({history.summary()})", source=str(path))
        return forecast_job, (history, centre, interval, horizon, current_language())

    return start_or_explain("forecast", folder, prepare, _form, "planning.forecast_run")


def forecast_job(
    history: History,
    centre: Centre,
    interval: int,
    horizon: int,
    lang: str,
    *,
    folder: Path,
    say: Say,
) -> dict[str, str]:
    """Forecast, chart (in the language of the supervisor who started it) and backtest table;
    then the staffing requirement the roster page can use (a forecast the centre cannot staff
    still shows, with the reason), with the patience estimated from the history's waits where
    it has them."""
    say("forecast.step.models")
    run = forecast_history(history, centre, interval_minutes=interval, horizon_days=horizon)
    say("forecast.step.files")
    write_frame(run.frame, folder / "forecast.csv")
    write_frame(run.backtest_table(), folder / "backtest.csv")
    write_chart(run, folder / "forecast.png", lang)
    patience = history_patience([folder / "history.csv"], HISTORY_DEFAULTS, folder / "patience.csv")
    say("forecast.step.staffing")
    options = PlanOptions(channel_patience={} if patience is None else channel_patience(patience))
    try:
        staffing = plan_forecast(read_forecast(folder / "forecast.csv", centre), centre, options)
    except VeroError as exc:
        return {"staffing_error": jobs.shown_error(exc, folder)}
    write_frame(staffing, folder / "staffing.csv")
    return {}


def forecast_run(run_id: str) -> str:
    folder = run_folder("forecast", run_id)
    status = read_status("forecast", folder)
    backtest = None
    if status["state"] == "done" and (folder / "backtest.csv").stat().st_size > 1:
        backtest = model_rows(chosen_models(pd.read_csv(folder / "backtest.csv")))
    return render_template(
        "planning/forecast_run.html",
        run_id=run_id,
        status=status,
        text=status_text(status),
        backtest=backtest,
        has_staffing=(folder / "staffing.csv").is_file(),
        published=request.args.get("published", type=int),
        has_patience=(folder / "patience.csv").is_file(),
    )


def chosen_models(backtest: pd.DataFrame) -> pd.DataFrame:
    """The backtest rows with `chosen`: the model each series forecasts with, the one of
    lowest mean WAPE over the horizons (as `Backtest.best` picks it)."""
    series = ["channel", "queue", "language"]
    mean = backtest.groupby([*series, "model"], as_index=False)["wape"].mean()
    best = mean.loc[mean.groupby(series)["wape"].idxmin(), [*series, "model"]]
    marked = backtest.merge(best.assign(chosen=True), on=[*series, "model"], how="left")
    return marked.assign(chosen=marked["chosen"].eq(True))


def model_rows(backtest: pd.DataFrame) -> list[dict[str, object]]:
    """The model table as the page shows it: series, model and metrics in the page's language
    (a dash where a metric is undefined, e.g. MASE without a seasonal naive scale)."""
    lang, centre = here(), services().centre

    def queue(name: str) -> str:
        return queue_label(centre, name) if name in centre.queues else name

    def known(prefix: str, value: str) -> str:
        key = f"{prefix}.{value}"
        return lang.text(key) if lang.knows(key) else value

    def share(value: float, signed: bool = False) -> str:
        if pd.isna(value):
            return "–"
        return ("+" if signed and value > 0 else "") + lang.percent(value, 1)

    return [
        {
            "series": " / ".join(
                (known("channel", r.channel), queue(r.queue), known("lang", r.language))
            ),
            "model": r.model,
            "name": known("forecast.model", r.model),
            "help": known("forecast.model_help", r.model),
            "chosen": r.chosen,
            "horizon": r.horizon,
            "wape": share(r.wape),
            "mase": lang.number(r.mase, 2),
            "bias": share(r.bias, signed=True),
        }
        for r in backtest.itertuples()
    ]


def add_routes(bp: Blueprint) -> None:
    """The page's routes on the planning blueprint (its login guard and CSRF check apply)."""
    bp.add_url_rule("/forecast", view_func=forecast, methods=["GET"])
    bp.add_url_rule("/forecast", view_func=forecast_start, methods=["POST"])
    bp.add_url_rule("/forecast/<run_id>", view_func=forecast_run, methods=["GET"])
    add_run_routes(bp, "forecast", "/forecast", lambda folder: FORECAST_FILES)
    intraday.add_routes(bp)  # publishing a run for the wallboard's intraday panel
