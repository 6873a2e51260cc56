"""Every console page and every HTML report, in Indonesian and in English, shows no
untranslated text: no catalogue key leaking through (`plan.heading` where a heading belongs),
and on the Indonesian side none of the English words a half-translated page shows.

The pages are found from the app's URL map (every GET rule of the console, planning, what-if
and desk blueprints answering HTML), so a page added later is checked without a change here;
pages needing data get it as a supervisor would make it: a complaint, an agent, and finished
forecast, roster and what-if runs done by a real `vero worker`. Text is what a person reads:
element text and the human-facing attributes (title, alt, placeholder, aria-label), never
scripts, styles, ids, class names or data attributes, and never file names or user data such as
queue and agent ids."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from tests.console.conftest import add_agent, enqueue
from tests.console.test_cases_console import file_complaint
from tests.console.test_planning import AGENTS, finish, start, upload
from tests.simulations.helpers import write_morning
from tests.wfm.test_forecast_cli import router_history
from tests.wfm.test_plan import run_plan, write_inputs
from vero.cli import cli
from vero.kernel.language import LANGUAGES, language

BLUEPRINTS = ("console", "planning", "whatif", "desk")
# endpoints serving files, not pages (the reports among them are read on their own)
FILES = ("_file", ".static", "_recording")
SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
FILE_ENDINGS = ("csv", "json", "html", "png", "xlsx", "ics", "yaml", "js", "css", "pdf")
KEY = re.compile(r"(?<![\w./@:-])[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+(?![\w/@-])")
# English a half-translated Indonesian page shows (whole words, case as written); words
# Indonesian uses as its own (Model, Target, Status, Interval, Bias, Email) are not here
ENGLISH = (
    "Service level",
    "service level",
    "Waiting",
    "waiting",
    "Shift",
    "shift",
    "Forecast",
    "forecast",
    "Agents",
    "agents",
    "Queue",
    "Offered",
    "offered",
    "Abandoned",
    "abandoned",
    "Occupancy",
    "Scenario",
    "Difference",
    "missed",
    "Download",
    "Replications",
    "replications",
    "below target",
    "hours",
    "minutes",
    "seconds",
    "iteration",
    "Weekday",
    "Seasonal",
    "Error",
    "mstl",
    "seasonal_naive",
    "weekday_mean",
    "weekday_median",
    "daily_profile",
)
FILE_NAME = re.compile(rf"[\w.-]+\.(?:{'|'.join(FILE_ENDINGS)})\b")
WAPE_ALONE = re.compile(r"(?<!\()WAPE|WAPE(?!\))")


class Reading(HTMLParser):
    """The text a person reads on a page: element text and the human-facing attributes, not
    scripts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.texts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data)


def read(page: str) -> list[str]:
    parser = Reading()
    parser.feed(page)
    return parser.texts


PREFIXES = frozenset(key.split(".")[0] for code in LANGUAGES for key in language(code).keys(""))


def leaked_keys(text: str) -> list[str]:
    """Catalogue-looking ids in a text: a known key prefix, not a file name."""
    return [
        word
        for word in KEY.findall(text)
        if word.split(".")[0] in PREFIXES and word.rsplit(".", 1)[1] not in FILE_ENDINGS
    ]


def untranslated(page: str, lang: str) -> list[str]:
    """What on `page` reads as untranslated in `lang`, one line per finding."""
    found = []
    for text in (FILE_NAME.sub(" ", text) for text in read(page)):
        found += [f"key {key!r} in {text.strip()[:80]!r}" for key in leaked_keys(text)]
        if lang != "id":
            continue
        for word in ENGLISH:
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                found.append(f"English {word!r} in {text.strip()[:80]!r}")
        if WAPE_ALONE.search(text):
            found.append(f"WAPE without its Indonesian name in {text.strip()[:80]!r}")
    return found


def test_the_checker_sees_keys_and_english_but_not_data_or_file_names():
    page = """<h1>plan.heading</h1><p title="Waiting calls">Antrean</p>
    <script>const x = "wall.queue";</script><a href="f">forecast.csv</a>
    <td data-model="mstl">Dekomposisi musiman (MSTL)</td><th>Galat (WAPE)</th><td>WAPE</td>
    <td>voice-id</td><td>ayu@example.com</td>"""
    found = untranslated(page, "id")
    assert any("'plan.heading'" in line for line in found)
    assert any("'Waiting'" in line for line in found)
    assert sum("WAPE" in line for line in found) == 1
    assert not any("wall.queue" in line or "forecast.csv" in line for line in found)
    assert untranslated(page, "en") == ["key 'plan.heading' in 'plan.heading'"]


def page_rules(app: Flask) -> list[tuple[str, str, list[str]]]:
    """(endpoint, rule, its arguments) of every GET rule of the page blueprints."""
    return sorted(
        (rule.endpoint, rule.rule, sorted(rule.arguments))
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint.split(".")[0] in BLUEPRINTS
    )


def made_runs(supervisor: FlaskClient, folder: Path) -> dict[str, dict[str, str]]:
    """A finished forecast, roster and what-if run per language, started by the supervisor
    in that language (a run's charts and report are in its starter's language)."""
    history = folder / "contacts.csv"
    router_history(history)
    runs: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        forecast = start(
            supervisor,
            f"/console/forecast?lang={lang}",
            {"history": upload(history.read_bytes(), "contacts.csv"), "horizon_days": "7"},
        )
        finish(supervisor, forecast)
        roster = start(
            supervisor,
            f"/console/roster?lang={lang}",
            {
                "requirements_from": "forecast",
                "agents": upload(AGENTS, "agents.csv"),
                "time_limit": "5",
            },
        )
        finish(supervisor, roster)
        whatif = start(
            supervisor,
            f"/console/whatif/?lang={lang}",
            {"base": "last", "change": "callbacks", "callbacks": "on", "replications": "2"},
        )
        finish(supervisor, whatif)
        runs[lang] = {
            "planning.forecast": forecast.rsplit("/", 1)[1],
            "planning.roster": roster.rsplit("/", 1)[1],
            "whatif.whatif": whatif.rsplit("/", 1)[1],
        }
    return runs


