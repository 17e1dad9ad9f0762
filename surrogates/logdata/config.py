"""Settings for reading and cleaning process logs (embedded in the scenario file).

Every model is frozen and rejects unknown keys, so a typo in a scenario file is an
error rather than a silently ignored setting. The defaults are what a plant would want
switched on: physical limits, spike (Hampel) filtering, stuck-sensor and drift checks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "CellAction",
    "CleaningConfig",
    "ColumnSpec",
    "DriftConfig",
    "OutlierConfig",
    "ReadOptions",
    "StuckConfig",
]

Role = Literal["setpoint", "context", "outcome", "line", "group", "trial", "other"]
CellAction = Literal["drop_row", "set_missing"]
"""What happens to a flagged cell: its row is dropped, or the cell is treated as missing
(and then handled by :attr:`CleaningConfig.missing`)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSpec(_Frozen):
    """One log column the caller uses.

    Attributes:
        name: The column header exactly as in the file.
        role: ``setpoint``, ``context`` and ``outcome`` columns are model columns (they
            must be finite in every kept row); ``line`` splits the detectors per line;
            ``group`` marks rows that belong together; ``trial`` marks deliberate trial
            rows (the column named by :attr:`CleaningConfig.trial_column`); ``other`` is
            carried along.
        kind: ``numeric`` (coerced to float64) or ``category`` (kept as text).
        lower_limit: Lowest physically possible value; values below are flagged.
        upper_limit: Highest physically possible value; values above are flagged.
        unit: The unit, for messages (optional).
    """

    name: str = Field(min_length=1, max_length=500)
    role: Role
    kind: Literal["numeric", "category"] = "numeric"
    lower_limit: float | None = None
    upper_limit: float | None = None
    unit: str = Field(default="", max_length=50)

    @model_validator(mode="after")
    def _check(self) -> ColumnSpec:
        if self.role in ("line", "group", "trial") and self.kind != "category":
            raise ValueError(f"column {self.name!r}: a {self.role} column must have"
                             " kind 'category'")
        limits = (self.lower_limit, self.upper_limit)
        if self.kind == "category" and any(v is not None for v in limits):
            raise ValueError(f"column {self.name!r}: limits need a numeric column")
        lo, hi = limits
        if lo is not None and hi is not None and not lo < hi:
            raise ValueError(f"column {self.name!r}: lower_limit {lo} must be below"
                             f" upper_limit {hi}")
        return self

    @property
    def is_model(self) -> bool:
        """Whether the surrogate uses the column (setpoint, context or outcome)."""
        return self.role in ("setpoint", "context", "outcome")


class ReadOptions(_Frozen):
    """How to read the log file.

    Attributes:
        dayfirst: Read ambiguous dates as day first (``03/04/2025`` is 3 April).
        timezone: IANA zone (``"Europe/Berlin"``). Naive times are taken as local time
            there and times with an offset are converted to it. Without it, times with
            an offset are converted to UTC and naive times are kept as they are.
        decimal: Decimal mark; ``auto`` decides from the file (``1.234,5`` vs
            ``1,234.5``). Thousands separators are removed in either case.
        delimiter: Field separator of a CSV file; ``auto`` sniffs ``, ; tab |``.
        encoding: Text encoding; ``auto`` is UTF-8 (with or without a byte-order mark),
            falling back to Windows-1252 with a warning.
        sheet: Excel sheet name or 0-based index.
        midnight_ends_day: A time of exactly 00:00 stamps the interval that *ends* at
            midnight, so one day is added (historian exports that date the last
            interval of a day with that day, as in the steel-energy data).
        time_format: Optional ``strftime`` format of the time column; inferred if unset.
    """

    dayfirst: bool = False
    timezone: str | None = Field(default=None, min_length=1, max_length=100)
    decimal: Literal["auto", ".", ","] = "auto"
    delimiter: Literal["auto", ",", ";", "\t", "|"] = "auto"
    encoding: str = Field(default="auto", min_length=1, max_length=40)
    sheet: str | int = 0
    midnight_ends_day: bool = False
    time_format: str | None = Field(default=None, min_length=2, max_length=100)

    @model_validator(mode="after")
    def _check(self) -> ReadOptions:
        if self.timezone is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {self.timezone!r}; use an IANA name"
                                 " such as 'Europe/Berlin' or 'UTC'") from None
        return self


