"""The pipeline, one way: logs -> data -> surrogate -> search -> (schedule) -> run folder.

Each stage is a function of typed objects, callable from notebooks and tests; the
command line only adds progress bars and exit codes. Nothing here prints.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from optimizer.decisions import Decision
from optimizer.exceptions import InfeasibleError
from optimizer.figures import pareto_front_figure
from optimizer.pareto import current_practice, pareto_table
from optimizer.problem import SurrogateProblem
from optimizer.runfolder import RunFolder, package_versions
from optimizer.scenario import Scenario
from optimizer.search import SearchProgress, SearchResult, run_search
from optimizer.support import SupportIndex
from surrogates.base import Surrogate
from surrogates.config import EnsembleConfig
from surrogates.dataset import ProcessDataset
from surrogates.errors import InputError, ModelFileError
from surrogates.expressions import Expression
from surrogates.fit import FitResult, model_card
from surrogates.io import load_surrogate, save_surrogate
from surrogates.logdata import CleanLogs, ColumnSpec, clean_logs, read_logs
from surrogates.training import train_for_line

__all__ = [
    "OptimizationResult",
    "PreparedData",
    "ProgressSink",
    "RunSummary",
    "TrainedModel",
    "column_specs",
    "obtain_model",
    "optimize",
    "prepare_data",
    "run_pipeline",
    "schedule",
    "suggest",
    "train",
]

MODEL_DIR = "model"
MIN_ROWS = 30


class ProgressSink(Protocol):
    """Where long stages report progress (the CLI draws bars; the default is silent)."""

    def start(self, description: str, total: int | None) -> None:
        """A stage of ``total`` steps begins."""

    def advance(self, completed: int, info: str = "") -> None:
        """``completed`` steps are done."""

    def stop(self) -> None:
        """The stage is over."""

    def note(self, message: str) -> None:
        """A one-line remark for the user (e.g. why a model is retrained)."""


class _Silent:
    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, completed: int, info: str = "") -> None:
        pass

    def stop(self) -> None:
        pass

    def note(self, message: str) -> None:
        pass


@dataclass
class _Clock:
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0)
                                       + time.perf_counter() - t0, 3)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class PreparedData:
    """Cleaned logs and the model's view of them.

    Attributes:
        clean: The cleaned logs with their data-quality report.
        dataset: Features and outcomes of every usable row (all lines), time-stamped.
        data_hash: SHA-256 over the logs file and every setting that shapes the data.
        line_rows: Boolean mask ``(n,)`` of the rows of the line planned for.
    """

    clean: CleanLogs
    dataset: ProcessDataset
    data_hash: str
    line_rows: np.ndarray

    @property
    def frame(self) -> pd.DataFrame:
        """The cleaned log rows."""
        return self.clean.frame


def column_specs(scenario: Scenario) -> list[ColumnSpec]:
    """The log columns the scenario uses, with their roles and physical limits."""
    specs: list[ColumnSpec] = []
    for role, group in (("setpoint", scenario.setpoints), ("context", scenario.context),
                        ("outcome", scenario.outcomes)):
        for name, spec in group.items():
            lo, hi = spec.limits if spec.limits is not None else (None, None)
            specs.append(ColumnSpec(name=name, role=role, lower_limit=lo, upper_limit=hi))
    if scenario.logs.line_column:
        specs.append(ColumnSpec(name=scenario.logs.line_column, role="line", kind="category"))
    if scenario.logs.group_column:
        specs.append(ColumnSpec(name=scenario.logs.group_column, role="group",
                                kind="category"))
    trial = scenario.logs.cleaning.trial_column
    if trial:
        if trial in {s.name for s in specs} | {scenario.logs.timestamp}:
            raise InputError(f"the trial marker {trial!r} is also a timestamp, line, group,"
                             " setpoint, context or outcome column",
                             file=scenario.logs_path, location="logs.cleaning.trial_column",
                             hint="name the log column that holds 1 on trial rows")
        specs.append(ColumnSpec(name=trial, role="trial", kind="category"))
    return specs


def _line_features(scenario: Scenario, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    col = scenario.logs.line_column
    if not col:
        return {}
    values = frame[col].astype(str)
    return {f"{col}={v}": (values == v).to_numpy(float) for v in sorted(values.unique())}


def prepare_data(scenario: Scenario) -> PreparedData:
    """Read, clean and shape the scenario's logs.

    Raises:
        LogDataError: The logs are missing, unreadable or lack a column.
        InputError: The planned line does not occur in the logs.
    """
    raw = read_logs(scenario.logs_path, column_specs(scenario),
                    time_column=scenario.logs.timestamp, options=scenario.logs.read)
    clean = clean_logs(raw, scenario.logs.cleaning)
    frame = clean.frame
    features = {name: frame[name].to_numpy(float) for name in
                (*scenario.setpoints, *scenario.context)}
    features.update(_line_features(scenario, frame))
    table = pd.DataFrame(features)
    for name in scenario.outcomes:
        table[name] = frame[name].to_numpy(float)
    table["__time"] = frame[scenario.logs.timestamp].to_numpy()
    if len(table) < MIN_ROWS:
        raise InputError(f"only {len(table)} log rows are usable after cleaning; at least"
                         f" {MIN_ROWS} are needed to train and validate a surrogate",
                         file=scenario.logs_path,
                         hint="run `paretoplan validate` to see why rows were dropped")
    dataset = ProcessDataset.from_frame(table, list(features), list(scenario.outcomes),
                                        time_column="__time")
    line_rows = np.ones(len(frame), dtype=bool)
    if scenario.logs.line_column and scenario.logs.line is not None:
        line_rows = (frame[scenario.logs.line_column].astype(str)
                     == scenario.logs.line).to_numpy()
        if not line_rows.any():
            known = ", ".join(sorted(frame[scenario.logs.line_column].astype(str).unique()))
            raise InputError(f"the line {scenario.logs.line!r} has no usable rows in the logs",
                             file=scenario.logs_path, location="logs.line",
                             hint=f"lines in the logs: {known}")
    digest = hashlib.sha256()
    digest.update(raw.sha256.encode() if hasattr(raw, "sha256") else b"")
    settings = scenario.normalized()
    shaping = {k: settings[k] for k in ("setpoints", "context", "outcomes")}
    shaping["logs"] = {k: v for k, v in settings["logs"].items() if k != "path"}
    digest.update(json.dumps(shaping, sort_keys=True).encode())
    return PreparedData(clean, dataset, digest.hexdigest(), line_rows)


# --------------------------------------------------------------------------- surrogate


@dataclass(frozen=True)
class TrainedModel:
    """A surrogate with its model card; ``fit`` is ``None`` when it was reused."""

    surrogate: Surrogate
    card: dict[str, Any]
    fit: FitResult | None = None


def _ensemble_config(scenario: Scenario) -> EnsembleConfig:
    return scenario.surrogate.model_copy(update={"seed": scenario.seed})


def _config_hash(scenario: Scenario) -> str:
    text = _ensemble_config(scenario).model_dump_json()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _trial_rows(scenario: Scenario, data: PreparedData) -> np.ndarray | None:
    """Rows marked as plant trials in the cleaned logs, or ``None``."""
    col = scenario.logs.cleaning.trial_column
    if not col or col not in data.frame:
        return None
    return data.frame[col].fillna(False).astype(bool).to_numpy()


def train(scenario: Scenario, data: PreparedData, progress: ProgressSink | None = None
          ) -> TrainedModel:
    """Fit the surrogate on the cleaned logs: one pooled model, or pretrained on every
    line and fine-tuned on the planned line when it has few rows (see
    :func:`surrogates.training.train_for_line`); judged on the most recent rows."""
    sink = progress or _Silent()
    config = _ensemble_config(scenario)
    col = scenario.logs.line_column
    lines = data.frame[col].astype(str).to_numpy() if col else None
    started = [False]

    def on_stage(description: str, total: int) -> None:
        if started[0]:
            sink.stop()
        sink.start(description, total)
        started[0] = True

    def on_epoch(epoch: int, max_epochs: int, val_loss: float) -> None:
        sink.advance(epoch, f"val loss {val_loss:.4f}")

    try:
        result = train_for_line(data.dataset, config, lines=lines, target=scenario.logs.line,
                                vary=list(scenario.setpoints), trials=_trial_rows(scenario, data),
                                progress=on_epoch, on_stage=on_stage)
    finally:
        if started[0]:
            sink.stop()
    sink.note(f"surrogate: {result.reason}")
    encoding = result.fit.input_encoding
    if encoding.get("reason"):
        sink.note(f"input encoding {encoding['chosen']}: {encoding['reason']}")
    extra = {
        "data_hash": data.data_hash,
        "config_hash": _config_hash(scenario),
        "scenario": scenario.name,
        "line_planned": scenario.logs.line,
        "logs_file": str(scenario.logs_path),
        **result.card,
    }
    card = model_card(result.fit, extra=extra)
    for text in card.get("warnings") or []:
        sink.note(f"warning: {text}")
    return TrainedModel(result.fit.surrogate, card, result.fit)


def save_model(model: TrainedModel, folder: RunFolder) -> None:
    """Store weights, metadata and model card under ``model/`` of the run folder."""
    directory = folder.file(MODEL_DIR)
    save_surrogate(model.surrogate, directory,  # type: ignore[arg-type]
                   metadata={"data_hash": model.card.get("data_hash"),
                             "config_hash": model.card.get("config_hash")})
    folder.write_json(f"{MODEL_DIR}/model_card.json", model.card)


def load_model(directory: Path) -> TrainedModel:
    """Load a stored surrogate and its model card (no pickle).

    Raises:
        ModelFileError: Files missing, tampered or unreadable.
    """
    surrogate = load_surrogate(directory)
    card_path = directory / "model_card.json"
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"cannot read the model card: {exc}", file=card_path,
                             hint="retrain with `paretoplan train`") from None
    return TrainedModel(surrogate, card)


def reusable_model(scenario: Scenario, data: PreparedData, directory: Path
                   ) -> tuple[TrainedModel | None, str]:
    """A stored model that fits this data and scenario, or ``None`` and the reason why not."""
    if not (directory / "model.json").exists():
        return None, "no stored model"
    model = load_model(directory)
    if model.card.get("data_hash") != data.data_hash:
        return None, "the logs or data settings changed since the model was trained"
    if model.card.get("config_hash") != _config_hash(scenario):
        return None, "the surrogate settings or seed changed since the model was trained"
    if tuple(model.surrogate.feature_names) != data.dataset.feature_names or tuple(
            model.surrogate.outcome_names) != data.dataset.outcome_names:
        return None, "the model's inputs or outcomes differ from the scenario's"
    return model, "data hash and schema match"


def obtain_model(scenario: Scenario, data: PreparedData, folder: RunFolder, *,
                 require_stored: bool = False, reuse: bool = True,
                 progress: ProgressSink | None = None) -> TrainedModel:
    """The run folder's model when it fits the data and scenario, else a new one (saved).

    Raises:
        ModelFileError: ``require_stored`` and no fitting model is stored, or the stored
            files are tampered with.
    """
    sink = progress or _Silent()
    model_dir = folder.file(MODEL_DIR)
    if require_stored:
        model, reason = reusable_model(scenario, data, model_dir)
        if model is None:
            raise ModelFileError(f"cannot use the stored model: {reason}", file=model_dir,
                                 hint="run `paretoplan train` (or `run`) into this folder"
                                 " first")
        sink.note(f"reusing the model in {model_dir} ({reason})")
        return model
    if reuse:
        model, reason = reusable_model(scenario, data, model_dir)
        if model is not None:
            sink.note(f"reusing the model in {model_dir} ({reason})")
            return model
        sink.note(f"training a new model ({reason})")
    model = train(scenario, data, sink)
    save_model(model, folder)
    return model


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class OptimizationResult:
    """The Pareto recipes and how they were found.

    Attributes:
        pareto: The ``pareto.csv`` table.
        search: NSGA-II statistics.
        logged_objectives: Objective values of the planned line's logged batches,
            ``(n_logged, n_objectives)``, from measured outcomes.
        decisions: The flagged recipes (knee, preferred, beats practice) and why.
        practice: Current practice's setpoints, ``(n_setpoints,)``, if known.
    """

    pareto: pd.DataFrame
    search: SearchResult
    logged_objectives: np.ndarray
    decisions: list[Decision] = field(default_factory=list)
    practice: np.ndarray | None = None
    practice_objectives: np.ndarray | None = None


def logged_objectives(scenario: Scenario, frame: pd.DataFrame) -> np.ndarray:
    """Objective values of logged batches, from their measured outcomes."""
    values = {n: frame[n].to_numpy(float) for n in scenario.variable_names if n in frame}
    cols = [np.broadcast_to(Expression.parse(o.formula, names=values).evaluate(values),
                            (len(frame),)) for o in scenario.objectives]
    return np.column_stack(cols) if cols else np.zeros((len(frame), 0))


def optimize(scenario: Scenario, data: PreparedData, surrogate: Surrogate,
             progress: ProgressSink | None = None) -> OptimizationResult:
    """Search the scenario's setpoints with NSGA-II over the surrogate."""
    sink = progress or _Silent()
    line_frame = data.frame[data.line_rows]
    logged_X = line_frame[list(scenario.setpoints)].to_numpy(float)
    support = SupportIndex.from_points(logged_X)
    problem = SurrogateProblem(scenario, surrogate, support)
    cfg = scenario.search
    sink.start("searching setpoints (NSGA-II)", cfg.generations)

    def on_generation(p: SearchProgress) -> None:
        sink.advance(p.generation, f"front {p.n_front}, HV {p.hypervolume:.4f}")

    try:
        result = run_search(problem, pop_size=cfg.pop_size, generations=cfg.generations,
                            seed=scenario.seed, logged_setpoints=logged_X,
                            stall_generations=cfg.stall_generations,
                            stall_tolerance=cfg.stall_tolerance, progress=on_generation)
    finally:
        sink.stop()
    practice = current_practice(problem, logged_X)
    table, _, decisions = pareto_table(problem, result.X, practice=practice)
    practice_objectives = (problem.evaluate_setpoints(practice[None, :]).objectives[0]
                           if practice is not None else None)
    return OptimizationResult(table, result, logged_objectives(scenario, line_frame),
                              decisions, practice, practice_objectives)


