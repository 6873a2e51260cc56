"""Work for the job tests: slow enough to be watched, cancelled or orphaned while it runs."""

from __future__ import annotations

import time
from pathlib import Path

from vero.web.jobs import Say


def count_slowly(steps: int, pause: float, *, folder: Path, say: Say) -> dict[str, str]:
    for done in range(steps):
        say("whatif.step.replications", done_count=str(done), total=str(steps))
        time.sleep(pause)
    (folder / "figures.json").write_text(
        '{"kpis": [], "replications": 0, "scenarios": [], "targets": {}}', encoding="utf-8"
    )
    return {}
