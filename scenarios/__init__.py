"""Bundled scenarios and the logs they use (data only; the engine never imports a
simulator from here)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled", "names"]

_HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    """Names of the bundled scenarios (folders holding a ``scenario.yaml``)."""
    return sorted(p.parent.name for p in _HERE.glob("*/scenario.yaml"))


def bundled(name: str) -> Path:
    """The scenario file of a bundled scenario.

    Raises:
        KeyError: No bundled scenario of that name.
    """
    path = _HERE / name / "scenario.yaml"
    if not path.is_file():
        raise KeyError(f"no bundled scenario {name!r}; bundled: {', '.join(names())}")
    return path
