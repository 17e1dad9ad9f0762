"""Scenario files: YAML validated by pydantic models.

A scenario names the logs, the setpoints (decision variables) with bounds, the context
to plan at, the outcomes to model, the objectives and constraints, and the surrogate
and search settings. Unknown keys are errors; paths are relative to the scenario file.
Load one with :func:`load_scenario`; everything downstream trusts the frozen result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from optimizer.exceptions import ScenarioError
from optimizer.scheduling.config import SchedulingConfig
from surrogates.config import EnsembleConfig
from surrogates.errors import InputError
from surrogates.expressions import Expression
from surrogates.logdata import CleaningConfig, ReadOptions

__all__ = [
    "Constraint",
    "ContextVariable",
    "DecisionConfig",
    "LogsConfig",
    "Objective",
    "Outcome",
    "RobustConfig",
    "Scenario",
    "SearchConfig",
    "Setpoint",
    "TrustRegionConfig",
    "load_scenario",
    "scenario_json_schema",
]

Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LogsConfig(_Strict):
    """Where the process logs are and how to read them."""

    path: Path = Field(description="CSV or Parquet file, relative to the scenario file.")
    timestamp: Name = Field(description="Column holding each batch's timestamp.")
    line_column: Name | None = Field(None, description="Column naming the line/unit.")
    line: str | None = Field(None, description="The line to plan for (a value of line_column).")
    group_column: Name | None = Field(
        None, description="Column of groups whose rows are not independent (batch, mix).")
    read: ReadOptions = Field(default_factory=ReadOptions)
    cleaning: CleaningConfig = Field(default_factory=CleaningConfig)

    @model_validator(mode="after")
    def _line_needs_column(self) -> LogsConfig:
        if self.line is not None and self.line_column is None:
            raise ValueError("'line' is set but 'line_column' is not; name the column that"
                             " holds the line")
        return self


class Setpoint(_Strict):
    """A decision variable: a log column the plant sets."""

    lower: float = Field(description="Lowest value the search may propose.")
    upper: float = Field(description="Highest value the search may propose.")
    type: Literal["continuous", "integer", "choice"] = "continuous"
    choices: tuple[float, ...] | None = Field(
        None, description="Allowed values when type is 'choice'.")
    unit: str = ""
    resolution: float | None = Field(
        None, gt=0, description="Instrument resolution: proposals are rounded to it.")
    fixed: float | None = Field(
        None, description="Hold this setpoint at a value (it stays a model input but is"
        " not searched).")
    limits: tuple[float | None, float | None] | None = Field(
        None, description="Physical limits [low, high] for data cleaning; values outside are"
        " flagged in the logs.")

    @model_validator(mode="after")
    def _check(self) -> Setpoint:
        if not self.lower < self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        if self.type == "choice":
            if not self.choices or len(self.choices) < 2:
                raise ValueError("type 'choice' needs at least two 'choices'")
            if min(self.choices) < self.lower or max(self.choices) > self.upper:
                raise ValueError("every choice must lie within [lower, upper]")
        elif self.choices is not None:
            raise ValueError("'choices' is only allowed with type 'choice'")
        if self.fixed is not None and not self.lower <= self.fixed <= self.upper:
            raise ValueError(f"fixed ({self.fixed}) must lie within [lower, upper]")
        if self.type == "integer" and (self.lower != int(self.lower)
                                       or self.upper != int(self.upper)):
            raise ValueError("integer setpoints need whole-number bounds")
        return self


class ContextVariable(_Strict):
    """A column nobody controls (raw-material grade, ambient): planned at a fixed value."""

    value: float = Field(description="The value to plan at.")
    unit: str = ""
    limits: tuple[float | None, float | None] | None = None


class Outcome(_Strict):
    """A measured result the surrogate learns (yield, energy, material use)."""

    unit: str = ""
    limits: tuple[float | None, float | None] | None = None


class Objective(_Strict):
    """Something to minimise or maximise: an outcome, or an expression over setpoints,
    context and outcomes (e.g. ``energy_kwh_per_t * 0.14 + catalyst_kg_per_t * 35``)."""

    name: Name
    sense: Literal["minimize", "maximize"]
    expression: str | None = Field(None, description="Defaults to the objective's name.")
    unit: str = ""

    @property
    def formula(self) -> str:
        """The expression text (the name itself when no expression is given)."""
        return self.expression or self.name


class Constraint(_Strict):
    """A hard bound on an outcome or an expression, as predicted by the surrogate."""

    expression: str
    name: str | None = None
    lower: float | None = None
    upper: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Constraint:
        if self.lower is None and self.upper is None:
            raise ValueError("a constraint needs 'lower', 'upper' or both")
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise ValueError(f"lower ({self.lower}) is above upper ({self.upper})")
        return self

    @property
    def label(self) -> str:
        """A short name for messages and tables."""
        return self.name or self.expression


class TrustRegionConfig(_Strict):
    """Keep proposals where the logs support the model."""

    enabled: bool = True
    radius: float = Field(
        0.35, gt=0, description="Largest allowed distance from a proposal to its nearest"
        " logged operating point, in standard deviations of the logged setpoints"
        " (root-mean-square over setpoints).")


class RobustConfig(_Strict):
    """Pessimistic search: guard against the surrogate's uncertainty."""

    objectives_k: float = Field(
        0.0, ge=0, le=5, description="Optimise mean - k*std for maximised objectives and"
        " mean + k*std for minimised ones (0: plain means).")
    constraints_k: float = Field(
        0.0, ge=0, le=5, description="Require constraints to hold with a margin of k*std.")


