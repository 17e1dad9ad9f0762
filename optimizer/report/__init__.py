"""The batch-planning report of a run folder: HTML, PDF and an Excel workbook.

Build it with :func:`build_report`; read a run folder in a notebook with
:func:`load_run` (also available as :func:`optimizer.api.load_run`).
"""

from optimizer.report.build import ReportFiles, build_report
from optimizer.report.rundata import ObjectiveInfo, Run, RunWarning, load_run

__all__ = ["ObjectiveInfo", "ReportFiles", "Run", "RunWarning", "build_report", "load_run"]
