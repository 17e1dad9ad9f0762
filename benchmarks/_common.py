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
