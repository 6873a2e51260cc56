"""`vero forecast`: history files → forecast CSV, chart PNG and backtest report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
import matplotlib
import pandas as pd
from rich.console import Console
from rich.progress import Progress

from vero.kernel.centre import load_centre
from vero.kernel.chart_axes import number_axis, time_axis
from vero.kernel.csv_columns import write_frame
from vero.kernel.errors import VeroError
from vero.kernel.language import Language, language, language_option
from wfm.forecast.calendar import load_events
from wfm.forecast.history import FORMATS, SUMMARY_ISSUES, combine, load_history
from wfm.forecast.models import MODELS
from wfm.forecast.pipeline import ForecastRun, forecast_history
from wfm.patience import describe, history_patience

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

SHOWN_ISSUES = 20
F = TypeVar("F", bound=Callable[..., object])


def date_order_option(command: F) -> F:
    """`--dayfirst/--monthfirst` for every command that reads history files: the answer to a
    file whose dates (02/11/2026) could be read either way."""
    return click.option(
        "--dayfirst/--monthfirst",
        "dayfirst",
        default=None,
        help="Dates with the year last (02/11/2026) are day/month (--dayfirst) or month/day "
        "(--monthfirst); needed only when no date in the file tells (a day over 12).",
    )(command)


def date_order(dayfirst: bool | None) -> str:
    """The `dates` argument of `load_history` for the flag's value (None: from the data)."""
    return "auto" if dayfirst is None else "dayfirst" if dayfirst else "monthfirst"


@click.command("forecast")
@click.option(
    "--history",
    "histories",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="History CSV (separated by commas, semicolons or tabs; a decimal comma is "
    "detected); repeat for several files (e.g. the router's daily files).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="vero: router contact records; contacts: any CSV with a timestamp column; "
    "twilio: Twilio console call-log export; counts: interval counts "
    "(start,calls; start in centre local time).",
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="ROLE=NAME",
    help="For --format contacts: column of a role (timestamp, channel, queue, "
    "language, handle); detected from common names when omitted.",
)
@click.option(
    "--interval",
    type=click.Choice(["15", "30", "60"]),
    default="30",
    show_default=True,
    help="Interval length in minutes.",
)
@click.option(
    "--horizon-days",
    type=click.IntRange(1, 366),
    default=14,
    show_default=True,
    help="Number of days to forecast.",
)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First forecast day (YYYY-MM-DD); default the day after the history ends.",
)
@click.option(
    "--model",
    type=click.Choice(["auto", *MODELS]),
    default="auto",
    show_default=True,
    help="auto picks the lowest backtest WAPE per series.",
)
@click.option(
    "--backtest-report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write WAPE, MASE and bias per model and horizon to this CSV.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default="forecast.csv",
    show_default=True,
    help="Forecast CSV (open intervals only).",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default="forecast.png",
    show_default=True,
    help="Chart PNG: recent history, forecast and its band.",
)
@click.option(
    "--centre",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Centre definition YAML; default the reference cosmetics centre.",
)
@click.option(
    "--events",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Event days (YAML list or CSV: name, date YYYY-MM-DD or MM-DD, optional factor, closed).",
)
@click.option(
    "--channel", default="voice", show_default=True, help="Channel for inputs that have none."
)
@click.option(
    "--queue", default="general", show_default=True, help="Queue for inputs that have none."
)
@click.option(
    "--language", default="id", show_default=True, help="Language for inputs that have none."
)
@click.option(
    "--aht-seconds",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Handle time used when the history has none.",
)
@date_order_option
@language_option("the chart; --language is the history's")
def forecast(
    histories: tuple[Path, ...],
    fmt: str,
    columns: tuple[str, ...],
    interval: str,
    horizon_days: int,
    start: dt.datetime | None,
    model: str,
    backtest_report: Path | None,
    out: Path,
    chart: Path,
    centre: Path | None,
    events: Path | None,
    channel: str,
    queue: str,
    language: str,
    aht_seconds: float,
    dayfirst: bool | None,
    lang: str,
) -> None:
    """Forecast contact volume and handle time per interval from history."""
    console = Console(stderr=True)
    centre_def = load_centre(centre)
    defaults = {"channel": channel, "queue": queue, "language": language}
    named = dict(_role(text) for text in columns)
    loaded = combine(
        [
            load_history(
                p,
                fmt,
                tz=centre_def.tz,
                defaults=defaults,
                columns=named,
                dates=date_order(dayfirst),
            )
            for p in histories
        ]
    )
    console.print(f"history: {loaded.summary()}")
    for issue in loaded.issues[SUMMARY_ISSUES:SHOWN_ISSUES]:  # the first ones are in the summary
        console.print(f"  skipped {issue}", markup=False)
    if loaded.skipped > SHOWN_ISSUES:
        console.print(f"  ... and {loaded.skipped - SHOWN_ISSUES} more")
    if loaded.used == 0:
        raise VeroError("no usable history rows", source=str(histories[0]))
    event_list = load_events(events) if events else []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("backtesting", total=None)
        run = forecast_history(
            loaded,
            centre_def,
            interval_minutes=int(interval),
            horizon_days=horizon_days,
            start=start.date() if start else None,
            model=model,
            events=event_list,
            default_aht=aht_seconds,
            tick=lambda: progress.advance(task),
        )
    if run.outside_hours:
        console.print(
            f"{run.outside_hours:.0f} contacts arrived outside opening hours (not forecast)"
        )
    words = Language(lang)  # `language` here is the history's default language
    for series in run.series:
        cover = "–" if pd.isna(series.coverage) else words.percent(series.coverage)
        note = f" ({series.note})" if series.note else ""
        name = f"forecast.model.{series.model}"
        console.print(
            words.text(
                "forecast.series_line",
                series="/".join(series.key),
                model=words.text(name) if words.knows(name) else series.model,
                coverage=cover,
            )
            + note
        )
    write_frame(run.frame, out)
    if backtest_report:
        write_frame(run.backtest_table(), backtest_report)
    write_chart(run, chart, lang)
    console.print(f"wrote {out} ({len(run.frame)} intervals) and {chart}")
    patience = history_patience(histories, defaults, out.parent / "patience.csv")
    if patience is not None:
        for line in describe(patience):
            console.print(f"patience: {line}", markup=False, soft_wrap=True)
        console.print(f"wrote {out.parent / 'patience.csv'}")


