"""The exception tree of paretoplan, and how each maps to an exit code.

* :class:`InputError` (and its subclasses :class:`ScenarioError`,
  :class:`~surrogates.errors.LogDataError`, :class:`~surrogates.errors.ModelFileError`):
  bad input the user can fix; exit code 2.
* :class:`InfeasibleError`: nothing meets the hard constraints; exit code 3.
* Anything else is a bug; exit code 1.
"""

from __future__ import annotations

from surrogates.errors import InputError, LogDataError, ModelFileError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INFEASIBLE",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "InfeasibleError",
    "InputError",
    "LogDataError",
    "ModelFileError",
    "ScenarioError",
]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3


class ScenarioError(InputError):
    """A scenario file is missing, not YAML, or does not validate."""


class InfeasibleError(RuntimeError):
    """No setpoint or plan meets the hard constraints.

    Args:
        message: Which constraints conflict, in plain words.
    """
