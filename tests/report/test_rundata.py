"""The run-folder reader behind the Python API: tables, helpers, warnings, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.api import load_run
from surrogates.errors import InputError


def test_load_run_reads_every_table(make_run) -> None:
    run = load_run(make_run())
    assert run.name == "batch-reactor-L1"
    assert len(run.pareto) == 24
    assert run.pareto["recommended"].dtype == bool
    assert run.plans is not None and set(run.plans["plan"]) == {1, 2}
    assert run.plan_ids() == [1, 2]
    assert list(run.plan(2)["plan"].unique()) == [2]
    assert run.setpoint_names[0] == "reactor_temp_C"
    assert run.unit("reactor_temp_C") == "°C"
    assert run.unit("energy_kwh_per_t_std") == "kWh/t"
    assert run.label("yield_pct") == "yield_pct [%]"
    assert run.trust_radius == pytest.approx(0.35)


def test_objectives_map_to_their_columns(make_run) -> None:
    run = load_run(make_run())
    objs = run.objectives
    assert [o.column for o in objs] == ["objective_yield_pct", "objective_energy_kwh_per_t",
                                        "objective_material_kg_per_t"]
    assert [o.sense for o in objs] == ["maximize", "minimize", "minimize"]
    assert all(o.is_outcome for o in objs)
    assert run.objective_values().shape == (24, 3)


def test_model_metrics_join_the_baseline(make_run) -> None:
    metrics = load_run(make_run()).model_metrics
    assert list(metrics.index) == ["yield_pct", "energy_kwh_per_t", "material_kg_per_t",
                                   "impurity_pct"]
    assert metrics.loc["yield_pct", "r2"] == pytest.approx(0.93)
    assert metrics.loc["yield_pct", "baseline_r2"] == pytest.approx(0.78)


def test_sensitivities_and_data_quality_tables(make_run) -> None:
    run = load_run(make_run())
    sens = run.sensitivities
    assert sens is not None and sens.shape == (7, 4)
    cols = run.data_quality_columns
    assert cols.loc["yield_pct", "missing"] == 80
    assert run.dropped_rows == {"duplicate": 12, "missing_outcome": 80, "out_of_limits": 72}
    assert run.row_counts == {"read": 4004, "kept": 3840}


def test_sensitivities_in_matrix_form(make_run) -> None:
    path = make_run()
    card_path = path / "model" / "model_card.json"
    card = json.loads(card_path.read_text())
    card["sensitivities"] = {"features": ["a", "b", "c"], "outcomes": ["y", "z"],
                             "values": [[1, 2, 3], [4, 5, 6]]}
    card_path.write_text(json.dumps(card))
    sens = load_run(path).sensitivities
    assert sens is not None
    assert sens.loc["c", "z"] == 6 and sens.loc["a", "y"] == 1


def test_warnings_name_poor_fit_overconfidence_and_drift(make_run) -> None:
    warnings = load_run(make_run()).warnings
    sources = [w.source for w in warnings]
    text = " ".join(w.message for w in warnings)
    assert sources.count("model") == 2 and sources.count("data") == 2
    assert "impurity_pct" in text and "R² = 0.41" in text and "62%" in text
    assert "drifts down" in text
    assert len({w.message for w in warnings}) == len(warnings)


def test_extrapolation_and_infeasibility_are_warned(make_run) -> None:
    path = make_run()
    pareto = pd.read_csv(path / "pareto.csv")
    pareto.loc[[0, 1, 2], "support_distance"] = 0.9
    pareto.loc[pareto["recommended"], "batch_time_h"] = 7.5
    pareto.to_csv(path / "pareto.csv", index=False)
    info = json.loads((path / "run.json").read_text())
    info["summary"]["feasible"] = False
    (path / "run.json").write_text(json.dumps(info))
    warnings = load_run(path).warnings
    assert warnings[0].source == "search"
    extra = [w.message for w in warnings if w.source == "extrapolation"]
    assert any(m.startswith("3 of 24 recipes") for m in extra)
    assert any("batch_time_h (trained on 1–6)" in m for m in extra)


def test_minimal_folder_has_no_optional_tables(make_run) -> None:
    run = load_run(make_run(plans=False, quality=False, card=False, pareto=False))
    assert run.pareto.empty and run.plans is None and run.plan_summary is None
    assert run.model_metrics.empty and run.sensitivities is None
    assert run.data_quality_columns.empty
    assert run.recommended().empty
    assert run.warnings == []
    with pytest.raises(InputError, match="scheduling did not run"):
        run.plan(1)


def test_recommended_filter_query_compare(make_run) -> None:
    run = load_run(make_run())
    rec = run.recommended()
    assert rec["recipe_id"].tolist() == ["R013"]
    low_imp = run.filter(impurity_pct=(None, 1.5), yield_pct=(88.0, None))
    assert len(low_imp) > 0
    assert (low_imp["impurity_pct"] <= 1.5).all() and (low_imp["yield_pct"] >= 88).all()
    q = run.query("impurity_pct <= 1.5 and yield_pct >= 88")
    assert q["recipe_id"].tolist() == low_imp["recipe_id"].tolist()
    assert run.filter(line="L1").shape[0] == 24
    table = run.compare(["R001", "R013"])
    assert list(table.columns) == ["R001", "R013", "current practice"]
    assert table.loc["reactor_temp_C [°C]", "current practice"] == 182.0
    assert table.loc["yield_pct [%]", "current practice"] == 88.0
    assert "support_distance [σ]" in table.index


@pytest.mark.parametrize(("call", "match"), [
    # a column pareto.csv does not have
    (lambda r: r.filter(nope=(1, 2)), "no column 'nope'"),
    # a bound that is not a pair
    (lambda r: r.filter(yield_pct=(1, 2, 3)), "must be \\(low, high\\)"),
    # an unknown recipe id
    (lambda r: r.compare(["R999"]), "unknown recipe id"),
    # a query that is not an expression
    (lambda r: r.query("yield_pct >"), "cannot parse"),
    # a query naming a column that does not exist
    (lambda r: r.query("__import__('os')"), "query"),
    # an unknown objective
    (lambda r: r.plot_front(["yield_pct", "cost"]), "unknown objective"),
    # a plan that does not exist
    (lambda r: r.plan(7), "no plan 7"),
])
def test_bad_helper_input_raises_input_error(make_run, call, match) -> None:
    run = load_run(make_run())
    with pytest.raises(InputError, match=match):
        call(run)


@pytest.mark.parametrize(("files", "match"), [
    # no folder at all
    ({}, "run folder not found"),
    # a folder without run.json
    ({"pareto.csv": "recipe_id\nR001\n"}, "run.json: file not found"),
    # run.json that is not JSON
    ({"run.json": "{oops"}, "cannot read the JSON file"),
    # run.json holding a list
    ({"run.json": "[1, 2]"}, "expected a JSON object"),
    # pareto.csv without recipe ids
    ({"run.json": "{}", "pareto.csv": "a,b\n1,2\n"}, "missing column\\(s\\) recipe_id"),
    # plans.csv without the machine column
    ({"run.json": "{}", "plans.csv": "plan,start,end\n1,0,1\n"}, "plans.csv: missing column"),
])
def test_bad_run_folders_are_input_errors(tmp_path: Path, files, match) -> None:
    folder = tmp_path / "run"
    if files:
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        load_run(folder)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lo=st.one_of(st.none(), st.floats(80, 95)), hi=st.one_of(st.none(), st.floats(80, 95)))
def test_filter_keeps_exactly_the_rows_within_bounds(make_run, lo, hi) -> None:
    run = load_run(make_run("hypothesis"))
    kept = run.filter(yield_pct=(lo, hi))
    values = run.pareto["yield_pct"].to_numpy()
    expect = np.ones(len(values), bool)
    if lo is not None:
        expect &= values >= lo
    if hi is not None:
        expect &= values <= hi
    assert kept["recipe_id"].tolist() == run.pareto.loc[expect, "recipe_id"].tolist()

