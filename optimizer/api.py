"""The Python API for notebooks and scripts.

Two entry points::

    from optimizer.api import load_run, run_scenario

    run = run_scenario("scenarios/batch_reactor/scenario.yaml", out="runs/demo")
    run.pareto                      # one row per Pareto-optimal recipe (DataFrame)
    run.recommended()               # the recommended recipe(s)
    run.filter(impurity_pct=(None, 1.6), yield_pct=(90, None))
    run.query("energy_kwh_per_t < 300 and support_distance < 0.2")
    run.compare(["R003", "R010"])   # side by side, with current practice
    run.plot_front(); run.plot_parallel()
    run.model_metrics; run.data_quality_columns; run.warnings

    run = load_run("runs/demo")     # read an existing run folder
    build_report("runs/demo")       # report.html, report.pdf, report.xlsx

Nothing here prints; bad input raises :class:`~surrogates.errors.InputError`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from optimizer.report import ReportFiles, build_report
from optimizer.report.rundata import ObjectiveInfo, Run, RunWarning, load_run

if TYPE_CHECKING:
    from optimizer.scenario import Scenario

__all__ = [
    "ObjectiveInfo",
    "ReportFiles",
    "Run",
    "RunWarning",
    "build_report",
    "default_run_folder",
    "load_run",
    "load_scenario",
    "run_scenario",
]


def load_scenario(path: str | Path, *, overrides: Mapping[str, Any] | None = None
                  ) -> Scenario:
    """Read and validate a scenario file (see :func:`optimizer.scenario.load_scenario`).

    Args:
        path: The YAML file.
        overrides: Top-level keys to replace, e.g. ``{"search": {"pop_size": 60,
            "generations": 40}}`` for a quick look.

    Raises:
        ScenarioError: The file is missing or does not validate.
    """
    from optimizer.scenario import load_scenario as _load

    return _load(path, overrides=overrides)


def default_run_folder(name: str) -> Path:
    """``runs/<scenario name>`` (as the command line), relative to the working folder."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
    return Path("runs") / slug


def run_scenario(scenario: Scenario | str | Path, out: str | Path | None = None,
                 seed: int | None = None, *,
                 stages: Literal["run", "train", "optimize", "schedule"] = "run",
                 overrides: Mapping[str, Any] | None = None,
                 report: bool = False) -> Run:
    """Run the pipeline without the command line and load the run folder.

    Args:
        scenario: A validated :class:`~optimizer.scenario.Scenario`, or a scenario file.
        out: The run folder (default: ``runs/<scenario name>``). A model stored there is
            reused when its data hash and settings match.
        seed: Seed for training and search (overrides the scenario's).
        stages: ``"run"`` (everything), ``"train"`` (data + surrogate) or ``"optimize"``
            (search with the folder's stored model).
        overrides: Top-level scenario keys to replace (only with a file path), e.g.
            ``{"surrogate": {"hidden": [32, 32], "max_epochs": 40}}``.
        report: Also build ``report.html``/``.pdf``/``.xlsx`` in the folder.

    Returns:
        The run folder, loaded. When no recipe meets the constraints, the
        least-infeasible ones are returned and a :class:`UserWarning` says which
        constraints conflict (``run.warnings`` holds it too).

    Raises:
        ScenarioError: The scenario file is missing or invalid.
        InputError: Bad logs or model files, or ``overrides`` given with a Scenario.
    """
    from optimizer.exceptions import InfeasibleError
    from optimizer.pipeline import run_pipeline
    from surrogates.errors import InputError

    path: Path | None = None
    if isinstance(scenario, str | Path):
        path = Path(scenario)
        changes = dict(overrides or {})
        if seed is not None:
            changes["seed"] = seed
        scn = load_scenario(path, overrides=changes or None)
    else:
        if overrides:
            raise InputError("overrides apply to a scenario file, not to a Scenario object",
                             location="run_scenario(overrides=...)",
                             hint="use scenario.model_copy(update=...) or pass the file path")
        scn = scenario.model_copy(update={"seed": seed}) if seed is not None else scenario
    folder = Path(out) if out is not None else default_run_folder(scn.name)
    try:
        run_pipeline(scn, folder, stages=stages,
                     scenario_path=path.resolve() if path is not None else None)
    except InfeasibleError as exc:
        warnings.warn(str(exc), UserWarning, stacklevel=2)
    if report and stages != "train":
        build_report(folder)
    return load_run(folder)