def _role(text: str) -> tuple[str, str]:
    role, sep, name = text.partition("=")
    if not sep or not name:
        raise VeroError(f"--column expects ROLE=NAME, got {text!r}")
    return role.strip(), name.strip()


def write_chart(run: ForecastRun, path: Path, lang: str = "id") -> None:
    """Total volume per interval over all series: the last four weeks of history, then the
    forecast with its band; titles, legend and ticks in `lang`."""
    words = language(lang)
    history = sum(s.matrix.volume.stack() for s in run.series)
    history.index = history.index.get_level_values(0) + pd.to_timedelta(
        history.index.get_level_values(1), unit="min"
    )
    history = _on_grid(history[history.index >= history.index.max() - pd.Timedelta(days=28)])
    totals = run.frame.groupby("interval_start")[["volume", "volume_lo", "volume_hi"]].sum()
    totals.index = pd.to_datetime(totals.index.str.slice(0, 19))
    totals = _on_grid(totals)
    when = totals.index
    fig, ax = plt.subplots(figsize=(12, 4))
    ax.plot(
        history.index, history.to_numpy(), lw=0.7, color="grey", label=words.text("chart.history")
    )
    ax.fill_between(
        when,
        totals["volume_lo"],
        totals["volume_hi"],
        color="tab:blue",
        alpha=0.25,
        label=words.text("chart.band", share=words.percent(0.9)),
    )
    ax.plot(when, totals["volume"], lw=0.9, color="tab:blue", label=words.text("chart.forecast"))
    ax.set_ylabel(words.text("chart.contacts_per_interval"))
    ax.set_title(words.text("chart.forecast_title"), loc="left")
    number_axis(ax.yaxis, words)
    time_axis(ax.xaxis, words, weekly=True)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _on_grid(values: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Put values on a regular time grid so closed hours show as breaks, not sloping lines."""
    step = pd.Series(values.index).diff().min()
    return values.reindex(pd.date_range(values.index.min(), values.index.max(), freq=step))
