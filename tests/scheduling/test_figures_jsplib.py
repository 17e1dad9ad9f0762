"""Plan figures (Gantt, energy against tariff) and the JSPLIB loader."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from optimizer.scheduling import (
    Changeover,
    Mode,
    ScheduleDataError,
    SolveOptions,
    jsplib_index,
    load_jsplib,
    parse_jsplib,
    plans_frame,
    solve_schedule,
)
from optimizer.scheduling.figures import energy_figure, gantt_figure

from .conftest import make_data


@pytest.fixture(scope="module")
def outcome():
    step = [Mode(0, 2, energy_kwh=60.0), Mode(1, 3, energy_kwh=60.0)]
    data = make_data([[step, [Mode(2, 1, energy_kwh=5.0)]]] * 3, machines=3,
                     products=("A", "B"), job_products=[0, 1, 0],
                     changeovers=[Changeover(0, 0, 1, 1), Changeover(1, 0, 1, 1),
                                  Changeover(0, 1, 0, 1), Changeover(1, 1, 0, 1)],
                     breaks={2: [(0, 1)]}, horizon=24, tariff=[(0, 8, 0.3)],
                     default_price=0.1, power_cap_kw=45.0)
    data = replace(data, start=dt.datetime(2025, 3, 3, 6))
    return solve_schedule(data, SolveOptions(("makespan_h",), 1, 3.0, 1, 0))


def test_gantt_has_a_row_per_machine_and_a_bar_per_step(outcome, tmp_path) -> None:
    frame = plans_frame(outcome)
    fig = gantt_figure(frame, outcome.data, colors={"A": "red"})
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["M0", "M1", "M2"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["A", "B"] and "changeover" in labels and "unavailable" in labels
    steps = len(frame)
    breaks = sum(len(m.breaks) for m in outcome.data.machines)
    changeovers = int((frame["changeover_h"] > 0).sum())
    assert len(ax.patches) == steps + breaks + changeovers
    fig.savefig(tmp_path / "gantt.png")
    assert (tmp_path / "gantt.png").stat().st_size > 1000


def test_energy_figure_shows_power_tariff_and_cap(outcome, tmp_path) -> None:
    frame = plans_frame(outcome)
    fig = energy_figure(frame, outcome.data)
    ax, twin = fig.axes
    assert ax.get_ylabel() == "power [kW]"
    assert "EUR/kWh" in twin.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["power drawn", "power cap", "tariff"]
    drawn = ax.patches[0]  # the stairs of total power
    assert max(drawn.get_data().values) <= outcome.data.power_cap_kw + 1e-9
    fig.savefig(tmp_path / "energy.png")
    with pytest.raises(ValueError, match="no plan"):
        energy_figure(frame, outcome.data, plan=99)


def test_jsplib_index_and_loader(jsplib: Path) -> None:
    index = jsplib_index(jsplib)
    assert index["ft06"].optimum == 55 and index["ft06"].best_known == 55
    assert index["ta11"].optimum is None and index["ta11"].best_known is not None
    data = load_jsplib("ft10", jsplib)
    assert (data.num_jobs, data.num_machines, data.num_tasks) == (10, 10, 100)
    with pytest.raises(ScheduleDataError, match="unknown instance"):
        load_jsplib("ft99", jsplib)


@pytest.mark.parametrize("text", ["", "2 2\n0 1 1\n", "2 2\n0 1 5 1\n1 1 0 1\n",
                                  "1 1\n0 x\n"])
def test_parse_jsplib_rejects_bad_text(text: str) -> None:
    with pytest.raises(ScheduleDataError):
        parse_jsplib(text)


def test_ft06_to_optimum_through_solve_schedule(jsplib: Path) -> None:
    data = load_jsplib("ft06", jsplib)
    result = solve_schedule(data, SolveOptions(("makespan_h",), 1, 10.0, 2, 0)).plans[0]
    assert result.objectives["makespan_h"] == 55 and result.gap == 0
