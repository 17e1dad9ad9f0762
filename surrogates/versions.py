"""Installed package versions, recorded with every model and run (reproducibility)."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata

__all__ = ["MODEL_PACKAGES", "package_versions"]

#: The packages a stored model's numbers depend on.
MODEL_PACKAGES = ("paretoplan", "torch", "numpy", "safetensors")


def package_versions(names: Iterable[str] = MODEL_PACKAGES,
                     missing: str | None = None) -> dict[str, str]:
    """``{package: version}`` for ``names``; a package that is not installed is left out,
    or given the text ``missing`` when that is set."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if missing is not None:
                out[name] = missing
    return out