def run_id(endpoint: str, runs: dict[str, str]) -> str | None:
    """The run an endpoint of a run page (`planning.forecast_run`, `whatif.whatif_status`)
    shows."""
    return next((rid for prefix, rid in runs.items() if endpoint.startswith(prefix + "_")), None)


def test_every_console_page_and_run_reads_in_both_languages(
    app: Flask, supervisor: FlaskClient, worker, tmp_path: Path
):
    token = add_agent(app)
    enqueue(app, "t-all-pages")
    ref = file_complaint(supervisor)
    runs = made_runs(supervisor, tmp_path)
    agent = app.test_client()
    assert agent.post("/desk/login", data={"token": token}).status_code == 302
    anonymous = app.test_client()
    findings, checked, unfilled = [], set(), []
    for lang in LANGUAGES:
        for endpoint, rule, arguments in page_rules(app):
            values = {"ref": ref, "run_id": run_id(endpoint, runs[lang])}
            if any(values.get(name) is None for name in arguments):
                if not endpoint.endswith(FILES):
                    unfilled.append(rule)
                continue
            url = rule
            for name in arguments:
                url = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), url)
            client = (
                anonymous
                if "login" in endpoint
                else agent
                if endpoint.startswith("desk.")
                else supervisor
            )
            reply = client.get(url, query_string={"lang": lang})
            if reply.mimetype != "text/html" or reply.status_code != 200:
                reply.close()  # JSON, CSV, an event stream or a redirect: not a page
                continue
            checked.add(endpoint)
            findings += [f"{lang} {url}: {line}" for line in untranslated(reply.text, lang)]
        for kind, rid in runs[lang].items():
            if kind == "whatif.whatif":
                report = supervisor.get(f"/console/whatif/{rid}/files/report.html")
                assert report.status_code == 200
                findings += [
                    f"{lang} what-if report.html: {line}"
                    for line in untranslated(report.text, lang)
                ]
    assert not unfilled, f"pages this test cannot fill in: {unfilled}"
    expected = {
        "console.wallboard",
        "console.agents",
        "console.kpis",
        "console.accounts",
        "console.complaints",
        "console.complaints_case",
        "console.login",
        "planning.forecast",
        "planning.forecast_run",
        "planning.roster",
        "planning.roster_run",
        "whatif.whatif",
        "whatif.whatif_run",
        "desk.desk",
        "desk.login",
    }
    assert expected <= checked, f"not rendered: {sorted(expected - checked)}"
    assert not findings, "\n".join(findings)


def write_cli_reports(here: Path) -> dict[str, Path]:
    """`vero simulate` (a busy back office, and callbacks that never fire) and `vero plan`
    reports written with --lang id and --lang en, by name (`whatif-id`, `plan-en`)."""
    write_morning(
        here,
        (
            ("voice", "general", "id", 60, 180, "voice-id", 9),
            ("email", "backoffice", "id", 40, 3000, "backoffice", 1),
        ),
        end_hour=11,
    )
    (here / "s.yaml").write_text(
        "base: {forecast: forecast.csv, staffing: staffing.csv, replications: 2, seed: 5}\n"
        "scenarios: [{name: callbacks on, changes: [{callbacks: true}]},\n"
        "  {name: short-staffed, changes: [{remove_agents: {group: voice-id, count: 3}}]}]\n",
        encoding="utf-8",
    )
    write_inputs(here)
    reports = {}
    for lang in LANGUAGES:
        out = here / f"whatif-{lang}"
        result = CliRunner().invoke(
            cli,
            [
                "simulate",
                str(here / "s.yaml"),
                "--out-dir",
                str(out),
                "--workers",
                "1",
                "--lang",
                lang,
            ],
        )
        assert result.exit_code == 0, result.output
        reports[f"whatif-{lang}"] = out / "report.html"
        plan = here / f"plan-{lang}"
        result = run_plan(here, plan, "--max-iterations", "1", "--lang", lang)
        assert result.exit_code == 0, result.output
        reports[f"plan-{lang}"] = plan / "report.html"
    return reports


@pytest.fixture(scope="module")
def cli_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_cli_reports(tmp_path_factory.mktemp("reports"))


@pytest.mark.parametrize(
    "name", [f"{kind}-{lang}" for kind in ("whatif", "plan") for lang in LANGUAGES]
)
def test_every_cli_report_reads_in_its_language(cli_reports: dict[str, Path], name: str):
    page = cli_reports[name].read_text(encoding="utf-8")
    lang = name.rsplit("-", 1)[1]
    assert f'<html lang="{lang}">' in page
    assert untranslated(page, lang) == []


def test_the_desk_countdown_says_seconds_as_the_other_pages_do(app: Flask):
    agent = app.test_client()
    assert agent.post("/desk/login", data={"token": add_agent(app)}).status_code == 302
    countdown = re.compile(r'data-field="expires_in"></span>\s*(\w+)</span>')
    assert countdown.findall(agent.get("/desk/?lang=id").text) == ["dtk"]
    assert countdown.findall(agent.get("/desk/?lang=en").text) == ["s"]
