"""Build the report of a run folder: ``report.html``, ``report.pdf``, ``report.xlsx`` and
the figures they show, every file written atomically (temporary file, then rename)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.report.content import ReportFigure, make_figures
from optimizer.report.html import render_html
from optimizer.report.pdf import write_pdf
from optimizer.report.rundata import load_run
from optimizer.report.workbook import write_workbook

__all__ = ["ReportFiles", "build_report"]


@dataclass(frozen=True)
class ReportFiles:
    """The files a report build wrote.

    Attributes:
        html: ``report.html``, self-contained.
        pdf: ``report.pdf``, or ``None`` when not asked for.
        xlsx: ``report.xlsx``, or ``None`` when not asked for.
        figures: Every PNG the report shows (under ``figures/``).
        n_warnings: Warnings shown at the top of the report.
    """

    html: Path
    pdf: Path | None = None
    xlsx: Path | None = None
    figures: list[Path] = field(default_factory=list)
    n_warnings: int = 0


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed onto it when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                               suffix=target.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(target: Path, writer: Callable[[Path], object]) -> Path:
    with _atomic_path(target) as tmp:
        writer(tmp)
    return target


def build_report(run_dir: str | Path, *, pdf: bool = True, xlsx: bool = True,
                 generated: dt.datetime | None = None) -> ReportFiles:
    """(Re)build the report of a run folder.

    Args:
        run_dir: The run folder (``run.json`` required; every other file optional: its
            section is left out or says that it is missing).
        pdf: Also write ``report.pdf``.
        xlsx: Also write ``report.xlsx`` (sheets ``summary``, ``recipes``, ``plans``,
            ``plan_summary``, ``data_quality``, ``model``).
        generated: Timestamp printed in the report (default: now).

    Returns:
        The files written.

    Raises:
        InputError: The folder or its ``run.json`` is missing, or a file in it is
            unreadable.
    """
    run = load_run(run_dir)
    figures: list[ReportFigure] = make_figures(run)
    html = render_html(run, figures, generated=generated)
    html_path = _write(run.path / "report.html",
                       lambda p: p.write_text(html, encoding="utf-8"))
    pdf_path = _write(run.path / "report.pdf", lambda p: write_pdf(run, figures, p)) \
        if pdf else None
    xlsx_path = _write(run.path / "report.xlsx", lambda p: write_workbook(run, p)) \
        if xlsx else None
    return ReportFiles(html_path, pdf_path, xlsx_path, [f.path for f in figures],
                       len(run.warnings))
