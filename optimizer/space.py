"""The search space: setpoints as the plant has them.

NSGA-II works on a continuous vector ``z`` in ``[xl, xu]``. Continuous setpoints map
one to one; integer setpoints are rounded; a choice setpoint is encoded as the index of
its choice (rounded). :meth:`DesignSpace.decode` turns ``z`` into setpoint values in
plant units, rounded to each setpoint's instrument resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.scenario import Scenario, Setpoint

__all__ = ["DesignSpace"]


@dataclass(frozen=True)
class DesignSpace:
    """The encoded search space of a scenario's setpoints.

    Attributes:
        names: Setpoint names, in scenario order.
        xl: Lower bounds of the encoding, shape ``(n_var,)``.
        xu: Upper bounds of the encoding, shape ``(n_var,)``.
        rounded: Which encoded variables are rounded to whole numbers, ``(n_var,)``.
        setpoints: The scenario's setpoint specs, in ``names`` order.
    """

    names: tuple[str, ...]
    xl: np.ndarray
    xu: np.ndarray
    rounded: np.ndarray
    setpoints: tuple[Setpoint, ...]

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> DesignSpace:
        """Build the space from a scenario's ``setpoints`` section."""
        names = tuple(scenario.setpoints)
        specs = tuple(scenario.setpoints.values())
        xl, xu, rounded = [], [], []
        for spec in specs:
            if spec.fixed is not None:
                xl.append(spec.fixed)
                xu.append(spec.fixed + 1e-9)
                rounded.append(False)
            elif spec.type == "choice":
                assert spec.choices is not None
                xl.append(-0.5 + 1e-9)
                xu.append(len(spec.choices) - 0.5 - 1e-9)
                rounded.append(True)
            else:
                xl.append(spec.lower)
                xu.append(spec.upper)
                rounded.append(spec.type == "integer")
        return cls(names, np.array(xl, float), np.array(xu, float), np.array(rounded),
                   specs)

    @property
    def n_var(self) -> int:
        """Number of setpoints searched."""
        return len(self.names)

    def repair(self, Z: np.ndarray) -> np.ndarray:
        """Round the integer and choice parts of an encoded population, ``(n, n_var)``."""
        Z = np.clip(np.asarray(Z, dtype=float), self.xl, self.xu)
        if self.rounded.any():
            Z[:, self.rounded] = np.round(Z[:, self.rounded])
        return Z

    def decode(self, Z: np.ndarray) -> np.ndarray:
        """Setpoint values in plant units for an encoded population.

        Args:
            Z: Encoded population, ``(n, n_var)``.

        Returns:
            Setpoint values, ``(n, n_var)``, within bounds, integer and choice values
            exact and continuous values rounded to their resolution.
        """
        Z = self.repair(Z)
        X = Z.copy()
        for j, spec in enumerate(self.setpoints):
            if spec.fixed is not None:
                X[:, j] = spec.fixed
            elif spec.type == "choice":
                assert spec.choices is not None
                X[:, j] = np.asarray(spec.choices, float)[Z[:, j].astype(int)]
            elif spec.resolution is not None:
                step = spec.resolution
                lo = np.ceil(spec.lower / step - 1e-9) * step
                hi = np.floor(spec.upper / step + 1e-9) * step
                X[:, j] = np.clip(np.round(X[:, j] / step) * step, lo, hi)
        return X

    def encode(self, X: np.ndarray) -> np.ndarray:
        """The encoding of setpoint values (inverse of :meth:`decode` up to rounding)."""
        Z = np.asarray(X, dtype=float).copy()
        for j, spec in enumerate(self.setpoints):
            if spec.fixed is not None:
                Z[:, j] = spec.fixed
            elif spec.type == "choice":
                assert spec.choices is not None
                choices = np.asarray(spec.choices, float)
                Z[:, j] = np.abs(Z[:, j, None] - choices[None, :]).argmin(axis=1)
        return np.clip(Z, self.xl, self.xu)