class SearchConfig(_Strict):
    """NSGA-II settings."""

    pop_size: int = Field(200, ge=10, le=10_000)
    generations: int = Field(300, ge=1, le=100_000)
    stall_generations: int | None = Field(
        80, ge=1, description="Stop early when the front's hypervolume grew by less than"
        " stall_tolerance (relative) over this many generations; null: never.")
    stall_tolerance: float = Field(1e-4, ge=0)
    trust_region: TrustRegionConfig = Field(default_factory=TrustRegionConfig)
    robust: RobustConfig = Field(default_factory=RobustConfig)


class DecisionConfig(_Strict):
    """How to pick recipes from the front for an engineer."""

    weights: dict[Name, float] | None = Field(
        None, description="Relative importance per objective name (achievement"
        " scalarisation); the best-matching recipe is flagged 'preferred'.")
    reference_point: dict[Name, float] | None = Field(
        None, description="Aspiration level per objective name, in its units.")
    current_practice: dict[Name, float] | None = Field(
        None, description="Today's recipe (setpoint values). Default: the median setpoints"
        " of the planned line's most recent batches.")
    recent_batches: int = Field(30, ge=1, description="Batches that define current"
                                " practice when it is not given.")


class Scenario(_Strict):
    """One scenario file, validated. Build it with :func:`load_scenario`."""

    name: Name
    description: str = ""
    seed: int = Field(0, ge=0, le=2**32 - 1)
    logs: LogsConfig
    setpoints: dict[Name, Setpoint] = Field(min_length=1)
    context: dict[Name, ContextVariable] = Field(default_factory=dict)
    outcomes: dict[Name, Outcome] = Field(min_length=1)
    objectives: list[Objective] = Field(min_length=1)
    constraints: list[Constraint] = Field(default_factory=list)
    surrogate: EnsembleConfig = Field(default_factory=EnsembleConfig)
    search: SearchConfig = Field(default_factory=SearchConfig)
    decision: DecisionConfig = Field(default_factory=DecisionConfig)
    scheduling: SchedulingConfig | None = None
    base_dir: Path = Field(Path("."), exclude=True,
                           description="Folder the scenario's relative paths start from.")

    @field_validator("objectives")
    @classmethod
    def _unique_objectives(cls, value: list[Objective]) -> list[Objective]:
        names = [o.name for o in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"objective names must be unique; repeated: {', '.join(dupes)}")
        return value

    @model_validator(mode="after")
    def _check_names(self) -> Scenario:
        groups = {"setpoints": self.setpoints, "context": self.context,
                  "outcomes": self.outcomes}
        seen: dict[str, str] = {}
        for group, names in groups.items():
            for name in names:
                if name in seen:
                    raise ValueError(f"column {name!r} is in both {seen[name]} and {group}")
                seen[name] = group
        reserved = {self.logs.timestamp, self.logs.line_column, self.logs.group_column}
        clash = sorted(set(seen) & {r for r in reserved if r})
        if clash:
            raise ValueError(f"column(s) {', '.join(clash)} are the timestamp/line/group"
                             " column and cannot also be setpoints, context or outcomes")
        names = self.variable_names
        for i, objective in enumerate(self.objectives):
            Expression.parse(objective.formula, names=names,
                             where=f"objectives[{i}] ({objective.name})")
        for i, constraint in enumerate(self.constraints):
            Expression.parse(constraint.expression, names=names, where=f"constraints[{i}]")
        objective_names = {o.name for o in self.objectives}
        for key in ("weights", "reference_point"):
            given = getattr(self.decision, key) or {}
            unknown = sorted(set(given) - objective_names)
            if unknown:
                raise ValueError(f"decision.{key} names {', '.join(unknown)}, which are not"
                                 f" objectives ({', '.join(sorted(objective_names))})")
        practice = self.decision.current_practice or {}
        unknown = sorted(set(practice) - set(self.setpoints))
        if unknown:
            raise ValueError(f"decision.current_practice names {', '.join(unknown)}, which"
                             " are not setpoints")
        if practice and set(practice) != set(self.setpoints):
            missing = sorted(set(self.setpoints) - set(practice))
            raise ValueError("decision.current_practice must give every setpoint; missing "
                             + ", ".join(missing))
        return self

    @property
    def variable_names(self) -> list[str]:
        """Every name an expression may use: setpoints, context, outcomes."""
        return [*self.setpoints, *self.context, *self.outcomes]

    @property
    def logs_path(self) -> Path:
        """The logs file, resolved against the scenario's folder."""
        return (self.base_dir / self.logs.path).resolve()

    def normalized(self) -> dict[str, Any]:
        """The scenario as plain JSON-safe data, every default filled in."""
        data = json.loads(self.model_dump_json())
        data["logs"]["path"] = str(self.logs_path)
        return data


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files."""
    schema = Scenario.model_json_schema()
    schema.get("properties", {}).pop("base_dir", None)
    schema["title"] = "paretoplan scenario"
    return schema


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def load_scenario(path: str | Path, *, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file.

    Args:
        path: The YAML file.
        overrides: Top-level keys to replace after reading (e.g. ``{"seed": 3}``).

    Raises:
        ScenarioError: The file is missing, not YAML, or fails validation; the message
            names the file and every failing field.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError("file not found", file=path,
                            hint="check the path; scenario files are YAML")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the file: {exc}", file=path) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"not valid YAML: {problem}", file=path, location=where,
                            hint="fix the YAML syntax (indentation, colons, quotes)") from None
    if data is None:
        raise ScenarioError("the file is empty", file=path,
                            hint="see `paretoplan schema` for what a scenario holds")
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping of keys at the top level, got"
                            f" {type(data).__name__}", file=path,
                            hint="see `paretoplan schema` for what a scenario holds")
    if overrides:
        data = {**data, **overrides}
    data["base_dir"] = path.resolve().parent
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling; see `paretoplan schema`)"
            lines.append(f"{_format_loc(tuple(err['loc']))}: {msg}")
        raise ScenarioError("; ".join(lines), file=path) from None
    except InputError as exc:  # an expression that does not parse
        raise ScenarioError(exc.message, file=path, location=exc.location,
                            hint=exc.hint) from None
