"""``report.xlsx``: recipes and plans for planners who live in Excel (openpyxl).

Sheets: ``summary`` (scenario facts and warnings), ``recipes`` (``pareto.csv`` with units
in the headers, recommended rows highlighted), ``plans`` and ``plan_summary`` (when
scheduling ran; a one-line note otherwise), ``data_quality`` and ``model``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.report.content import data_quality_facts, scenario_facts
from optimizer.report.rundata import Run

__all__ = ["SHEETS", "write_workbook"]

#: The workbook's sheets, in order.
SHEETS = ("summary", "recipes", "plans", "plan_summary", "data_quality", "model")

_HEADER = PatternFill("solid", fgColor="DDE7F0")
_RECOMMENDED = PatternFill("solid", fgColor="FDE4D4")
_WARN = Font(color="D55E00", bold=True)


def _cell(value: object) -> object:
    """A value openpyxl can store (numpy scalars to Python, NaN to empty)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _write_frame(ws: Worksheet, frame: pd.DataFrame, *, headers: list[str] | None = None,
                 highlight: list[bool] | None = None) -> None:
    labels = headers or [str(c) for c in frame.columns]
    ws.append(labels)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(frame.itertuples(index=False)):
        ws.append([_cell(v) for v in row])
        if highlight and highlight[i]:
            for cell in ws[ws.max_row]:
                cell.fill = _RECOMMENDED
    for j, label in enumerate(labels, start=1):
        values = frame.iloc[:, j - 1] if len(frame) else pd.Series(dtype=object)
        longest = max([len(label) * 0.8, *(len(f"{v:.6g}" if isinstance(v, float) else str(v))
                                           for v in values.head(200))], default=8)
        ws.column_dimensions[get_column_letter(j)].width = min(max(8, longest + 2), 48)
        if pd.api.types.is_float_dtype(values):
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = "0.000"
    ws.freeze_panes = "B2"


def _note(ws: Worksheet, text: str) -> None:
    ws.append([text])
    ws.column_dimensions["A"].width = 90


def _summary(ws: Worksheet, run: Run) -> None:
    ws.append([f"Batch-planning report: {run.name}"])
    ws["A1"].font = Font(bold=True, size=14)
    desc = run.scenario.get("description")
    if desc:
        ws.append([str(desc)])
    ws.append([])
    warnings = run.warnings
    ws.append([f"{len(warnings)} warning(s)"])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    for w in warnings:
        ws.append([w.source, w.message])
        ws.cell(ws.max_row, 2).font = _WARN
    ws.append([])
    for key, value in scenario_facts(run):
        ws.append([key, value])
    rec = run.recommended()
    if len(rec):
        ws.append([])
        ws.append(["recommended", ", ".join(rec["recipe_id"].astype(str))])
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 110


def write_workbook(run: Run, path: Path) -> Path:
    """Write the workbook.

    Args:
        run: The run folder's content.
        path: Where to write (the caller makes the write atomic).

    Returns:
        ``path``.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    _summary(ws, run)

    ws = wb.create_sheet("recipes")
    if run.pareto.empty:
        _note(ws, "The search did not run in this folder: no recipes.")
    else:
        _write_frame(ws, run.pareto, headers=[run.label(str(c)) for c in run.pareto.columns],
                     highlight=run.recommended_mask().tolist())

    for name, frame in (("plans", run.plans), ("plan_summary", run.plan_summary)):
        ws = wb.create_sheet(name)
        if frame is None:
            _note(ws, "Scheduling did not run: the scenario has no orders.")
        else:
            _write_frame(ws, frame)

    ws = wb.create_sheet("data_quality")
    cols = run.data_quality_columns
    if not run.data_quality:
        _note(ws, "This run folder has no data_quality.json.")
    else:
        for key, value in data_quality_facts(run):
            ws.append([key, value])
        ws.append([])
        if not cols.empty:
            start = ws.max_row + 1
            frame = cols.reset_index()
            ws.append([str(c) for c in frame.columns])
            for cell in ws[start]:
                cell.font = Font(bold=True)
                cell.fill = _HEADER
            for row in frame.itertuples(index=False):
                ws.append([_cell(v) for v in row])
        ws.column_dimensions["A"].width = 28

    ws = wb.create_sheet("model")
    metrics = run.model_metrics
    if metrics.empty:
        _note(ws, "This run folder has no model card.")
    else:
        frame = metrics.reset_index()
        frame.insert(1, "unit", [run.unit(str(n)) for n in metrics.index])
        _write_frame(ws, frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
