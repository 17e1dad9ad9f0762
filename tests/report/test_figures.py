"""Report figures: orientation, units in labels, palette, plans on either time axis."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from optimizer.api import load_run
from optimizer.figures import PALETTE
from optimizer.report import figures as rf
from optimizer.report.content import expand_tariff, make_figures


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_parallel_coordinates_put_better_up() -> None:
    values = np.array([[90.0, 300.0], [80.0, 250.0], [85.0, 275.0]])
    fig = rf.parallel_coordinates_figure(
        values, ["yield", "energy"], ["%", "kWh/t"], ["maximize", "minimize"],
        recommended=np.array([False, False, True]), practice=np.array([84.0, 290.0]),
        labels=["A", "B", "C"])
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 2]
    recipe_a = lines[0].get_ydata()
    # A has the best yield (top of axis 0) and the worst energy (bottom of axis 1)
    assert recipe_a[0] == pytest.approx(1.0) and recipe_a[1] == pytest.approx(0.0)
    rec = [ln for ln in lines if to_hex(ln.get_color()) == PALETTE[3].lower()]
    assert len(rec) == 1 and rec[0].get_ydata() == pytest.approx([0.5, 0.5])
    practice = [ln for ln in lines if ln.get_linestyle() == "--"]
    assert practice[0].get_ydata() == pytest.approx([0.4, 0.2])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["yield\n[%] ↑", "energy\n[kWh/t] ↓"]


def test_parallel_coordinates_reject_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"values must be \(n, 3\)"):
        rf.parallel_coordinates_figure(np.zeros((4, 2)), ["a", "b", "c"], ["", "", ""],
                                       [None, None, None])


def test_energy_profile_integrates_to_the_plan_energy() -> None:
    plan = pd.DataFrame({"start": [0.0, 2.0, 4.0], "end": [4.0, 6.0, 5.0],
                         "energy_kwh": [400.0, 200.0, 50.0], "machine": ["R1", "R2", "F1"]})
    tariff = pd.DataFrame({"start": [0.0, 3.0], "end": [3.0, 8.0], "price": [0.1, 0.3]})
    fig = rf.energy_figure(plan, tariff=tariff)
    ax = fig.axes[0]
    step = ax.patches[0]
    verts = step.get_path().vertices
    # integrate the drawn power curve: 100 kW for 2 h, 150 kW for 2 h, 100 + 50 kW for 1 h...
    xs, ys = verts[:, 0], verts[:, 1]
    area = sum((xs[i + 1] - xs[i]) * ys[i] for i in range(len(xs) - 1) if xs[i + 1] > xs[i])
    assert area == pytest.approx(650.0)
    assert ax.get_ylabel() == "power [kW]"
    assert fig.axes[1].get_ylabel() == "energy price [currency/kWh]"


def test_gantt_accepts_timestamps() -> None:
    plan = pd.DataFrame({"machine": ["R1", "R1", "F1"], "order": ["O1", "O2", "O1"],
                         "product": ["A", "B", "A"],
                         "start": ["2026-03-02 06:00", "2026-03-02 12:00", "2026-03-02 11:00"],
                         "end": ["2026-03-02 11:00", "2026-03-02 18:00", "2026-03-02 12:30"]})
    fig = rf.gantt_figure(plan, title="week 10")
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == ["F1", "R1"]
    assert ax.get_xlabel() == "time [date]"
    colours = {to_hex(p.get_facecolor()) for p in ax.patches}
    assert colours == {PALETTE[0].lower(), PALETTE[1].lower()}


def test_model_figures_label_units(make_run) -> None:
    run = load_run(make_run())
    acc = rf.accuracy_figure(run.model_metrics)
    assert acc.axes[0].get_ylabel() == "R² on held-out rows [–]"
    cal = rf.calibration_figure(run.coverage)
    bars = cal.axes[0].patches[:4]
    assert [round(b.get_height(), 2) for b in bars] == [0.91, 0.95, 0.93, 0.62]
    curves = rf.calibration_figure({}, curves={"y": ([0.5, 0.9], [0.45, 0.8])})
    assert curves.axes[0].get_xlabel() == "nominal coverage [–]"
    sens = run.sensitivities
    assert sens is not None
    heat = rf.sensitivity_figure(sens)
    assert heat.axes[0].images[0].get_array().shape == (7, 4)


def test_run_plot_helpers(make_run) -> None:
    run = load_run(make_run())
    fig = run.plot_front()
    assert len(fig.axes) >= 3
    fig, ax = plt.subplots()
    run.plot_front(["energy_kwh_per_t", "yield_pct"], ax=ax)
    assert ax.get_xlabel() == "energy_kwh_per_t [kWh/t] ↓"
    assert ax.get_ylabel() == "yield_pct [%] ↑"
    par = run.plot_parallel(["yield_pct", "impurity_pct"], highlight=["R001"])
    assert par.axes[0].get_xticklabels()[1].get_text() == "impurity_pct\n[%]"
    gantt = run.plot_plan(2)
    assert gantt.axes[0].get_title() == "Plan 2"


WEEK_TARIFF = {"default_price": 0.2, "currency": "EUR", "periods": [
    {"start": "22:00:00", "end": "06:00:00", "price": 0.1},
    {"start": "17:00", "end": "20:00", "price": 0.35, "days": ["mon", "tue", "wed", "thu",
                                                               "fri"]}]}


def test_expand_tariff_over_a_weekend() -> None:
    steps = expand_tariff(WEEK_TARIFF, pd.Timestamp("2026-03-06 12:00"),  # a Friday
                          pd.Timestamp("2026-03-08 08:00"))
    assert steps["price"].tolist() == [0.2, 0.35, 0.2, 0.1, 0.2, 0.1, 0.2]
    assert steps["start"].iloc[0] == pd.Timestamp("2026-03-06 12:00")
    assert steps["end"].iloc[-1] == pd.Timestamp("2026-03-08 08:00")
    assert (steps["start"].iloc[1:].to_numpy() == steps["end"].iloc[:-1].to_numpy()).all()
    # Saturday has no evening peak
    assert not ((steps["start"].dt.day_of_week == 5) & (steps["price"] == 0.35)).any()


def test_plans_with_dates_are_drawn_against_the_tariff(make_run) -> None:
    path = make_run(plans=True)
    plans = pd.read_csv(path / "plans.csv")
    t0 = pd.Timestamp("2026-03-02 06:00")
    for col in ("start", "end"):
        plans[col] = [(t0 + pd.Timedelta(hours=h)).isoformat() for h in plans[col]]
    plans.to_csv(path / "plans.csv", index=False)
    info = json.loads((path / "run.json").read_text())
    info["scenario"]["scheduling"] = {"tariff": WEEK_TARIFF}
    (path / "run.json").write_text(json.dumps(info))
    figures = make_figures(load_run(path))
    energy = [f for f in figures if f.path.name == "energy_plan_1.png"]
    assert len(energy) == 1 and "against the energy price" in energy[0].caption
