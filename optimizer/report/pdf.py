"""``report.pdf``: the report's content laid out on A4 pages with matplotlib.

Why matplotlib's ``PdfPages`` and not an HTML-to-PDF route: it needs no browser, no
network and no new dependency (matplotlib is already required), embeds the same PNGs and
renders the same tables, and is deterministic across machines. The price is a simpler
layout than the HTML page: text flows top to bottom, tables split across pages.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from optimizer.figures import PALETTE
from optimizer.report.content import (
    ReportFigure,
    data_quality_facts,
    metrics_table,
    objective_table,
    plan_kpis,
    recipe_table,
    scenario_facts,
    setpoint_table,
)
from optimizer.report.html import WARNINGS_SHOWN
from optimizer.report.rundata import Run

__all__ = ["write_pdf"]

_A4 = (8.27, 11.69)
_MARGIN = 0.06
_VERMILLION = PALETTE[3]


class _Flow:
    """Text, tables and images flowing down A4 pages."""

    def __init__(self, pdf: PdfPages, footer: str) -> None:
        self.pdf = pdf
        self.footer = footer
        self.fig: Figure | None = None
        self.y = 0.0
        self.page_no = 0
        self.landscape = False

    @property
    def size(self) -> tuple[float, float]:
        return (_A4[1], _A4[0]) if self.landscape else _A4

    def new_page(self, *, landscape: bool | None = None) -> None:
        self.finish_page()
        if landscape is not None:
            self.landscape = landscape
        self.fig = plt.figure(figsize=self.size)
        self.page_no += 1
        self.y = 1 - _MARGIN
        self.fig.text(0.5, 0.02, f"{self.footer} · page {self.page_no}", ha="center",
                      fontsize=7, color="#777777")

    def finish_page(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            plt.close(self.fig)
            self.fig = None

    def _line_h(self, size: float) -> float:
        return size * 1.45 / 72 / self.size[1]

    def need(self, height: float) -> Figure:
        if self.fig is None or self.y - height < _MARGIN:
            self.new_page()
        assert self.fig is not None
        return self.fig

    def heading(self, text: str, size: float = 14) -> None:
        fig = self.need(self._line_h(size) * 2 + 0.12)
        self.y -= self._line_h(size) * 0.6
        fig.text(_MARGIN, self.y, text, fontsize=size, fontweight="bold", va="top")
        self.y -= self._line_h(size) * 1.3

    def text(self, text: str, size: float = 9.0, color: str = "black",
             bold: bool = False) -> None:
        width = int((1 - 2 * _MARGIN) * self.size[0] * 72 / (size * 0.52))
        for line in textwrap.wrap(text, width) or [""]:
            fig = self.need(self._line_h(size))
            fig.text(_MARGIN, self.y, line, fontsize=size, color=color, va="top",
                     fontweight="bold" if bold else "normal")
            self.y -= self._line_h(size)
        self.y -= self._line_h(size) * 0.4

    def facts(self, pairs: Iterable[tuple[str, str]], size: float = 8.5) -> None:
        frame = pd.DataFrame(list(pairs), columns=["", " "])
        if len(frame):
            self.table(frame, size=size, header=False)

    def table(self, frame: pd.DataFrame, size: float = 7.5, header: bool = True,
              highlight: list[bool] | None = None) -> None:
        if frame.empty:
            self.text("Nothing recorded.", size=8.5, color="#555555")
            return
        cells = [[str(v) for v in row] for row in frame.itertuples(index=False)]
        labels = [str(c).replace(" [", "\n[") for c in frame.columns]
        two_line = header and any("\n" in lab for lab in labels)
        widths = [max([max(len(x) for x in labels[j].split("\n")) * 1.15 if header else 0]
                      + [len(r[j]) for r in cells]) + 2 for j in range(len(labels))]
        row_h = self._line_h(size) * 1.25
        start = 0
        while start < len(cells):
            head_rows = (2 if two_line else 1) if header else 0
            room = int((self.y - _MARGIN) / row_h) - head_rows
            if room < 3:
                self.new_page()
                continue
            chunk = cells[start:start + room]
            height = (len(chunk) + head_rows) * row_h
            fig = self.need(height)
            total = sum(widths)
            used = min(1 - 2 * _MARGIN, total * size * 0.6 / 72 / self.size[0])
            ax = fig.add_axes((_MARGIN, self.y - height, used, height))
            ax.axis("off")
            tbl = ax.table(cellText=chunk, colLabels=labels if header else None,
                           colWidths=[w / total for w in widths], loc="upper left",
                           cellLoc="left")
            tbl.auto_set_font_size(False)
            tbl.set_fontsize(size)
            unit_h = 1.0 / (len(chunk) + head_rows)
            for (r, _), cell in tbl.get_celld().items():
                cell.set_height(unit_h)
                cell.set_linewidth(0.3)
                cell.set_edgecolor("#cccccc")
                if header and r == 0:
                    cell.set_height(cell.get_height() * head_rows)
                    cell.set_facecolor("#eeeeee")
                    cell.set_text_props(fontweight="bold")
                idx = start + r - (1 if header else 0)
                if highlight and 0 <= idx < len(highlight) and highlight[idx] and (
                        r > 0 or not header):
                    cell.set_facecolor("#fde4d4")
            self.y -= height + self._line_h(size) * 0.8
            start += len(chunk)

    def image(self, path: Path, title: str, caption: str = "", max_h: float = 0.42) -> None:
        img = plt.imread(path)
        h_px, w_px = img.shape[:2]
        page_w, page_h = self.size
        width = 1 - 2 * _MARGIN
        height = width * page_w * h_px / w_px / page_h
        if height > max_h:
            width *= max_h / height
            height = max_h
        self.need(height + self._line_h(11) * 2 + (self._line_h(8) * 2 if caption else 0))
        self.text(title, size=10.5, bold=True)
        fig = self.need(height)
        ax = fig.add_axes((_MARGIN, self.y - height, width, height))
        ax.imshow(img, interpolation="antialiased")
        ax.axis("off")
        self.y -= height + self._line_h(8) * 0.5
        if caption:
            self.text(caption, size=7.5, color="#555555")


def write_pdf(run: Run, figures: list[ReportFigure], path: Path) -> Path:
    """Lay the report out as a PDF.

    Args:
        run: The run folder's content.
        figures: PNGs to include (from :func:`optimizer.report.content.make_figures`).
        path: Where to write (the caller makes the write atomic).

    Returns:
        ``path``.
    """
    meta = {"Title": f"Batch-planning report: {run.name}", "Creator": "paretoplan",
            "Subject": "Pareto-optimal setpoints and plans"}
    with PdfPages(path, metadata=meta) as pdf:
        flow = _Flow(pdf, f"paretoplan · {run.name}")
        flow.new_page()
        flow.heading(f"Batch-planning report: {run.name}", size=17)
        desc = run.scenario.get("description")
        if desc:
            flow.text(str(desc), size=9.5)
        warnings = run.warnings
        if warnings:
            flow.heading(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} —"
                         " read before acting", size=12)
            shown: dict[str, int] = {}
            for w in warnings:
                shown[w.source] = shown.get(w.source, 0) + 1
                if shown[w.source] <= WARNINGS_SHOWN:
                    flow.text(f"[{w.source}] {w.message}", size=9, color=_VERMILLION)
            for source, n in shown.items():
                if n > WARNINGS_SHOWN:
                    flow.text(f"[{source}] … and {n - WARNINGS_SHOWN} more {source} warnings"
                              " (all of them in report.html and report.xlsx).", size=9,
                              color=_VERMILLION)
        else:
            flow.text("No warnings: the data, the model fit and the recommended recipes"
                      " passed every check of this report.", size=9, color=PALETTE[2])
        flow.heading("Scenario", size=13)
        flow.facts(scenario_facts(run))
        flow.text("Setpoints", size=10, bold=True)
        flow.table(setpoint_table(run))
        flow.text("Objectives and constraints", size=10, bold=True)
        flow.table(objective_table(run))

        flow.heading("Data quality", size=13)
        if run.data_quality:
            flow.facts(data_quality_facts(run))
            cols = run.data_quality_columns
            if not cols.empty:
                flow.table(cols.reset_index().map(str))
        else:
            flow.text("This run folder has no data_quality.json.")

        flow.heading("Model card", size=13)
        flow.table(metrics_table(run))
        for fig in (f for f in figures if f.section == "model"):
            flow.image(fig.path, fig.title, fig.caption, max_h=0.3)

        if not run.pareto.empty:
            flow.new_page()
            flow.heading("Pareto front", size=13)
            for d in run.decisions:
                flow.text(f"{d.get('recipe_id', '')} — {str(d.get('flag', '')).replace('_', ' ')}:"
                          f" {d.get('explanation', '')}", size=8.5)
            for fig in (f for f in figures if f.section == "front"):
                flow.image(fig.path, fig.title, fig.caption)
            flow.new_page(landscape=True)
            flow.heading("Recipes (mean ± std of the ensemble)", size=13)
            table = recipe_table(run)
            flow.table(table, size=6.5,
                       highlight=[("recommended" in f) for f in table["flags"]])
            flow.new_page(landscape=False)
        if run.plans is not None or run.plan_summary is not None:
            flow.heading("Plans", size=13)
            flow.table(plan_kpis(run), size=7)
            for fig in (f for f in figures if f.section == "plans"):
                flow.image(fig.path, fig.title, fig.caption, max_h=0.3)
        for fig in (f for f in figures if f.section == "search"):
            flow.image(fig.path, fig.title, fig.caption, max_h=0.25)
        flow.finish_page()
    return path
