"""`vero staff`: a forecast CSV → required agents per interval and staffing group (CSV, PNG)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.progress import track

from vero.kernel.centre import Centre, load_centre
from vero.kernel.chart_axes import time_axis
from vero.kernel.csv_columns import readable, write_frame
from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows, interval_fields
from vero.kernel.language import language, language_option
from wfm.erlang import SL_CONVENTIONS, SLConvention
from wfm.patience import from_records
from wfm.staffing import Model
from wfm.staffing_plan import DEFAULT_PATIENCE_SECONDS, PlanOptions, plan_group

FORECAST_COLUMNS = (
    "interval_start",
    "interval_minutes",
    "channel",
    "queue",
    "language",
    "volume",
    "volume_lo",
    "volume_hi",
    "aht_seconds",
)


@click.command("staff")
@click.option(
    "--forecast",
    "forecast_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Forecast CSV written by `vero forecast` (interval_start, interval_minutes, "
    "channel, queue, language, volume, volume_lo, volume_hi, aht_seconds).",
)
@click.option(
    "--centre",
    "centre_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Centre definition YAML (default: the reference cosmetics centre). Gives the "
    "staffing groups, each channel's target and chat concurrency.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Requirement CSV to write (default: print it to standard output).",
)
@click.option(
    "--chart",
    "chart_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PNG chart of required agents per interval and group.",
)
@language_option("the chart")
@click.option(
    "--model",
    type=click.Choice(["erlang-c", "erlang-a"]),
    default="erlang-a",
    show_default=True,
    help="Queue model: Erlang C (nobody hangs up) or Erlang A (callers abandon).",
)
@click.option(
    "--patience",
    default=None,
    metavar="SECONDS|CHANNEL=SECONDS,...",
    help="Mean patience in seconds before abandoning (Erlang A): one value for every channel "
    "(e.g. 90), or per channel (e.g. voice=60,chat=300), or both (90,chat=300). Channels not "
    "named use the centre's channels.<channel>.patience_seconds, else "
    f"{DEFAULT_PATIENCE_SECONDS:g} s.",
)
@click.option(
    "--patience-from",
    "patience_paths",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Contact records (Vero's contact CSVs, or any CSV with wait_seconds and an outcome or "
    "abandoned column; repeat for several files): each channel's mean patience is estimated "
    "from them (total wait / abandonments, answered contacts censored) and used for Erlang A. "
    "A CHANNEL=SECONDS of --patience still wins; channels with too few abandonments keep "
    "theirs.",
)
@click.option(
    "--sl-convention",
    "convention",
    type=click.Choice(SL_CONVENTIONS),
    default=None,
    help="Erlang A service level: answered within the target over all offered contacts "
    "(abandoners fail), over offered minus short abandons, or over answered contacts "
    "(default: each channel's service_level_formula in the centre).",
)
@click.option(
    "--short-abandon-seconds",
    type=click.FloatRange(min=0),
    default=None,
    help="With --sl-convention offered_minus_short_abandons: contacts abandoning within this "
    "many seconds are left out (default: the channel's answer target).",
)
@click.option(
    "--max-abandonment",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="Also staff until at most this share of offered contacts abandons (Erlang A).",
)
@click.option(
    "--shrinkage",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.3,
    show_default=True,
    help="Share of paid time off the phones (breaks, training, absence): rostered "
    "agents = on-seat agents / (1 - shrinkage).",
)
@click.option(
    "--max-occupancy",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.85,
    show_default=True,
    help="Highest share of time an on-seat agent may be busy.",
)
@click.option(
    "--fractional",
    is_flag=True,
    help="Write interpolated fractional requirements instead of whole agents "
    "(for planning; the roster needs whole agents).",
)
def staff(
    forecast_path: Path,
    centre_path: Path | None,
    out_path: Path | None,
    chart_path: Path | None,
    lang: str,
    model: Model,
    patience: str | None,
    patience_paths: tuple[Path, ...],
    convention: SLConvention | None,
    short_abandon_seconds: float | None,
    max_abandonment: float | None,
    shrinkage: float,
    max_occupancy: float,
    fractional: bool,
) -> None:
    """Turn a contact forecast into required agents per interval and staffing group."""
    centre = load_centre(centre_path)
    every_channel, per_channel = parse_patience(patience or "", centre)
    progress = Console(stderr=True)
    if patience_paths:
        estimated, lines = from_records(patience_paths, centre.channels)
        for line in lines:
            progress.print(line, markup=False, soft_wrap=True)
        per_channel = {**estimated, **per_channel}
    if short_abandon_seconds is not None and convention != "offered_minus_short_abandons":
        raise VeroError(
            "applies only with --sl-convention offered_minus_short_abandons",
            field="--short-abandon-seconds",
        )
    rows = read_forecast(forecast_path, centre)
    options = PlanOptions(
        model,
        every_channel,
        shrinkage,
        max_occupancy,
        fractional,
        convention,
        short_abandon_seconds,
        max_abandonment,
        per_channel,
    )
    if model == "erlang-a":
        used = ", ".join(
            f"{channel} {options.patience_for(centre, channel):g} s"
            for channel in sorted(rows["channel"].unique())
        )
        progress.print(f"patience used: {used}", soft_wrap=True)
    result = plan_forecast(
        rows,
        centre,
        options,
        centre_path,
        lambda groups: track(groups, description="Staffing", console=progress),
    )
    if chart_path is not None:
        write_chart(result, chart_path, lang)
    if out_path is None:
        click.echo(readable(result).to_csv(index=False), nl=False)
    else:
        try:
            write_frame(result, out_path)
        except OSError as exc:
            raise VeroError(f"cannot write: {exc.strerror}", source=str(out_path)) from exc
        progress.print(
            f"{len(result)} rows for {result['group'].nunique()} group(s) written to {out_path}"
        )


def parse_patience(text: str, centre: Centre) -> tuple[float | None, dict[str, float]]:
    """`--patience` as (one value for every channel or None, per-channel values): items
    separated by commas, each SECONDS or CHANNEL=SECONDS, seconds > 0, channels of the centre."""
    every: float | None = None
    per_channel: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        channel, _, value = item.rpartition("=")
        channel = channel.strip()
        if channel and channel not in centre.channels:
            raise VeroError(
                f"unknown channel {channel!r}; the centre has {', '.join(centre.channels)}",
                field="--patience",
            )
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds > 0):
            raise VeroError(
                f"{item!r}: patience must be a number of seconds > 0", field="--patience"
            )
        if channel:
            per_channel[channel] = seconds
        else:
            every = seconds
    return every, per_channel


def plan_forecast(
    rows: pd.DataFrame,
    centre: Centre,
    options: PlanOptions,
    centre_path: Path | None = None,
    each_group: Callable[[list[str]], Iterable[str]] = iter,
) -> pd.DataFrame:
    """Required agents per interval and group for `read_forecast` rows, sorted by time; shared
    by this command and the console's forecast page (`each_group` wraps a progress bar)."""
    _check_targets(rows, centre, centre_path)
    plans = [
        plan_group(rows[rows["group"] == group], group, centre, options)
        for group in each_group(sorted(rows["group"].unique()))
    ]
    return pd.concat(plans).sort_values(["interval_start", "group"], kind="stable")


