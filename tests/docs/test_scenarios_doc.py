"""docs/scenarios.md names every field of every model of a scenario file, each in the section
of its place in the YAML, so the doc cannot fall behind `simulations/scenario.py`."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import yaml
from pydantic import BaseModel

from simulations import scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
SECTIONS = {  # model -> the heading of its section
    scenario.ScenarioFile: "The file",
    scenario.Base: "`base`",
    scenario.BehaviourSpec: "`base.behaviour`",
    scenario.HandleSpec: "`base.behaviour.handle`",
    scenario.ClassSpec: "`base.behaviour.classes.<name>`",
    scenario.ClosingSpec: "`base.behaviour.closing`",
    scenario.ScenarioSpec: "`scenarios[]`",
    scenario.Change: "`scenarios[].changes[]`",
    scenario.RemoveAgents: "`remove_agents`",
    scenario.AddAgents: "`add_agents`",
    scenario.Routing: "`routing`",
}


def sections() -> dict[str, str]:
    """Heading -> the text under it, to the next heading."""
    parts = re.split(r"^#{2,3} (.+)$", DOC.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_model_of_the_scenario_file_has_its_section():
    models = {
        model
        for _, model in inspect.getmembers(scenario, inspect.isclass)
        if issubclass(model, BaseModel)
        and model.__module__ == scenario.__name__
        and not model.__name__.startswith("_")
    }
    assert models == set(SECTIONS)
    assert set(SECTIONS.values()) <= set(sections())


def test_every_field_is_a_row_of_its_section_with_its_allowed_values():
    text = sections()
    for model, heading in SECTIONS.items():
        rows = {
            line.split("|")[1].strip()
            for line in text[heading].splitlines()
            if line.startswith("| `")
        }
        for name, field in model.model_fields.items():
            assert f"`{field.alias or name}`" in rows, f"{heading}: {field.alias or name}"
    assert all(
        f"`{kind}`" in text["`base.behaviour.handle`"]
        for kind in ("lognormal", "exponential", "empirical")
    )
    assert all(f"`{policy}`" in text["`base.behaviour.closing`"] for policy in ("serve", "abandon"))
    assert all(f"`{action}`" in text["`scenarios[].changes[]`"] for action in scenario.ACTIONS)


def test_every_example_is_a_valid_part_of_a_scenario_file():
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 6
    for block in blocks:
        data = yaml.safe_load(block)
        if isinstance(data, list):
            for change in data:
                scenario.Change.model_validate(change)
        elif "base" in data:
            scenario.ScenarioFile.model_validate(data)
        elif "changes" in data:
            for change in data["changes"]:
                scenario.Change.model_validate(change)
        else:
            scenario.BehaviourSpec.model_validate(data)