# --------------------------------------------------------------------------- schedule


def schedule(scenario: Scenario, pareto: pd.DataFrame | None, folder: RunFolder,
             progress: ProgressSink | None = None) -> Any:
    """Plan the scenario's orders with CP-SAT and write ``plans.csv``,
    ``plan_summary.csv`` and the Gantt and energy figures of every plan.

    Args:
        scenario: A scenario with a ``scheduling`` section.
        pareto: The Pareto recipes (``pareto.csv``) for products with ``use_pareto``;
            ``None`` to use only the fixed recipes of the scenario.
        folder: The run folder.
        progress: Progress sink.

    Returns:
        The :class:`~optimizer.scheduling.ScheduleOutcome`.

    Raises:
        InputError: Bad orders (CSV rows, unknown products, missing recipe columns).
        RuntimeError: A written plan fails the independent plan validator (a bug).
    """
    from optimizer.scheduling import (
        build_schedule_data,
        plan_summary_frame,
        plans_frame,
        solve_schedule,
        validate_plans,
    )
    from optimizer.scheduling.figures import energy_figure, gantt_figure

    cfg = scenario.scheduling
    assert cfg is not None
    sink = progress or _Silent()
    data = build_schedule_data(cfg, {"*": pareto} if pareto is not None else None,
                               base_dir=scenario.base_dir)
    sink.start("scheduling orders (CP-SAT)", cfg.n_plans)

    def on_solve(done: int, total: int, message: str) -> None:
        sink.advance(done, message)

    try:
        outcome = solve_schedule(data, cfg, progress=on_solve)
    finally:
        sink.stop()
    plans = plans_frame(outcome)
    problems = validate_plans(plans, data) if len(plans) else []
    if problems:
        raise RuntimeError("a plan failed the independent plan check: "
                           + "; ".join(problems[:5]))
    folder.write_csv("plans.csv", plans)
    folder.write_csv("plan_summary.csv", plan_summary_frame(outcome))
    for plan_id in plans["plan"].unique() if len(plans) else []:
        folder.write_figure(f"gantt_plan_{plan_id}.png", gantt_figure(plans, data,
                                                                      plan=plan_id))
        folder.write_figure(f"energy_plan_{plan_id}.png", energy_figure(plans, data,
                                                                        plan=plan_id))
    return outcome


