"""A run folder read back into one object: tables, model card, data quality, warnings.

:func:`load_run` reads what a pipeline run wrote (see CONTRACT.md, "Run folder") and is
tolerant of files that a run did not write: the plans appear only when scheduling ran,
a model card or data-quality report may lack keys that older runs did not record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from surrogates.errors import InputError

__all__ = ["ObjectiveInfo", "Run", "RunWarning", "load_run"]

#: R² below this on held-out rows is called a poor fit.
POOR_R2 = 0.5
#: Interval coverage this far below nominal is called overconfident.
COVERAGE_SLACK = 0.10
_SOURCE_ORDER = ("search", "extrapolation", "model", "schedule", "data", "run")
_OK_STATUSES = {"optimal", "feasible", "ok", "solved"}


@dataclass(frozen=True)
class ObjectiveInfo:
    """One objective as the report shows it.

    Attributes:
        name: The objective's name in the scenario.
        column: Its column in ``pareto.csv`` (``objective_<name>`` when the name is
            also an outcome column).
        sense: ``"minimize"`` or ``"maximize"``.
        unit: Its unit (``""`` for none).
        expression: Its expression (``None`` when it is an outcome as is).
    """

    name: str
    column: str
    sense: str
    unit: str
    expression: str | None = None

    @property
    def is_outcome(self) -> bool:
        """Whether the objective is a modelled outcome taken as is (same values)."""
        return self.expression is None


@dataclass(frozen=True)
class RunWarning:
    """Something the reader of a run must not miss.

    Attributes:
        source: Where it comes from: ``"data"``, ``"model"``, ``"search"``,
            ``"extrapolation"``, ``"schedule"`` or ``"run"``.
        message: The warning, one sentence.
    """

    source: str
    message: str


def _read_json(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise InputError("file not found", file=path,
                             hint="point at a run folder written by `paretoplan run`")
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the JSON file: {exc}", file=path,
                         hint="re-run the pipeline to rewrite the run folder") from None
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, got {type(data).__name__}", file=path,
                         hint="re-run the pipeline to rewrite the run folder")
    return data


def _read_csv(path: Path, *, required: bool = False,
              needs: Sequence[str] = ()) -> pd.DataFrame | None:
    if not path.exists():
        if required:
            raise InputError("file not found", file=path,
                             hint="run the search first (`paretoplan run` or `optimize`)")
        return None
    try:
        frame = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read the CSV file: {exc}", file=path,
                         hint="re-run the pipeline to rewrite the run folder") from None
    missing = [c for c in needs if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=path,
                         hint="the file was not written by this version of paretoplan;"
                         " re-run the pipeline")
    return frame


def _as_bool(series: pd.Series) -> pd.Series:
    if series.dtype == bool:
        return series
    text = series.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes"])


def _finite(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


@dataclass(frozen=True, eq=False)
class Run:
    """Everything a pipeline run wrote, as tables and dictionaries.

    Build it with :func:`load_run`. Tables are pandas DataFrames; a table the run did
    not write is ``None`` (``pareto`` is empty when the search did not run).

    Attributes:
        path: The run folder.
        run_info: ``run.json``: normalised scenario, seed, versions, data hash, timings,
            summary, convergence, decisions, warnings.
        pareto: ``pareto.csv``, one row per Pareto-optimal recipe.
        plans: ``plans.csv`` (one row per scheduled step), when scheduling ran.
        plan_summary: ``plan_summary.csv`` (one row per Pareto-optimal plan).
        data_quality: ``data_quality.json`` as written.
        model_card: ``model/model_card.json`` as written.
    """

    path: Path
    run_info: dict[str, Any]
    pareto: pd.DataFrame
    plans: pd.DataFrame | None = None
    plan_summary: pd.DataFrame | None = None
    data_quality: dict[str, Any] = field(default_factory=dict)
    model_card: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ scenario facts

    @property
    def scenario(self) -> dict[str, Any]:
        """The normalised scenario (every default filled in)."""
        return dict(self.run_info.get("scenario") or {})

    @property
    def name(self) -> str:
        """The scenario's name (the folder's name when unknown)."""
        return str(self.scenario.get("name") or self.path.name)

    @property
    def setpoint_names(self) -> list[str]:
        """Setpoint columns, in scenario order."""
        return list(self.scenario.get("setpoints") or {})

    @property
    def context_names(self) -> list[str]:
        """Context columns, in scenario order."""
        return list(self.scenario.get("context") or {})

    @property
    def outcome_names(self) -> list[str]:
        """Modelled outcomes, in scenario order."""
        return list(self.scenario.get("outcomes") or {})

    @property
    def objectives(self) -> list[ObjectiveInfo]:
        """The objectives with their ``pareto.csv`` columns, senses and units."""
        out = []
        for obj in self.scenario.get("objectives") or []:
            name = str(obj["name"])
            column = f"objective_{name}" if f"objective_{name}" in self.pareto else name
            expr = obj.get("expression")
            plain = name in self.outcome_names and (expr is None or str(expr).strip() == name)
            out.append(ObjectiveInfo(name, column, str(obj.get("sense", "minimize")),
                                     str(obj.get("unit") or self.unit(name)),
                                     None if plain else str(expr or name)))
        return out

    @property
    def constraint_names(self) -> list[str]:
        """Constraint columns of ``pareto.csv``."""
        out = []
        for j, con in enumerate(self.scenario.get("constraints") or []):
            out.append(str(con.get("name") or f"constraint_{j + 1}"))
        return out

    def unit(self, column: str) -> str:
        """The unit of a ``pareto.csv`` column (``""`` when it has none or is unknown)."""
        sc = self.scenario
        base = column.removesuffix("_std").removesuffix("_robust").removeprefix("objective_")
        for group in ("setpoints", "context", "outcomes"):
            spec = (sc.get(group) or {}).get(base)
            if spec is not None:
                return str(spec.get("unit") or "")
        for obj in sc.get("objectives") or []:
            if obj.get("name") == base:
                return str(obj.get("unit") or "")
        if column == "support_distance":
            return "σ"
        return ""

    def label(self, column: str) -> str:
        """``"column [unit]"`` for axis labels and table headers."""
        unit = self.unit(column)
        return f"{column} [{unit}]" if unit else column

    @property
    def trust_radius(self) -> float | None:
        """The trust-region radius [RMS σ of logged setpoints], if the search used one."""
        trust = ((self.scenario.get("search") or {}).get("trust_region") or {})
        if trust and not trust.get("enabled", True):
            return None
        return _finite(trust.get("radius"))

    # ------------------------------------------------------------------ derived tables

    @property
    def summary(self) -> dict[str, Any]:
        """``run.json``'s summary (rows used, recipes, feasibility, search statistics)."""
        return dict(self.run_info.get("summary") or {})

    @property
    def current_practice(self) -> dict[str, float] | None:
        """Today's recipe (setpoint -> value), when the run recorded it."""
        cp = self.run_info.get("current_practice")
        if not isinstance(cp, dict) or not cp:
            return None
        inner = cp.get("setpoints", cp)
        return {str(k): float(v) for k, v in inner.items()
                if k in self.setpoint_names and _finite(v) is not None}

    @property
    def practice_objectives(self) -> dict[str, float] | None:
        """Current practice's predicted objective values (name -> value), when recorded.

        Read from ``run.json``'s ``current_practice.objectives`` (or
        ``current_practice_predicted``).
        """
        cp = self.run_info.get("current_practice")
        found = None
        if isinstance(cp, dict) and isinstance(cp.get("objectives"), dict):
            found = cp["objectives"]
        elif isinstance(self.run_info.get("current_practice_predicted"), dict):
            found = self.run_info["current_practice_predicted"]
        if not found:
            return None
        names = {o.name for o in self.objectives}
        out = {str(k): float(v) for k, v in found.items()
               if k in names and _finite(v) is not None}
        return out or None

    @property
    def decisions(self) -> list[dict[str, str]]:
        """Flagged recipes and why (``flag``, ``recipe_id``, ``explanation``)."""
        return [dict(d) for d in self.run_info.get("decisions") or [] if isinstance(d, dict)]

    @property
    def model_metrics(self) -> pd.DataFrame:
        """Held-out metrics per outcome (index: outcome): ``r2``, ``mae``, ``rmse``,
        ``coverage_95``, ... and the baseline's as ``baseline_r2``, ``baseline_mae``,
        ``baseline_rmse``. Empty when the run has no model card."""
        metrics = self.model_card.get("metrics") or (self.run_info.get("model") or {}).get(
            "metrics") or {}
        rows: dict[str, dict[str, Any]] = {str(k): dict(v) for k, v in metrics.items()
                                           if isinstance(v, dict)}
        base = ((self.model_card.get("baseline") or {}).get("metrics") or {})
        for name, vals in base.items():
            if isinstance(vals, dict) and name in rows:
                for k, v in vals.items():
                    rows[name].setdefault(f"baseline_{k}", v)
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "outcome"
        return frame.apply(pd.to_numeric, errors="coerce") if len(frame) else frame

    @property
    def sensitivities(self) -> pd.DataFrame | None:
        """Sensitivity of each outcome (column) to each input (index), if the model card
        holds them (``{outcome: {feature: value}}`` or ``{"features", "outcomes",
        "values"}``), else ``None``."""
        raw = self.model_card.get("sensitivities") or self.model_card.get("sensitivity")
        if not isinstance(raw, dict) or not raw:
            return None
        if {"features", "outcomes", "values"} <= set(raw):
            values = np.asarray(raw["values"], dtype=float)
            feats, outs = list(raw["features"]), list(raw["outcomes"])
            if values.shape == (len(outs), len(feats)):
                values = values.T
            if values.shape != (len(feats), len(outs)):
                return None
            return pd.DataFrame(values, index=feats, columns=outs)
        per_outcome = {k: v for k, v in raw.items() if isinstance(v, dict)}
        if not per_outcome:
            return None
        frame = pd.DataFrame({k: {f: _finite(x) if not isinstance(x, dict) else
                                  _finite(x.get("value", x.get("mean")))
                                  for f, x in v.items()} for k, v in per_outcome.items()})
        frame = frame.apply(pd.to_numeric, errors="coerce")
        return frame if frame.notna().any().any() else None

    @property
    def calibration_curves(self) -> dict[str, tuple[list[float], list[float]]] | None:
        """Reliability curves per outcome (nominal, observed coverage) from the model card's
        ``calibration``, if it holds them."""
        cal = self.model_card.get("calibration")
        if not isinstance(cal, dict):
            return None
        out: dict[str, tuple[list[float], list[float]]] = {}
        per = cal.get("outcomes", cal)
        for name, entry in per.items():
            if not isinstance(entry, dict):
                continue
            nominal = entry.get("nominal") or entry.get("levels")
            observed = entry.get("observed") or entry.get("coverage")
            if isinstance(nominal, list) and isinstance(observed, list) and len(
                    nominal) == len(observed) and nominal:
                out[str(name)] = ([float(x) for x in nominal], [float(x) for x in observed])
        return out or None

    @property
    def coverage_level(self) -> float:
        """Nominal level of the interval whose coverage :attr:`coverage` reports (0.9 for
        cards with calibrated uncertainty, 0.95 for older ones)."""
        unc = self.model_card.get("uncertainty") or {}
        if "coverage_90" in unc or "coverage_90" in self.model_metrics:
            return 0.9
        return 0.95

    @property
    def coverage(self) -> dict[str, float | None]:
        """Share of held-out rows inside the nominal interval (:attr:`coverage_level`),
        per outcome."""
        cov = ((self.model_card.get("uncertainty") or {}).get("coverage") or {})
        key = "coverage_90" if self.coverage_level == 0.9 else "coverage_95"
        if not cov and key in self.model_metrics:
            cov = self.model_metrics[key].to_dict()
        return {str(k): _finite(v) for k, v in cov.items()}

    @property
    def partial_dependence(self) -> dict[str, Any] | None:
        """Partial-dependence curves from the model card (``{input: {"grid", "mean",
        "std"}}``), if it holds them."""
        curves = self.model_card.get("partial_dependence")
        if not isinstance(curves, dict) or not curves:
            return None
        ok = all(isinstance(c, dict) and isinstance(c.get("grid"), list)
                 and isinstance(c.get("mean"), dict) for c in curves.values())
        return curves if ok else None

    @property
    def baseline_name(self) -> str:
        """Short name of the model card's baseline."""
        model = str((self.model_card.get("baseline") or {}).get("model", ""))
        return "gradient boosting" if "GradientBoosting" in model else (
            "ridge" if "ridge" in model.lower() else "baseline")

    @property
    def data_quality_columns(self) -> pd.DataFrame:
        """Per-column data-quality counts (index: column; missing, out-of-limit, outlier,
        ... as recorded). Empty when the report has none."""
        cols = self.data_quality.get("columns")
        if isinstance(cols, dict):
            rows = {str(k): v for k, v in cols.items() if isinstance(v, dict)}
            frame = pd.DataFrame.from_dict(rows, orient="index")
        elif isinstance(cols, list):
            frame = pd.DataFrame([c for c in cols if isinstance(c, dict)])
            key = next((k for k in ("column", "name") if k in frame), None)
            if key:
                frame = frame.set_index(key)
        else:
            frame = pd.DataFrame()
        if len(frame):
            frame = frame[[c for c in frame.columns
                           if frame[c].map(lambda v: not isinstance(v, dict | list)).all()]]
        frame.index.name = "column"
        return frame

    @property
    def dropped_rows(self) -> dict[str, int]:
        """Rows dropped while cleaning, by reason."""
        dq = self.data_quality
        raw = dq.get("rows_dropped") or dq.get("dropped") or dq.get("dropped_by_reason") or {}
        rows = dq.get("rows") if isinstance(dq.get("rows"), dict) else {}
        if not raw and isinstance(rows, dict):
            raw = rows.get("dropped") or {}
        if isinstance(raw, dict):
            return {str(k): int(v) for k, v in raw.items() if _finite(v) is not None}
        return {}

    @property
    def row_counts(self) -> dict[str, int]:
        """Rows read and kept by the cleaning (keys ``read``, ``kept`` when recorded)."""
        dq = self.data_quality
        rows = dq.get("rows") if isinstance(dq.get("rows"), dict) else {}
        out = {}
        for key in ("read", "kept"):
            value = _finite(dq.get(f"rows_{key}", rows.get(key) if rows else None))
            if value is not None:
                out[key] = int(value)
        return out

    def plan_ids(self) -> list[Any]:
        """The plans' identifiers, in ``plan_summary.csv`` order (else ``plans.csv``)."""
        if self.plan_summary is not None and "plan" in self.plan_summary:
            return list(dict.fromkeys(self.plan_summary["plan"].tolist()))
        if self.plans is not None and "plan" in self.plans:
            return list(dict.fromkeys(self.plans["plan"].tolist()))
        return []

    def plan(self, plan_id: Any) -> pd.DataFrame:
        """The steps of one plan (rows of ``plans.csv``).

        Raises:
            InputError: The run has no plans or no plan with this id.
        """
        if self.plans is None:
            raise InputError("this run has no plans (scheduling did not run)",
                             file=self.path / "plans.csv",
                             hint="add orders to the scenario and run `paretoplan run`")
        rows = self.plans[self.plans["plan"].astype(str) == str(plan_id)]
        if rows.empty:
            raise InputError(f"no plan {plan_id!r}", file=self.path / "plans.csv",
                             location="column 'plan'",
                             hint=f"plans in the run: {', '.join(map(str, self.plan_ids()))}")
        return rows.reset_index(drop=True)

    # ------------------------------------------------------------------ warnings

    @property
    def warnings(self) -> list[RunWarning]:
        """Everything the reader must not miss, most pressing sources first: search
        feasibility, extrapolation, model fit, schedule, data (drift, stuck sensors), then
        other notes of the run."""
        out: list[RunWarning] = []
        seen: set[str] = set()

        def add(source: str, message: str) -> None:
            key = message.strip()
            if key and key not in seen:
                seen.add(key)
                out.append(RunWarning(source, key))

        if self.summary.get("feasible") is False:
            add("search", "No recipe meets every constraint: the table shows the"
                " least-infeasible recipes. Relax a constraint or widen the setpoint bounds.")
        for text in self.data_quality.get("warnings") or []:
            add("data", _warning_text(text))
        for key in ("drift", "stuck"):
            for item in self.data_quality.get(key) or []:
                add("data", _warning_text(item, prefix=key))
        metrics = self.model_metrics
        # cards written since calibration came in state their own model warnings
        own_warnings = isinstance(self.model_card.get("warnings"), list)
        for name, row in ([] if own_warnings else metrics.iterrows()):
            r2 = _finite(row.get("r2"))
            base = _finite(row.get("baseline_r2"))
            if r2 is not None and r2 < POOR_R2:
                add("model", f"Poor model fit for {name}: held-out R² = {r2:.2f}; its"
                    " predictions are unreliable. Log more varied batches or add inputs.")
            elif r2 is not None and base is not None and r2 < base - 0.02:
                add("model", f"The surrogate predicts {name} worse than the ridge baseline"
                    f" (R² {r2:.2f} vs {base:.2f}); retrain with more epochs or members.")
        for name, cov in ({} if own_warnings else self.coverage).items():
            if cov is not None and cov < 0.95 - COVERAGE_SLACK:
                add("model", f"The uncertainty of {name} is overconfident: only {cov:.0%} of"
                    " held-out rows fall inside the 95 % band; read ± values as too narrow.")
        for text in self.model_card.get("warnings") or []:
            add("model", _warning_text(text))
        for w in self._extrapolation_warnings():
            add("extrapolation", w)
        if self.plan_summary is not None and "status" in self.plan_summary:
            bad = self.plan_summary[~self.plan_summary["status"].astype(str).str.lower()
                                    .isin(_OK_STATUSES)]
            for _, row in bad.iterrows():
                add("schedule", f"Plan {row.get('plan')} ended with solver status"
                    f" {row['status']}: it may be far from optimal or incomplete.")
        if self.plan_summary is not None and "relaxed" in self.plan_summary:
            relaxed = self.plan_summary[_as_bool(self.plan_summary["relaxed"])]
            if len(relaxed):
                add("schedule", f"{len(relaxed)} plan(s) relax the hard constraints (the due"
                    " dates cannot all be met): read them as the least-late plans, and"
                    " move orders or add capacity.")
        for text in self.run_info.get("warnings") or []:
            add("run", _warning_text(text))
        return sorted(out, key=lambda w: _SOURCE_ORDER.index(w.source))

    def _extrapolation_warnings(self) -> list[str]:
        out: list[str] = []
        pareto = self.pareto
        if pareto.empty:
            return out
        radius = self.trust_radius
        if "support_distance" in pareto and radius is not None:
            far = pareto["support_distance"].to_numpy(float) > radius * 1.001
            if far.any():
                out.append(f"{int(far.sum())} of {len(pareto)} recipes lie farther than the"
                           f" trust radius ({radius:g} σ) from every logged batch: their"
                           " predictions are extrapolations; trial them before adopting.")
        ranges = self.model_card.get("training_ranges") or {}
        outside: list[str] = []
        rec = self.recommended()
        for name in self.setpoint_names + self.context_names:
            rng = ranges.get(name)
            if name not in pareto or not isinstance(rng, list | tuple) or len(rng) != 2:
                continue
            lo, hi = _finite(rng[0]), _finite(rng[1])
            vals = rec[name].to_numpy(float) if len(rec) else pareto[name].to_numpy(float)
            if lo is not None and hi is not None and ((vals < lo) | (vals > hi)).any():
                outside.append(f"{name} (trained on {lo:.4g}–{hi:.4g})")
        if outside:
            which = "recommended recipe" if len(rec) else "recipes"
            out.append(f"The {which} set(s) {', '.join(outside)} outside the range the model"
                       " was trained on: extrapolation.")
        return out

    # ------------------------------------------------------------------ notebook helpers

    def recommended(self) -> pd.DataFrame:
        """The recommended recipe(s): rows of ``pareto`` flagged ``recommended``."""
        if self.pareto.empty or "recommended" not in self.pareto:
            return self.pareto.iloc[0:0]
        return self.pareto[_as_bool(self.pareto["recommended"])]

    def filter(self, **bounds: tuple[float | None, float | None] | float | str) -> pd.DataFrame:
        """Recipes whose columns lie within bounds.

        Args:
            **bounds: ``column=(low, high)`` (either may be ``None`` for open), or
                ``column=value`` for equality, e.g.
                ``run.filter(impurity_pct=(None, 1.5), yield_pct=(90, None))``.

        Returns:
            The matching rows of ``pareto``.

        Raises:
            InputError: A column is not in ``pareto.csv``, or a bound is not a pair.
        """
        mask = np.ones(len(self.pareto), dtype=bool)
        for column, bound in bounds.items():
            if column not in self.pareto:
                raise InputError(f"no column {column!r}", file=self.path / "pareto.csv",
                                 hint="columns: " + ", ".join(self.pareto.columns))
            col = self.pareto[column]
            if isinstance(bound, tuple):
                if len(bound) != 2:
                    raise InputError(f"bound for {column!r} must be (low, high), got"
                                     f" {bound!r}", location=f"filter({column}=...)",
                                     hint="use None for an open end, e.g. (None, 1.5)")
                lo, hi = bound
                values = col.to_numpy(float)
                if lo is not None:
                    mask &= values >= lo
                if hi is not None:
                    mask &= values <= hi
            else:
                mask &= (col == bound).to_numpy()
        return self.pareto[mask]

    def query(self, expression: str) -> pd.DataFrame:
        """Recipes for which a condition over ``pareto.csv`` columns holds.

        Uses the scenario expression language (parsed, never ``eval``-ed), e.g.
        ``run.query("impurity_pct < 1.6 and energy_kwh_per_t < 300")``.

        Raises:
            InputError: The expression does not parse or names an unknown column.
        """
        from surrogates.expressions import Expression

        numeric = {c: self.pareto[c].to_numpy(float) for c in self.pareto.columns
                   if pd.api.types.is_numeric_dtype(self.pareto[c])}
        expr = Expression.parse(expression, names=numeric, where="query")
        mask = np.broadcast_to(expr.evaluate(numeric).astype(bool), (len(self.pareto),))
        return self.pareto[mask]

    def compare(self, recipe_ids: Iterable[str], *, practice: bool = True) -> pd.DataFrame:
        """Side-by-side view of recipes: one column per recipe, one row per quantity
        (setpoints, predicted outcomes ± std, objectives, support), units in the index.

        Args:
            recipe_ids: Recipes to compare, e.g. ``["R003", "R011"]``.
            practice: Add current practice's setpoints (and predicted objectives) as a
                column when the run recorded them.

        Raises:
            InputError: An id is not in ``pareto.csv``.
        """
        ids = [str(r) for r in recipe_ids]
        table = self.pareto.set_index(self.pareto["recipe_id"].astype(str))
        unknown = [r for r in ids if r not in table.index]
        if unknown:
            raise InputError(f"unknown recipe id(s) {', '.join(unknown)}",
                             file=self.path / "pareto.csv", location="column 'recipe_id'",
                             hint=f"ids run from {table.index[0]} to {table.index[-1]}"
                             if len(table) else "the run has no recipes")
        rows = [*self.setpoint_names, *self.outcome_names,
                *[f"{o}_std" for o in self.outcome_names],
                *[o.column for o in self.objectives if not o.is_outcome],
                "support_distance", "feasible", "recommended", "note"]
        rows = [r for r in rows if r in table.columns]
        out = table.loc[ids, rows].T
        if practice and self.current_practice:
            values: dict[str, Any] = dict(self.current_practice)
            for obj in self.objectives:
                if self.practice_objectives and obj.name in self.practice_objectives:
                    key = obj.name if obj.is_outcome else obj.column
                    values[key] = self.practice_objectives[obj.name]
            out["current practice"] = [values.get(r, np.nan) for r in rows]
        out.index = [self.label(r) for r in rows]
        return out

    def objective_values(self) -> np.ndarray:
        """Objective values of the Pareto recipes, ``(n_recipes, n_objectives)``."""
        cols = [o.column for o in self.objectives]
        return self.pareto[cols].to_numpy(float)

    def practice_vector(self, columns: Sequence[str]) -> np.ndarray | None:
        """Current practice on ``columns`` (NaN where unknown), or ``None`` when nothing is
        known about it."""
        known: dict[str, float] = dict(self.current_practice or {})
        for obj in self.objectives:
            if self.practice_objectives and obj.name in self.practice_objectives:
                known[obj.column] = self.practice_objectives[obj.name]
                known[obj.name] = self.practice_objectives[obj.name]
        if not known:
            return None
        vec = np.array([known.get(c, np.nan) for c in columns], dtype=float)
        return vec if np.isfinite(vec).any() else None

    def plot_front(self, objectives: Sequence[str] | None = None,
                   ax: Axes | None = None) -> Figure:
        """Scatter of the Pareto recipes over two objectives, or pairwise for more.

        Args:
            objectives: Objective names to show (default: all); with exactly two and an
                ``ax``, draws into that axes.
            ax: Axes to draw into (only for two objectives).

        Raises:
            InputError: An objective name is unknown.
        """
        from optimizer.figures import PALETTE, pareto_front_figure
        from optimizer.report.figures import axis_label, report_style

        chosen = self._pick_objectives(objectives)
        front = self.pareto[[o.column for o in chosen]].to_numpy(float)
        rec = _as_bool(self.recommended_mask())
        practice = self.practice_vector([o.column for o in chosen])
        if ax is None and len(chosen) != 2:
            fig = pareto_front_figure(front, [o.name for o in chosen], [o.unit for o in chosen],
                                      [o.sense for o in chosen], recommended=rec.to_numpy(),
                                      title=f"{self.name}: Pareto front")
            if practice is not None and np.isfinite(practice).all():
                import itertools

                pairs = list(itertools.combinations(range(len(chosen)), 2))
                for axis, (i, j) in zip(fig.axes, pairs, strict=False):
                    axis.scatter([practice[i]], [practice[j]], marker="s", s=70, c="black",
                                 label="current practice", zorder=5)
                fig.axes[0].legend(loc="best", fontsize=8)
            return fig
        if len(chosen) != 2:
            raise InputError(f"an ax can show two objectives; got {len(chosen)}",
                             location="plot_front(objectives=...)",
                             hint="pass two objective names, or no ax")
        with report_style():
            if ax is None:
                import matplotlib.pyplot as plt

                fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
            else:
                fig = ax.figure  # type: ignore[assignment]
            ax.scatter(front[:, 0], front[:, 1], s=26, c=PALETTE[0], edgecolors="white",
                       linewidths=0.4, label="Pareto recipes", zorder=3)
            if rec.any():
                ax.scatter(front[rec.to_numpy(), 0], front[rec.to_numpy(), 1], s=170,
                           marker="*", c=PALETTE[3], edgecolors="black", linewidths=0.6,
                           label="recommended", zorder=4)
            if practice is not None and np.isfinite(practice).all():
                ax.scatter([practice[0]], [practice[1]], marker="s", s=70, c="black",
                           label="current practice", zorder=5)
            ax.set_xlabel(axis_label(chosen[0].name, chosen[0].unit, chosen[0].sense))
            ax.set_ylabel(axis_label(chosen[1].name, chosen[1].unit, chosen[1].sense))
            ax.grid(True, alpha=0.3)
            ax.legend(loc="best")
        return fig

    def plot_parallel(self, columns: Sequence[str] | None = None, *,
                      highlight: Iterable[str] | None = None,
                      ax: Axes | None = None) -> Figure:
        """Parallel coordinates of the Pareto recipes (better is up on objective axes).

        Args:
            columns: ``pareto.csv`` columns or objective names to draw (default: the
                objectives).
            highlight: Recipe ids to draw thick (default: the recommended ones).
            ax: Axes to draw into.

        Raises:
            InputError: A column is unknown.
        """
        from optimizer.report.figures import parallel_coordinates_figure

        by_name = {o.name: o for o in self.objectives}
        by_col = {o.column: o for o in self.objectives}
        names = list(columns) if columns is not None else [o.name for o in self.objectives]
        cols, senses, units, labels = [], [], [], []
        for name in names:
            obj = by_name.get(name) or by_col.get(name)
            col = obj.column if obj else name
            if col not in self.pareto:
                raise InputError(f"no column {name!r}", file=self.path / "pareto.csv",
                                 location="plot_parallel(columns=...)",
                                 hint="columns: " + ", ".join(self.pareto.columns))
            cols.append(col)
            senses.append(obj.sense if obj else None)
            units.append(obj.unit if obj else self.unit(col))
            labels.append(obj.name if obj else col)
        if highlight is None:
            mask = self.recommended_mask().to_numpy(bool)
        else:
            wanted = {str(h) for h in highlight}
            mask = self.pareto["recipe_id"].astype(str).isin(wanted).to_numpy()
        return parallel_coordinates_figure(
            self.pareto[cols].to_numpy(float), labels, units, senses, recommended=mask,
            practice=self.practice_vector(cols),
            labels=self.pareto["recipe_id"].astype(str).tolist(),
            title=f"{self.name}: Pareto recipes (better is up)", ax=ax)

    def plot_plan(self, plan_id: Any | None = None, ax: Axes | None = None) -> Figure:
        """Gantt chart of one plan (default: the first).

        Raises:
            InputError: The run has no plans, or no plan with this id.
        """
        from optimizer.report.figures import gantt_figure

        ids = self.plan_ids()
        chosen = ids[0] if plan_id is None and ids else plan_id
        return gantt_figure(self.plan(chosen), title=f"Plan {chosen}", ax=ax)

    def recommended_mask(self) -> pd.Series:
        """Boolean Series over ``pareto`` rows: recommended or not."""
        if "recommended" not in self.pareto:
            return pd.Series(np.zeros(len(self.pareto), dtype=bool), index=self.pareto.index)
        return _as_bool(self.pareto["recommended"])

    def _pick_objectives(self, names: Sequence[str] | None) -> list[ObjectiveInfo]:
        objs = self.objectives
        if names is None:
            return objs
        by_name = {o.name: o for o in objs}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise InputError(f"unknown objective(s) {', '.join(unknown)}",
                             location="objectives",
                             hint="objectives: " + ", ".join(by_name))
        return [by_name[n] for n in names]

    def __repr__(self) -> str:
        plans = f", {len(self.plan_ids())} plans" if self.plans is not None else ""
        return (f"Run({self.name!r}, {len(self.pareto)} recipes{plans},"
                f" {len(self.warnings)} warnings, path={str(self.path)!r})")


