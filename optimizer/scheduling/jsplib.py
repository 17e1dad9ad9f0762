"""Job-shop benchmark instances (JSPLIB) as :class:`~optimizer.scheduling.data.ScheduleData`.

Each job becomes an order with one batch; each operation a task with a single mode on
its machine. Solving such an instance for ``makespan_h`` runs the very model that plans
the plant, so the benchmark measures the product's scheduling model, not a separate
job-shop code. Time units are the instance's own (``time_unit_min = 60``: one unit is
reported as one hour).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from optimizer.scheduling.data import (
    Job,
    Machine,
    Mode,
    Order,
    ScheduleData,
    ScheduleDataError,
    Task,
)

__all__ = ["JsplibInstance", "jsplib_index", "load_jsplib", "parse_jsplib"]


@dataclass(frozen=True)
class JsplibInstance:
    """One entry of JSPLIB's ``instances.json``.

    Attributes:
        name: Instance name (``ft06``).
        jobs: Number of jobs.
        machines: Number of machines.
        optimum: Proven optimal makespan, or ``None``.
        lower: Best lower bound known (the optimum when proven).
        upper: Best known makespan (the optimum when proven).
        path: The instance file.
    """

    name: str
    jobs: int
    machines: int
    optimum: int | None
    lower: int | None
    upper: int | None
    path: Path

    @property
    def best_known(self) -> int | None:
        """Optimum when proven, else the best known upper bound."""
        return self.optimum if self.optimum is not None else self.upper


def jsplib_index(root: str | Path) -> dict[str, JsplibInstance]:
    """Read JSPLIB's ``instances.json`` in ``root``: name -> instance metadata.

    Raises:
        ScheduleDataError: The file is missing or malformed.
    """
    root = Path(root)
    path = root / "instances.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ScheduleDataError(f"cannot read the JSPLIB index: {exc}", file=path) from None
    out = {}
    for entry in raw:
        bounds = entry.get("bounds") or {}
        opt = entry.get("optimum")
        out[entry["name"]] = JsplibInstance(
            name=entry["name"], jobs=int(entry["jobs"]), machines=int(entry["machines"]),
            optimum=opt, lower=opt if opt is not None else bounds.get("lower"),
            upper=opt if opt is not None else bounds.get("upper"),
            path=root / entry["path"])
    return out


def parse_jsplib(text: str, name: str = "jsp", *, source: str | Path | None = None
                 ) -> ScheduleData:
    """Parse one instance in JSPLIB's text format.

    Args:
        text: ``n_jobs n_machines`` then one line per job of ``machine time`` pairs;
            lines starting with ``#`` are comments.
        name: Instance name.
        source: File name for error messages.

    Raises:
        ScheduleDataError: The text is not a valid instance.
    """
    rows = [line.split() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    try:
        n_jobs, n_machines = (int(x) for x in rows[0][:2])
        ops = [[(int(r[2 * k]), int(r[2 * k + 1])) for k in range(len(r) // 2)]
               for r in rows[1:1 + n_jobs]]
    except (IndexError, ValueError) as exc:
        raise ScheduleDataError(f"not a JSPLIB instance: {exc}", file=source) from None
    if len(ops) != n_jobs or any(len(r) % 2 for r in rows[1:1 + n_jobs]):
        raise ScheduleDataError(f"expected {n_jobs} job lines of machine/time pairs",
                                file=source)
    tasks: list[Task] = []
    jobs: list[Job] = []
    for j, job_ops in enumerate(ops):
        ids = []
        for k, (machine, duration) in enumerate(job_ops):
            if not 0 <= machine < n_machines or duration < 0:
                raise ScheduleDataError(f"bad operation ({machine}, {duration})",
                                        file=source, location=f"job {j}, operation {k}")
            ids.append(len(tasks))
            tasks.append(Task(j, k, f"op{k}", (Mode(machine, duration),)))
        jobs.append(Job(j, 1, tuple(ids)))
    horizon = max(1, sum(m.duration for t in tasks for m in t.modes))
    return ScheduleData(
        machines=tuple(Machine(f"M{m}") for m in range(n_machines)),
        products=("job",),
        orders=tuple(Order(f"J{j}", 0) for j in range(n_jobs)),
        jobs=tuple(jobs), tasks=tuple(tasks), horizon=horizon, time_unit_min=60.0,
        name=name)


def load_jsplib(name: str, root: str | Path) -> ScheduleData:
    """Load instance ``name`` (e.g. ``"ft10"``) from the JSPLIB folder ``root``.

    Raises:
        ScheduleDataError: Unknown instance or unreadable file.
    """
    index = jsplib_index(root)
    if name not in index:
        raise ScheduleDataError(f"unknown instance {name!r}", file=Path(root) / "instances.json",
                                hint="names look like ft06, la01, ta01")
    path = index[name].path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleDataError(f"cannot read: {exc}", file=path) from None
    return parse_jsplib(text, name, source=path)