class OutlierConfig(_Frozen):
    """Spike detection with a Hampel filter, per line.

    A value is an outlier when it lies more than ``n_sigmas`` robust standard
    deviations from the median of the ``window`` rows centred on it (same line). The
    robust standard deviation is ``1.4826 * MAD`` of that window, but never less than
    ``min_scale`` times the one of the whole line, so a run of identical values does
    not turn every small change into an outlier. The default threshold is high because
    process logs have heavy tails from real excursions and trials, while unit and
    decimal slips (K for °C, minutes for hours, x10) deviate by tens of deviations.

    A row in which two or more cells are outlying at once is taken as an unusual batch
    (a trial or an upset: its readings deviate together) rather than a recording slip:
    with ``keep_unusual_rows`` it is kept and counted as ``unusual_rows``. Known trials
    are better marked with :attr:`CleaningConfig.trial_column`: a trial that moves one
    setpoint only is a single outlying cell.

    Attributes:
        enabled: Run the check.
        window: Rows in the centred window (odd, at least 3).
        n_sigmas: Threshold in robust standard deviations.
        min_scale: Floor of the local scale as a share of the line's overall scale.
        action: ``drop_row`` or ``set_missing``.
        keep_unusual_rows: Keep rows with two or more outlying cells (see above).
    """

    enabled: bool = True
    window: int = Field(default=15, ge=3, le=10_001)
    n_sigmas: float = Field(default=8.0, gt=0.0, le=1000.0)
    min_scale: float = Field(default=1.0, ge=0.0, le=10.0)
    action: CellAction = "drop_row"
    keep_unusual_rows: bool = True

    @model_validator(mode="after")
    def _odd(self) -> OutlierConfig:
        if self.window % 2 == 0:
            raise ValueError(f"outliers.window must be odd; got {self.window}"
                             f" (use {self.window + 1})")
        return self


class StuckConfig(_Frozen):
    """Flat-run (stuck sensor) detection, per line.

    A run of identical consecutive values is flagged when it has at least ``min_run``
    rows (and spans at least ``min_duration_h`` hours, if set) *and* a run that long is
    unlikely for this column: with ``p`` the share of consecutive rows that repeat a
    value, a run of ``L`` rows is flagged when ``n * p**(L - 1) < max_chance``. A
    column that often repeats (an integer setpoint) thus needs a longer run than a
    noisy measurement. A value the column holds in two or more such runs is a state
    (idle at 0, a power factor at 100 %), not a fault, unless ``allow_recurring`` is
    off. The first value of a run is a real reading; the repeats are the stuck cells.

    Attributes:
        enabled: Run the check.
        min_run: Shortest run (rows, including the first) that can be flagged.
        min_duration_h: Shortest run duration in hours, if set.
        max_chance: Expected number of such runs by chance below which a run is flagged.
        action: ``drop_row`` or ``set_missing`` for the repeated cells.
        allow_recurring: Treat values held in several long runs as states.
        roles: Roles of the columns checked. Setpoints are left out by default: a held
            setpoint is what setpoints do (add ``setpoint`` when they are measured).
    """

    enabled: bool = True
    min_run: int = Field(default=5, ge=2, le=1_000_000)
    min_duration_h: float | None = Field(default=None, ge=0.0)
    max_chance: float = Field(default=0.01, gt=0.0, le=1.0)
    action: CellAction = "drop_row"
    allow_recurring: bool = True
    roles: tuple[Literal["setpoint", "context", "outcome"], ...] = ("context", "outcome")