# --------------------------------------------------------------------------- run folder


@dataclass(frozen=True)
class RunSummary:
    """What a pipeline run produced."""

    folder: Path
    n_recipes: int
    feasible: bool
    warnings: list[str]
    timings: dict[str, float]


def _write_front(folder: RunFolder, scenario: Scenario, opt: OptimizationResult) -> None:
    names = [o.name for o in scenario.objectives]
    cols = [o.name if o.name in opt.pareto else f"objective_{o.name}"
            for o in scenario.objectives]
    front = opt.pareto[cols].to_numpy(float)
    fig = pareto_front_figure(front, names, [o.unit for o in scenario.objectives],
                              [o.sense for o in scenario.objectives],
                              logged=opt.logged_objectives,
                              recommended=opt.pareto["recommended"].to_numpy(bool),
                              title=f"{scenario.name}: Pareto front vs logged batches")
    folder.write_figure("pareto_front.png", fig)


def run_pipeline(scenario: Scenario, out: str | Path, *, stages: str = "run",
                 progress: ProgressSink | None = None,
                 scenario_path: Path | None = None) -> RunSummary:
    """Run the pipeline into a run folder.

    Args:
        scenario: The validated scenario.
        out: The run folder.
        stages: ``"run"`` (everything), ``"train"`` (data + surrogate), ``"optimize"``
            (search with the run folder's stored model) or ``"schedule"`` (plans from the
            run folder's ``pareto.csv`` or the scenario's fixed recipes).
        progress: Progress sink (silent by default).
        scenario_path: The scenario file, recorded in ``run.json``.

    Raises:
        InputError: Bad logs or model files (nothing is written before the data is read).
        InfeasibleError: No recipe meets the constraints; the run folder still holds
            the least-infeasible recipes.
    """
    sink = progress or _Silent()
    clock = _Clock()
    folder = RunFolder(out)
    warnings: list[str] = []
    t_start = time.perf_counter()
    if stages == "schedule":
        return _schedule_only(scenario, folder, sink, clock, scenario_path)
    with clock.stage("data"):
        data = prepare_data(scenario)
    quality = data.clean.quality
    warnings.extend(quality.to_dict().get("warnings", []))
    folder.write_json("data_quality.json", quality.to_dict())
    run: dict[str, Any] = {
        "paretoplan_run": 1,
        "stages": stages,
        "scenario_file": str(scenario_path) if scenario_path else None,
        "scenario": scenario.normalized(),
        "seed": scenario.seed,
        "versions": package_versions(),
        "data_hash": data.data_hash,
        "timings": clock.timings,
        "summary": {"rows_used": data.dataset.n_samples},
        "warnings": warnings,
    }
    with clock.stage("surrogate"):
        model = obtain_model(scenario, data, folder, require_stored=stages == "optimize",
                             reuse=stages != "train", progress=sink)
    run["model"] = {k: model.card.get(k) for k in ("metrics", "n_train", "n_valid",
                                                    "validation") if k in model.card}
    warnings.extend(model.card.get("warnings", []))
    if stages == "train":
        run["timings"]["total"] = round(time.perf_counter() - t_start, 3)
        folder.write_json("run.json", run)
        return RunSummary(folder.path, 0, True, warnings, clock.timings)

    with clock.stage("search"):
        opt = optimize(scenario, data, model.surrogate, sink)
    folder.write_csv("pareto.csv", opt.pareto)
    with clock.stage("figures"):
        _write_front(folder, scenario, opt)
    s = opt.search
    run["summary"].update({
        "n_recipes": len(opt.pareto),
        "feasible": s.feasible,
        "generations": s.n_generations,
        "evaluations": s.n_evaluations,
        "search_seconds": round(s.seconds, 3),
        "model_seconds": round(s.model_seconds, 3),
        "search_time_split_seconds": {k: round(v, 3) for k, v in (
            ("predict", s.timings.predict), ("trust_region", s.timings.trust_region),
            ("scoring", s.timings.scoring), ("pymoo", s.timings.pymoo),
            ("bookkeeping", s.timings.bookkeeping))},
        "seeded_from_logs": s.n_seeded,
        "stopped_by": s.stopped_by,
    })
    run["decisions"] = [{"flag": d.flag, "recipe_id": opt.pareto["recipe_id"].iloc[d.index],
                         "explanation": d.sentence} for d in opt.decisions]
    if opt.practice is not None:
        run["current_practice"] = dict(zip(scenario.setpoints, opt.practice.tolist(),
                                           strict=True))
        if opt.practice_objectives is not None:
            run["current_practice_predicted"] = dict(zip(
                [o.name for o in scenario.objectives], opt.practice_objectives.tolist(),
                strict=True))
    run["convergence"] = {"hypervolume_per_generation": [round(h, 6) for h in s.hypervolume]}
    outcome = None
    if scenario.scheduling is not None and s.feasible:
        with clock.stage("schedule"):
            outcome = schedule(scenario, opt.pareto, folder, sink)
        run["schedule"] = _schedule_summary(outcome)
    run["timings"]["total"] = round(time.perf_counter() - t_start, 3)
    folder.write_json("run.json", run)
    if outcome is not None and not outcome.success:
        raise InfeasibleError(outcome.message)
    if not s.feasible:
        conflicts = [f"{k} (misses by {v:.4g} at best)" for k, v in s.violations.items()
                     if v > 1e-9]
        raise InfeasibleError(
            "no recipe meets every constraint; " + ("; ".join(conflicts) or "see pareto.csv")
            + f". The least-infeasible recipes are in {folder.file('pareto.csv')}")
    return RunSummary(folder.path, len(opt.pareto), True, warnings, clock.timings)