def read_forecast(path: Path, centre: Centre) -> pd.DataFrame:
    """The validated forecast rows with their staffing group; any bad row raises a VeroError."""
    records = []
    seen: dict[tuple[dt.datetime, str, str, str], int] = {}
    minutes: int | None = None
    for line, row in csv_rows(path, FORECAST_COLUMNS):
        record = _parse_row(row, line, path, centre)
        if minutes is not None and record["interval_minutes"] != minutes:
            raise VeroError(
                f"{record['interval_minutes']} differs from {minutes} on earlier rows",
                source=str(path),
                line=line,
                field="interval_minutes",
            )
        minutes = record["interval_minutes"]
        key = (record["interval_start"], record["channel"], record["queue"], record["language"])
        if key in seen:
            raise VeroError(
                f"duplicate interval for this series (line {seen[key]})",
                source=str(path),
                line=line,
                field="interval_start",
            )
        seen[key] = line
        records.append(record)
    return pd.DataFrame.from_records(records)


def _parse_row(row: dict[str, str], line: int, path: Path, centre: Centre) -> dict:
    def fail(message: str, field: str) -> VeroError:
        return VeroError(message, source=str(path), line=line, field=field)

    text = {name: row[name] for name in FORECAST_COLUMNS}
    start, minutes = interval_fields(row, path, line)
    channel, queue, language = text["channel"], text["queue"], text["language"]
    if channel not in centre.channels:
        raise fail(
            f"unknown channel {channel!r}; the centre has {', '.join(centre.channels)}", "channel"
        )
    group = centre.staffing_group(channel, queue, language)
    if group is None:
        raise fail(
            f"no staffing group covers channel {channel!r}, queue {queue!r}, language {language!r}",
            "queue",
        )
    volume = _number(text["volume"], lambda v: v >= 0, ">= 0", fail, "volume")
    aht = _number(
        text["aht_seconds"],
        lambda v: v > 0 or (v == 0 and volume == 0),
        "> 0 (0 only with zero volume)",
        fail,
        "aht_seconds",
    )
    return {
        "interval_start": start.astimezone(centre.tz),
        "interval_minutes": minutes,
        "channel": channel,
        "queue": queue,
        "language": language,
        "group": group,
        "volume": volume,
        "aht_seconds": aht,
    }


def _number(
    text: str,
    valid: Callable[[float], bool],
    rule: str,
    fail: Callable[[str, str], VeroError],
    field: str,
) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise fail(f"{text!r} is not a number", field) from exc
    if not math.isfinite(value) or not valid(value):
        raise fail(f"must be a finite number {rule}, got {text}", field)
    return value


def _check_targets(rows: pd.DataFrame, centre: Centre, centre_path: Path | None) -> None:
    """A 100 % service level can never be staffed for: say so before searching for it."""
    for channel in sorted(rows["channel"].unique()):
        if centre.channels[channel].service_level >= 1:
            raise VeroError(
                "must be below 1 to compute a staffing requirement",
                source=str(centre_path or "reference centre"),
                field=f"channels.{channel}.service_level",
            )


def write_chart(result: pd.DataFrame, path: Path, lang: str = "id") -> None:
    """Required (rostered) agents per interval, one step line per group; closed hours (no
    forecast rows) are left as gaps rather than drawn as the last open interval's level.
    Titles and ticks in `lang`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(14, 5))
    for group, part in result.groupby("group", sort=True):
        minutes = int(part["interval_minutes"].iloc[0])
        agents = part.set_index("interval_start")["required_agents"].asfreq(f"{minutes}min")
        ax.step(agents.index, agents.to_numpy(dtype=float), where="post", label=group)
    words = language(lang)
    ax.set_xlabel(words.text("chart.interval_start"))
    ax.set_ylabel(words.text("chart.required_agents"))
    ax.set_title(words.text("chart.required_title"), loc="left")
    time_axis(ax.xaxis, words, result["interval_start"].iloc[0].tzinfo)
    ax.legend()
    ax.grid(alpha=0.3)
    try:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    except OSError as exc:
        raise VeroError(f"cannot write the chart: {exc.strerror}", source=str(path)) from exc
    finally:
        plt.close(fig)
