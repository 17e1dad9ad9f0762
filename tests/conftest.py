"""Shared fixtures: the bundled scenario, small fast variants of it, the public data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
BUNDLED = ROOT / "scenarios" / "batch_reactor" / "scenario.yaml"


def shared_data(*parts: str) -> Path:
    """A file of ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public data set not available at {path} (CI has ../shared beside the"
                    " checkout)")
    return path


def write_scenario(tmp_path: Path, **changes: object) -> Path:
    """A copy of the bundled scenario in ``tmp_path`` with top-level keys changed
    (``None`` deletes a key); the logs path points at the bundled logs."""
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    data["logs"]["path"] = str(BUNDLED.parent / data["logs"]["path"])
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


FAST = {
    "surrogate": {"n_members": 5, "hidden": [32, 32], "max_epochs": 40, "patience": 8},
    "search": {"pop_size": 60, "generations": 40},
}


@pytest.fixture
def fast_scenario(tmp_path: Path) -> Path:
    """The bundled scenario with a small network and a short search (seconds)."""
    return write_scenario(tmp_path, **FAST)