def _warning_text(item: Any, *, prefix: str | None = None) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        text = item.get("message") or item.get("text")
        if text:
            return str(text)
        column = item.get("column")
        span = " to ".join(str(item[k]) for k in ("start", "end") if item.get(k))
        body = ", ".join(f"{k} {v}" for k, v in item.items()
                         if k not in {"column", "start", "end"})
        head = f"{prefix or 'note'}: {column}" if column else (prefix or "note")
        return f"{head}{' (' + span + ')' if span else ''}{': ' + body if body else ''}"
    return str(item)


def load_run(path: str | Path) -> Run:
    """Read a run folder.

    Args:
        path: The folder written by ``paretoplan run`` (or ``train`` / ``optimize``).

    Returns:
        The :class:`Run`; tables the run did not write are ``None`` (``pareto`` empty).

    Raises:
        InputError: The folder or its ``run.json`` is missing, or a file is unreadable or
            lacks required columns.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputError("run folder not found", file=folder,
                         hint="pass the --out folder of `paretoplan run`")
    info = _read_json(folder / "run.json", required=True)
    pareto = _read_csv(folder / "pareto.csv", needs=("recipe_id",))
    if pareto is None:
        pareto = pd.DataFrame({"recipe_id": pd.Series(dtype=str)})
    else:
        pareto["recipe_id"] = pareto["recipe_id"].astype(str)
        for flag in ("feasible", "recommended", "knee", "preferred", "beats_practice"):
            if flag in pareto:
                pareto[flag] = _as_bool(pareto[flag])
        if "note" in pareto:
            pareto["note"] = pareto["note"].fillna("").astype(str)
    plans = _read_csv(folder / "plans.csv", needs=("plan", "machine", "start", "end"))
    plan_summary = _read_csv(folder / "plan_summary.csv", needs=("plan",))
    quality = _read_json(folder / "data_quality.json", required=False)
    card = _read_json(folder / "model" / "model_card.json", required=False)
    return Run(folder, info, pareto, plans, plan_summary, quality, card)