class DriftConfig(_Frozen):
    """Slow-drift detection of a sensor against a reference period, per line.

    Each numeric model column is predicted from the other model columns with a linear
    model fitted on the reference period (the first ``reference_fraction`` of each
    line's rows, or the rows from ``reference_start`` to ``reference_end``). A
    two-sided CUSUM of the standardised prediction residual (slack ``slack``) raises an
    alarm above ``threshold``. A sensor that drifts against the others shows up as a
    sustained residual; when several columns alarm together, the one with the largest
    standardised shift is blamed and the others are rechecked without it. Drift is
    warned with its time span; with ``exclude`` the rows of the span are dropped.

    Attributes:
        enabled: Run the check.
        reference_fraction: Share of each line's rows (from the start) taken as normal.
        reference_start: Start of the reference period (overrides the fraction).
        reference_end: End of the reference period.
        slack: CUSUM slack ``k`` in robust standard deviations.
        threshold: CUSUM alarm level ``h`` in robust standard deviations.
        min_rows: Fewest rows a line needs for the check.
        exclude: Drop the rows between the estimated drift onset and its end.
    """

    enabled: bool = True
    reference_fraction: float = Field(default=0.3, gt=0.0, le=1.0)
    reference_start: datetime | None = None
    reference_end: datetime | None = None
    slack: float = Field(default=1.0, ge=0.0, le=100.0)
    threshold: float = Field(default=50.0, gt=0.0, le=1e6)
    min_rows: int = Field(default=50, ge=10)
    exclude: bool = False

    @model_validator(mode="after")
    def _period(self) -> DriftConfig:
        s, e = self.reference_start, self.reference_end
        if s is not None and e is not None and not s < e:
            raise ValueError("drift.reference_start must be before drift.reference_end")
        return self


class CleaningConfig(_Frozen):
    """How the logs are cleaned before training.

    Attributes:
        missing: Missing setpoint/context cells: ``drop`` the row, or ``impute_recent``
            (median of the same line's valid values in the ``impute_window`` rows
            before). Rows with a missing outcome are never trained on.
        impute_window: Rows looked back for ``impute_recent``.
        check_limits: Check the columns' physical limits.
        limits_action: Values outside a column's physical limits: ``drop_row`` or
            ``set_missing``. They are never clipped.
        outliers: Spike (Hampel) detection.
        stuck: Stuck-sensor detection.
        drift: Drift detection.
        exclude_when: Condition over numeric columns; matching rows (start-up,
            shut-down, trials) are excluded, e.g. ``"agitator_rpm < 50 or
            batch_time_h < 0.2"``. Missing values compare as false.
        duplicates: Rows sharing a timestamp (on the same line): keep the first, the
            last, drop them all, or keep all of them (counted only).
        trial_column: A log column marking deliberate plant trials: ``1``, ``true``,
            ``yes``, ``y``, ``t``, ``x`` or ``trial`` (any case) mark a trial; ``0``,
            ``false``, ``no``, ``n``, ``f``, ``normal`` or an empty cell mark a normal
            row; any other text is an error. Trial rows are deliberately away from
            normal operation, so the statistical checks (spikes, unusual rows, stuck
            sensors, drift) neither flag them nor see them (the detectors run on the
            normal rows only) and a missing input of a trial row is not imputed. Physical
            limits, missing values, duplicate times and ``exclude_when`` still apply.
            The column must exist in the logs (a misspelt name would silently exempt
            nothing).
    """

    missing: Literal["drop", "impute_recent"] = "drop"
    impute_window: int = Field(default=5, ge=1, le=10_000)
    check_limits: bool = True
    limits_action: CellAction = "drop_row"
    outliers: OutlierConfig = Field(default_factory=OutlierConfig)
    stuck: StuckConfig = Field(default_factory=StuckConfig)
    drift: DriftConfig = Field(default_factory=DriftConfig)
    exclude_when: str | None = Field(default=None, min_length=1, max_length=2000)
    duplicates: Literal["keep_first", "keep_last", "drop_all", "keep_all"] = "keep_first"
    trial_column: str | None = Field(default=None, min_length=1, max_length=500)

    @classmethod
    def minimal(cls) -> CleaningConfig:
        """Only what training needs: rows without a time, with a duplicate time or with
        a missing or unreadable value are dropped; no limit, spike, stuck or drift
        check. The baseline for "trained on the raw logs"."""
        return cls(check_limits=False, outliers=OutlierConfig(enabled=False),
                   stuck=StuckConfig(enabled=False), drift=DriftConfig(enabled=False))
