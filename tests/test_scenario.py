"""Scenario files: the bundled ones load; bad ones fail with file and field named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from optimizer.exceptions import ScenarioError
from optimizer.scenario import load_scenario, scenario_json_schema
from scenarios import bundled, names

from .conftest import BUNDLED, write_scenario


def test_every_bundled_scenario_loads() -> None:
    assert "batch_reactor" in names()
    for name in names():
        scenario = load_scenario(bundled(name))
        assert scenario.logs_path.is_file()
        assert len(scenario.objectives) >= 2


def test_schema_is_json_and_forbids_unknown_keys() -> None:
    schema = scenario_json_schema()
    json.dumps(schema)
    assert schema["additionalProperties"] is False
    assert {"logs", "setpoints", "objectives"} <= set(schema["required"])


def _mutate(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    data["logs"]["path"] = str(BUNDLED.parent / data["logs"]["path"])
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _set(path: list, value):
    def edit(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def _first_setpoint(data) -> str:
    return next(iter(data["setpoints"]))


@pytest.mark.parametrize(("edit", "fragments"), [
    # an unknown key at the top level
    (_set(["colour"], "blue"), ["colour", "unknown key"]),
    # an unknown key inside a section
    (_set(["search", "popsize"], 10), ["search.popsize", "unknown key"]),
    # inverted bounds on a setpoint
    (lambda d: d["setpoints"][_first_setpoint(d)].update(lower=10, upper=5),
     ["setpoints.", "must be below upper"]),
    # an objective over a name that is not a column
    (_set(["objectives"], [{"name": "profit", "sense": "maximize",
                            "expression": "price * yield_pct"}]), ["unknown name 'price'"]),
    # a sense that is neither minimize nor maximize
    (_set(["objectives"], [{"name": "yield_pct", "sense": "up"}]), ["objectives[0].sense"]),
    # a constraint with no bound
    (_set(["constraints"], [{"expression": "impurity_pct"}]), ["constraints[0]", "needs"]),
    # a column used twice
    (lambda d: d["context"].update({_first_setpoint(d): {"value": 1}}), ["in both"]),
    # a choice setpoint without choices
    (lambda d: d["setpoints"][_first_setpoint(d)].update(type="choice"), ["choices"]),
    # line without a line column
    (lambda d: d["logs"].pop("line_column"), ["line_column"]),
    # negative seed
    (_set(["seed"], -1), ["seed"]),
    # an input encoding the surrogate does not know
    (_set(["surrogate", "input_encoding"], "pieces"),
     ["surrogate.input_encoding", "'auto', 'linear' or 'piecewise'"]),
    (_set(["surrogate", "encoding_bins"], 0), ["surrogate.encoding_bins"]),
])
def test_bad_scenarios_name_file_and_field(tmp_path: Path, edit, fragments) -> None:
    path = _mutate(tmp_path, edit)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(("content", "fragment"), [
    ("", "empty"),  # an empty file
    ("logs: [unclosed\n", "not valid YAML"),  # not YAML
    ("- a\n- b\n", "mapping"),  # YAML, but a list
    ("\x00\x01binary", "not valid YAML"),  # binary junk
])
def test_unreadable_files(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_seed_override_and_relative_paths(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    scenario = load_scenario(path, overrides={"seed": 42})
    assert scenario.seed == 42
    assert scenario.normalized()["seed"] == 42
