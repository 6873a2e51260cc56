"""What `vero report` shows besides its CSV: a summary table on the terminal (rich) and a chart
PNG beside the CSV (matplotlib), both in the report's language (`--lang`)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from rich.table import Table  # noqa: E402

from vero.kernel.language import Language  # noqa: E402
from wfm.kpi import ALL  # noqa: E402


def _share(lang: Language, value: float | None) -> str:
    return "—" if value is None else lang.percent(value, 1)


def kpi_table(rows: list[dict], lang: Language) -> Table:
    """One line per period, channel and queue; the centre's total in bold."""
    table = Table(title=lang.text("report.cli_title"), title_justify="left")
    for key, right in (
        ("report.cli_start", False),
        ("report.cli_channel", False),
        ("report.cli_queue", False),
        ("report.cli_contacts", True),
        ("report.cli_answered", True),
        ("report.cli_abandoned", True),
        ("report.cli_service_level", True),
        ("report.cli_response", True),
        ("report.cli_csat", True),
    ):
        table.add_column(lang.text(key), justify="right" if right else "left")
    for row in rows:
        total = row["channel"] == ALL
        mean, csat = row["response_mean_seconds"], row["csat_mean"]
        goal = row["service_level_goal"]
        level = _share(lang, row["service_level"])
        if goal is not None and row["service_level"] is not None:
            colour = "green" if row["service_level"] >= goal else "red"
            level = f"[{colour}]{level}[/] / {lang.percent(goal)}"
        table.add_row(
            row["start"],
            lang.text("report.cli_all") if total else _channel(lang, row["channel"]),
            lang.text("report.cli_all") if row["queue"] == ALL else row["queue"],
            lang.number(row["contacts"], 0),
            lang.number(row["answered"], 0),
            lang.number(row["abandoned"], 0),
            level,
            "—" if mean is None else lang.duration(mean),
            "—" if csat is None else lang.number(csat, 1),
            style="bold" if total else None,
        )
    return table


def adherence_table(rows: list[dict], lang: Language) -> Table:
    """Adherence and conformance per day, group and agent (groups and the centre in bold)."""
    table = Table(title=lang.text("report.cli_adherence_title"), title_justify="left")
    for key, right in (
        ("report.cli_day", False),
        ("report.cli_group", False),
        ("report.cli_agent", False),
        ("report.cli_adherence", True),
        ("report.cli_conformance", True),
        ("report.cli_exceptions", True),
    ):
        table.add_column(lang.text(key), justify="right" if right else "left")
    for row in rows:
        total = row["agent"] == ALL
        table.add_row(
            row["day"],
            lang.text("report.cli_all") if row["group"] == ALL else row["group"],
            lang.text("report.cli_all") if total else f"{row['name']} ({row['agent']})",
            _share(lang, row["adherence"]),
            _share(lang, row["conformance"]),
            lang.text(
                "report.cli_exception_count",
                count=row["exceptions"],
                span=lang.duration(row["exception_minutes"] * 60),
            ),
            style="bold" if total else None,
        )
    return table


def _channel(lang: Language, channel: str) -> str:
    key = f"channel.{channel}"
    return lang.text(key) if lang.knows(key) else channel


def write_chart(rows: list[dict], adherence: list[dict], path: Path, lang: Language) -> None:
    """Contacts per period and channel (stacked bars) with the centre's service level; below
    it, when given, the centre's adherence and conformance per day."""
    panels = 2 if adherence else 1
    figure, axes = plt.subplots(panels, 1, figsize=(10, 4 * panels), squeeze=False)
    top = axes[0][0]
    starts = sorted({r["start"] for r in rows})
    by_channel: dict[str, dict[str, float]] = defaultdict(dict)
    level: dict[str, float] = {}
    for row in rows:
        if row["channel"] == ALL:
            if row["service_level"] is not None:
                level[row["start"]] = row["service_level"] * 100
            continue
        slot = by_channel[row["channel"]]
        slot[row["start"]] = slot.get(row["start"], 0.0) + row["contacts"]
    bottom = [0.0] * len(starts)
    for channel, counts in sorted(by_channel.items()):
        heights = [counts.get(s, 0.0) for s in starts]
        top.bar(starts, heights, bottom=bottom, label=_channel(lang, channel))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    top.set_ylabel(lang.text("report.cli_contacts"))
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_title(lang.text("report.cli_chart_title"))
    if level:
        right = top.twinx()
        right.plot(list(level), list(level.values()), color="black", marker="o")
        right.set_ylabel(lang.text("report.cli_service_level") + " (%)")
        right.set_ylim(0, 105)
    if by_channel:
        top.legend(loc="upper left", fontsize="small")
    if adherence:
        low = axes[1][0]
        centre = [r for r in adherence if r["group"] == ALL and r["agent"] == ALL]
        places = range(len(centre))
        for shift, (field, key) in enumerate(
            (("adherence", "report.cli_adherence"), ("conformance", "report.cli_conformance"))
        ):
            values = [0.0 if r[field] is None else r[field] * 100 for r in centre]
            bars = low.bar([p + (shift - 0.5) * 0.4 for p in places], values, 0.4)
            bars.set_label(lang.text(key))
            low.bar_label(bars, [_share(lang, r[field]) for r in centre], fontsize="small")
        low.set_xticks(list(places), [r["day"] for r in centre])
        low.set_ylabel("%")
        low.set_ylim(0, 115)
        low.set_title(lang.text("report.cli_adherence_title"))
        low.legend(loc="lower left", fontsize="small")
    for row_axes in axes:
        row_axes[0].tick_params(axis="x", labelrotation=30)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
