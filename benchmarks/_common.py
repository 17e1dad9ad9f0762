"""Helpers shared by the benchmark scripts: the bundled scenario, the simulator as the
true process (benchmarks only; the engine never sees it), machine facts."""

from __future__ import annotations

import importlib
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BUNDLED = ROOT / "scenarios" / "batch_reactor" / "scenario.yaml"


def simulator():
    """The bundled process simulator module (ground truth for benchmarks)."""
    return importlib.import_module("scenarios.batch_reactor.simulator")


def machine() -> str:
    """One line describing this machine, for benchmark tables."""
    import torch

    cpu = platform.processor() or platform.machine()
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()},"
            f" torch {torch.__version__}, {torch.get_num_threads()} torch threads")


def true_objectives(scenario, X):
    """Minimisation-form true objectives ``(n, n_obj)`` and true feasibility ``(n,)`` of
    setpoints ``X`` ``(n, n_setpoints)`` at the scenario's context and line."""
    import numpy as np

    from surrogates.expressions import Expression

    sim = simulator()
    context = {k: v.value for k, v in scenario.context.items()}
    Y = sim.true_outcomes(X, context=context, line=scenario.logs.line)
    values = {name: Y[:, j] for j, name in enumerate(sim.OUTCOMES)}
    values.update({name: X[:, j] for j, name in enumerate(scenario.setpoints)})
    values.update(context)
    names = list(values)
    F = np.column_stack([
        (-1 if o.sense == "maximize" else 1)
        * np.broadcast_to(Expression.parse(o.formula, names=names).evaluate(values), (len(X),))
        for o in scenario.objectives])
    ok = np.ones(len(X), dtype=bool)
    for c in scenario.constraints:
        value = Expression.parse(c.expression, names=names).evaluate(values)
        if c.upper is not None:
            ok &= value <= c.upper + 1e-9
        if c.lower is not None:
            ok &= value >= c.lower - 1e-9
    return F, ok


class SimulatorSurrogate:
    """The simulator behind the surrogate interface (std 0): lets the engine's own
    search machinery find the true Pareto front."""

    def __init__(self, scenario) -> None:
        sim = simulator()
        self.scenario = scenario
        self.feature_names = tuple(scenario.setpoints) + tuple(scenario.context)
        self.outcome_names = tuple(sim.OUTCOMES)

    def predict(self, X):
        import numpy as np

        sim = simulator()
        k = len(self.scenario.setpoints)
        context = {name: X[:, k + j] for j, name in enumerate(self.scenario.context)}
        Y = sim.true_outcomes(np.ascontiguousarray(X[:, :k]), context=context,
                              line=self.scenario.logs.line)
        return Y, np.zeros_like(Y)


def true_front(scenario, *, box=None, pop_size=300, generations=400, seed=0):
    """Setpoints of the true Pareto front (NSGA-II on the simulator, large budget),
    optionally inside ``box`` = (lower, upper) arrays of the setpoints."""
    import numpy as np

    from optimizer.problem import SurrogateProblem
    from optimizer.search import run_search

    sc = scenario
    if box is not None:
        lo, hi = box
        setpoints = {}
        for j, (name, spec) in enumerate(sc.setpoints.items()):
            lower, upper = max(spec.lower, lo[j]), min(spec.upper, hi[j])
            if spec.type == "integer":
                lower, upper = float(np.ceil(lower)), float(np.floor(upper))
            setpoints[name] = spec.model_copy(update={"lower": lower, "upper": upper})
        sc = sc.model_copy(update={"setpoints": setpoints})
    sc = sc.model_copy(update={"search": sc.search.model_copy(update={
        "trust_region": sc.search.trust_region.model_copy(update={"enabled": False}),
        "robust": sc.search.robust.model_copy(update={"objectives_k": 0.0,
                                                       "constraints_k": 0.0})})})
    problem = SurrogateProblem(sc, SimulatorSurrogate(sc))
    result = run_search(problem, pop_size=pop_size, generations=generations, seed=seed,
                        stall_generations=None)
    return result.X


def hv_ratio(F, ok, F_true, ok_true):
    """Hypervolume of the feasible rows of ``F`` over that of the true front, both scaled
    by the true front's ideal-nadir box, reference point 1.1 in every objective."""
    import numpy as np

    from optimizer.indicators import hypervolume

    T = F_true[ok_true]
    lo, hi = T.min(axis=0), T.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    ref = np.full(T.shape[1], 1.1)
    return hypervolume((F[ok] - lo) / span, ref) / hypervolume((T - lo) / span, ref)
