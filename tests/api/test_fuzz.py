"""The fuzz run: schemathesis generates requests from `/api/openapi.json` (bodies that fit the
schemas and bodies that do not, odd path and query values) and sends them to the app in-process
(WSGI); no route may answer 5xx. Bounded: FUZZ_EXAMPLES per operation and generation mode; the
`fuzz_long` marker runs ten times as many (`pytest -m fuzz_long tests/api`).

The app has a known agent, a waiting task and an open complaint case, so that some generated
requests reach past the 404 of an unknown id; every request carries the supervisor's token.
(Schemathesis' own pytest integration, `from_fixture`, does not run under pytest 9, so each
operation's strategy is drawn with Hypothesis' `@given` here.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.api.conftest import FUZZ_TALLY, SUPERVISOR
from vero.web.openapi import ROUTES

FUZZ_EXAMPLES = 20
OPERATIONS = [(r.method, r.path) for r in ROUTES if r.path != "/api/openapi.json"]


def _seeded(app, client):
    client.put(
        "/api/agents/ayu",
        json={"skills": {"general": 3, "complaints": 3}, "languages": ["id", "en"]},
        headers=SUPERVISOR,
    )
    client.post(
        "/api/tasks",
        json={"id": "t-1", "channel": "chat", "queue": "general", "language": "id"},
        headers=SUPERVISOR,
    )
    client.post("/api/complaints", json={"email": "a@b.co", "description": "pecah"})
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


def _fuzz(app, client, method: str, path: str, examples: int) -> None:
    operation = _seeded(app, client)[path][method]
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        response = case.call(headers=SUPERVISOR)
        FUZZ_TALLY["requests"] += 1
        # /readyz answers 503 by design here: no dispatcher runs beside the test app
        failed = response.status_code >= 500 and not (
            case.formatted_path == "/readyz" and response.status_code == 503
        )
        FUZZ_TALLY["5xx"] += failed
        assert not failed, (case.method, case.formatted_path, case.body, response.text[:300])

    run()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_route_answers_5xx(app, client, method, path):
    _fuzz(app, client, method, path, FUZZ_EXAMPLES)


@pytest.mark.fuzz_long
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_route_answers_5xx_long(app, client, method, path):
    _fuzz(app, client, method, path, FUZZ_EXAMPLES * 10)
