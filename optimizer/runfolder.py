"""The run folder: every file written atomically (temporary file, then rename)."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from surrogates.versions import package_versions as versions_of

__all__ = ["RunFolder", "package_versions", "to_jsonable"]

_PACKAGES = ("paretoplan", "numpy", "pandas", "torch", "pymoo", "ortools", "pydantic",
             "scikit-learn", "safetensors", "matplotlib", "pyarrow")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    return {"python": platform.python_version(),
            **versions_of(_PACKAGES, missing="not installed")}


def to_jsonable(value: Any) -> Any:
    """Turn numpy / pandas / path values into plain JSON values (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        return f if np.isfinite(f) else None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


@contextmanager
def _atomic(path: Path, mode: str = "w") -> Iterator[Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as fh:
            yield fh
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunFolder:
    """A run's output folder.

    Args:
        path: The folder; created on the first write.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def file(self, name: str) -> Path:
        """The path of a file inside the run folder."""
        return self.path / name

    def write_json(self, name: str, data: Any) -> Path:
        """Write ``data`` as indented JSON, atomically."""
        target = self.file(name)
        with _atomic(target) as fh:
            json.dump(to_jsonable(data), fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        return target

    def write_text(self, name: str, text: str) -> Path:
        """Write a text file atomically."""
        target = self.file(name)
        with _atomic(target) as fh:
            fh.write(text)
        return target

    def write_csv(self, name: str, frame: pd.DataFrame) -> Path:
        """Write a table as CSV (no index, full float precision), atomically."""
        target = self.file(name)
        with _atomic(target) as fh:
            frame.to_csv(fh, index=False, float_format="%.10g", lineterminator="\n")
        return target

    def write_figure(self, name: str, figure: Figure, *, dpi: int = 130) -> Path:
        """Save a matplotlib figure as PNG under ``figures/`` atomically and close it."""
        target = self.file(f"figures/{name}")
        with _atomic(target, "wb") as fh:
            figure.savefig(fh, format="png", dpi=dpi)
        return target

    def read_json(self, name: str) -> Any:
        """Read a JSON file of the run folder."""
        return json.loads(self.file(name).read_text(encoding="utf-8"))