def suggest(scenario: Scenario, out: str | Path, n: int,
            progress: ProgressSink | None = None) -> Path:
    """Suggest ``n`` plant trials into ``<out>/trials.csv`` (training a model if needed)."""
    from optimizer.trials import suggest_trials

    sink = progress or _Silent()
    data = prepare_data(scenario)
    folder = RunFolder(out)
    model = obtain_model(scenario, data, folder, progress=sink)
    logged = data.frame[data.line_rows][list(scenario.setpoints)].to_numpy(float)
    sink.start("searching for informative trials", None)
    try:
        plan = suggest_trials(scenario, model.surrogate, logged, n)
    finally:
        sink.stop()
    return folder.write_csv("trials.csv", plan.table)


def _schedule_summary(outcome: Any) -> dict[str, Any]:
    return {"status": outcome.status.name, "n_plans": len(outcome.plans),
            "objectives": list(outcome.objectives), "message": outcome.message,
            "solver_seconds": round(outcome.wall_time_s, 3),
            "conflicts": [str(c) for c in outcome.conflicts]}


def _schedule_only(scenario: Scenario, folder: RunFolder, sink: ProgressSink, clock: _Clock,
                   scenario_path: Path | None) -> RunSummary:
    """``paretoplan schedule``: plan with the run folder's recipes or the fixed ones."""
    if scenario.scheduling is None:
        raise InputError("the scenario has no 'scheduling' section", file=scenario_path,
                         location="scheduling", hint="add orders, machines and routings")
    pareto = None
    pareto_path = folder.file("pareto.csv")
    if pareto_path.is_file():
        pareto = pd.read_csv(pareto_path)
        sink.note(f"using the recipes in {pareto_path}")
    else:
        sink.note("no pareto.csv in the run folder: using the scenario's fixed recipes")
    t0 = time.perf_counter()
    with clock.stage("schedule"):
        outcome = schedule(scenario, pareto, folder, sink)
    run_path = folder.file("run.json")
    run: dict[str, Any] = (folder.read_json("run.json") if run_path.is_file() else {
        "paretoplan_run": 1, "scenario_file": str(scenario_path) if scenario_path else None,
        "scenario": scenario.normalized(), "seed": scenario.seed,
        "versions": package_versions(), "timings": {}, "summary": {}, "warnings": []})
    run["schedule"] = _schedule_summary(outcome)
    run.setdefault("timings", {})["schedule"] = round(time.perf_counter() - t0, 3)
    folder.write_json("run.json", run)
    if not outcome.success:
        raise InfeasibleError(outcome.message)
    return RunSummary(folder.path, len(outcome.plans), True, [], clock.timings)
