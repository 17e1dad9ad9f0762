"""``report.html``: one self-contained page (inline CSS, images as data URIs, no script,
no network), readable offline and printable."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape

import pandas as pd

from optimizer.report.content import (
    ReportFigure,
    data_quality_facts,
    fmt,
    metrics_table,
    objective_table,
    plan_kpis,
    recipe_table,
    scenario_facts,
    setpoint_table,
)
from optimizer.report.rundata import Run

__all__ = ["MAX_OPEN_ROWS", "WARNINGS_SHOWN", "render_html"]

#: Warnings listed per source before the rest is folded away.
WARNINGS_SHOWN = 5
#: Recipe tables longer than this start folded (flagged recipes are shown above them).
MAX_OPEN_ROWS = 30

_CSS = """
:root { --ink:#1d1d1f; --muted:#5b5b60; --line:#d9d9de; --blue:#0072B2; --warn:#D55E00;
        --warnbg:#fff3e8; --okbg:#eaf6f1; --ok:#009E73; --rec:#fdeee4; }
* { box-sizing: border-box; }
body { font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       color: var(--ink); margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 34px 0 10px; padding-top: 10px; border-top: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.lead { color: var(--muted); margin: 0 0 14px; }
nav { font-size: 14px; margin: 10px 0 18px; }
nav a { color: var(--blue); margin-right: 14px; text-decoration: none; }
.warnings { border: 2px solid var(--warn); background: var(--warnbg); padding: 10px 16px;
            border-radius: 6px; margin: 14px 0; }
.warnings h2 { border: 0; margin: 0 0 6px; padding: 0; color: var(--warn); }
.warnings li { margin: 4px 0; }
.warnings li.more { list-style: none; }
.ok { border: 2px solid var(--ok); background: var(--okbg); padding: 8px 16px;
      border-radius: 6px; margin: 14px 0; }
.tag { display: inline-block; font-size: 11px; font-weight: 600; text-transform: uppercase;
       letter-spacing: .04em; color: #fff; background: var(--warn); border-radius: 3px;
       padding: 1px 6px; margin-right: 6px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 9px; text-align: left;
         vertical-align: top; }
th { background: #f1f1f4; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.facts th { background: none; color: var(--muted); font-weight: normal; }
tr.rec td { background: var(--rec); font-weight: 600; }
tr.practice td { background: #eef3f8; font-style: italic; }
.scroll { overflow-x: auto; }
figure { margin: 14px 0 22px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
summary { cursor: pointer; color: var(--blue); margin: 8px 0; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.decision { border-left: 4px solid var(--blue); padding: 4px 12px; margin: 8px 0;
            background: #f3f8fc; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-before: auto; }
               figure, table { break-inside: avoid; } }
"""

_SECTIONS = (("scenario", "Scenario"), ("data", "Data quality"), ("model", "Model card"),
             ("front", "Pareto front"), ("recipes", "Recipes"), ("plans", "Plans"),
             ("search", "Search"))


def _is_number(text: str) -> bool:
    t = text.replace(" ", "").replace("±", "").replace("%", "").replace("−", "-")
    try:
        float(t.split("±")[0] if "±" in text else t)
    except ValueError:
        return False
    return True


def _table(frame: pd.DataFrame, *, row_classes: Sequence[str] | None = None,
           cls: str = "") -> str:
    if frame.empty:
        return "<p><em>Nothing recorded.</em></p>"
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = []
        for v in row:
            text = v if isinstance(v, str) else fmt(v)
            num = ' class="num"' if text and _is_number(text.split(" ± ")[0]) else ""
            cells.append(f"<td{num}>{escape(text)}</td>")
        rc = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{rc}>{''.join(cells)}</tr>")
    klass = f' class="{cls}"' if cls else ""
    return (f'<div class="scroll"><table{klass}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _facts(pairs: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pairs)
    return f'<table class="facts"><tbody>{rows}</tbody></table>' if rows else ""


def _figure(fig: ReportFigure) -> str:
    data = base64.b64encode(fig.path.read_bytes()).decode("ascii")
    cap = f"<figcaption>{escape(fig.caption)}</figcaption>" if fig.caption else ""
    return (f"<figure><h3>{escape(fig.title)}</h3>"
            f'<img src="data:image/png;base64,{data}" alt="{escape(fig.title)}">{cap}</figure>')


def _warnings(run: Run) -> str:
    items = run.warnings
    if not items:
        return ('<div class="ok"><strong>No warnings.</strong> The data, the model fit and'
                " the recommended recipes passed every check of this report.</div>")
    groups: dict[str, list[str]] = {}
    for w in items:
        groups.setdefault(w.source, []).append(w.message)
    lis = []
    for source, messages in groups.items():
        tag = f'<span class="tag">{escape(source)}</span>'
        lis += [f"<li>{tag}{escape(m)}</li>" for m in messages[:WARNINGS_SHOWN]]
        rest = messages[WARNINGS_SHOWN:]
        if rest:
            more = "".join(f"<li>{escape(m)}</li>" for m in rest)
            lis.append(f'<li class="more"><details><summary>{len(rest)} more'
                       f" {escape(source)} warnings</summary><ul>{more}</ul></details></li>")
    counts = ", ".join(f"{len(v)} {k}" for k, v in groups.items())
    return (f'<section class="warnings" id="warnings"><h2>⚠ {len(items)} warning'
            f'{"s" if len(items) != 1 else ""} — read before acting</h2>'
            f'<p class="lead">{escape(counts)}</p><ul>{"".join(lis)}</ul></section>')


def _section_scenario(run: Run) -> str:
    desc = run.scenario.get("description") or ""
    parts = ['<h2 id="scenario">Scenario</h2>',
             f"<p>{escape(desc)}</p>" if desc else "",
             _facts(scenario_facts(run)),
             "<h3>Setpoints</h3>", _table(setpoint_table(run)),
             "<h3>Objectives and constraints</h3>", _table(objective_table(run))]
    return "".join(parts)


def _section_data(run: Run) -> str:
    if not run.data_quality:
        return ('<h2 id="data">Data quality</h2><p><em>This run folder has no'
                " data_quality.json.</em></p>")
    parts = ['<h2 id="data">Data quality</h2>', _facts(data_quality_facts(run))]
    cols = run.data_quality_columns
    if not cols.empty:
        parts += ["<h3>Per column</h3>", _table(cols.reset_index())]
    ranges = run.data_quality.get("training_ranges") or run.model_card.get("training_ranges")
    if isinstance(ranges, dict) and ranges:
        frame = pd.DataFrame([{"column": k, "unit": run.unit(k),
                               "min": fmt(v[0]) if isinstance(v, list | tuple) else fmt(v),
                               "max": fmt(v[1]) if isinstance(v, list | tuple) else ""}
                              for k, v in ranges.items()])
        parts += ["<h3>Ranges the model was trained on</h3>", _table(frame)]
    return "".join(parts)


def _section_model(run: Run, figs: list[ReportFigure]) -> str:
    card = run.model_card
    if not card and run.model_metrics.empty:
        return ('<h2 id="model">Model card</h2><p><em>This run folder has no model'
                " card.</em></p>")
    facts = []
    if card.get("kind"):
        facts.append(("model", str(card["kind"])))
    arch = card.get("architecture")
    if isinstance(arch, dict):
        facts.append(("architecture", ", ".join(f"{k} {v}" for k, v in arch.items()
                                                if not isinstance(v, dict | list)
                                                or k == "hidden")))
    if card.get("mode"):
        facts.append(("training mode", f"{card['mode']}: {card.get('mode_reason', '')}"))
    encoding = card.get("input_encoding")
    if isinstance(encoding, dict) and encoding.get("chosen"):
        facts.append(("input encoding", f"{encoding['chosen']}"
                      + (f": {encoding['reason']}" if encoding.get("reason") else "")))
    tuning = card.get("fine_tuning")
    if isinstance(tuning, dict) and tuning.get("kept"):
        facts.append(("fine-tuning", f"{tuning.get('rows')} rows of the planned line; kept"
                      f" the {tuning['kept']} model (validation MSE"
                      f" {fmt(tuning.get('valid_mse_pretrained'))} pretrained,"
                      f" {fmt(tuning.get('valid_mse_fine_tuned'))} fine-tuned)"))
    data = card.get("data")
    if isinstance(data, dict):
        if data.get("span"):
            facts.append(("data span", " to ".join(map(str, data["span"]))))
        if isinstance(data.get("lines"), dict):
            facts.append(("rows per line", ", ".join(f"{k}: {v}"
                                                     for k, v in data["lines"].items())))
    for key, label in (("n_train", "training rows"), ("n_valid", "validation rows"),
                       ("n_test", "test rows")):
        if key in card:
            facts.append((label, fmt(card[key])))
    val = card.get("validation")
    if isinstance(val, dict) and val.get("scheme"):
        facts.append(("validation", str(val["scheme"])))
    training = card.get("training")
    if isinstance(training, dict):
        for key, label in (("seconds", "training time [s]"), ("epochs_run", "epochs"),
                           ("best_epoch", "best epoch")):
            if key in training:
                facts.append((label, fmt(training[key])))
    parts = ['<h2 id="model">Model card</h2>', _facts(facts),
             "<h3>Accuracy, uncertainty and calibration on held-out batches</h3>",
             _table(metrics_table(run))]
    parts += [_figure(f) for f in figs if f.section == "model"]
    if run.sensitivities is None:
        parts.append("<p><em>The model card holds no sensitivities.</em></p>")
    return "".join(parts)


def _section_front(run: Run, figs: list[ReportFigure]) -> str:
    parts = ['<h2 id="front">Pareto front</h2>']
    if run.pareto.empty:
        return parts[0] + "<p><em>The search did not run in this folder.</em></p>"
    parts.append(f"<p>{len(run.pareto)} recipes are Pareto-optimal: none can improve one"
                 " objective without worsening another, according to the surrogate.</p>")
    for d in run.decisions:
        parts.append(f'<div class="decision"><strong>{escape(str(d.get("recipe_id", "")))}'
                     f' — {escape(str(d.get("flag", "")).replace("_", " "))}.</strong> '
                     f'{escape(str(d.get("explanation", "")))}</div>')
    parts += [_figure(f) for f in figs if f.section == "front"]
    return "".join(parts)


def _section_recipes(run: Run) -> str:
    if run.pareto.empty:
        return ""
    table = recipe_table(run)
    classes = ["practice" if r == "current practice" else "rec" if "recommended" in f
               else "" for r, f in zip(table["recipe"], table["flags"], strict=True)]
    radius = run.trust_radius
    note = (f" Support is the distance to the nearest logged batch in RMS standard"
            f" deviations of the logged setpoints; above {radius:g} the prediction is an"
            " extrapolation." if radius is not None else "")
    parts = [f'<h2 id="recipes">Recipes</h2><p>Predicted outcomes are the ensemble mean ±'
             f" one standard deviation (ensemble spread).{escape(note)}</p>"]
    flagged = [i for i, f in enumerate(table["flags"]) if f]
    n = len(run.pareto)
    if n > MAX_OPEN_ROWS and flagged:
        parts += ["<h3>Flagged recipes and current practice</h3>",
                  _table(table.iloc[flagged], row_classes=[classes[i] for i in flagged])]
    open_attr = " open" if n <= MAX_OPEN_ROWS else ""
    parts.append(f"<details{open_attr}><summary>All {n} Pareto-optimal recipes</summary>"
                 + _table(table, row_classes=classes) + "</details>")
    return "".join(parts)


def _section_plans(run: Run, figs: list[ReportFigure]) -> str:
    if run.plans is None and run.plan_summary is None:
        return ""
    parts = ['<h2 id="plans">Plans</h2>']
    kpis = plan_kpis(run)
    if not kpis.empty:
        parts += ["<h3>KPIs per Pareto-optimal plan</h3>", _table(kpis)]
    parts += [_figure(f) for f in figs if f.section == "plans"]
    return "".join(parts)


def _section_search(run: Run, figs: list[ReportFigure]) -> str:
    mine = [f for f in figs if f.section == "search"]
    return ('<h2 id="search">Search</h2>' + "".join(_figure(f) for f in mine)) if mine else ""


def _footer(run: Run, generated: dt.datetime) -> str:
    versions = run.run_info.get("versions") or {}
    text = ", ".join(f"{k} {v}" for k, v in versions.items())
    return (f"<footer>Report generated {escape(generated.strftime('%Y-%m-%d %H:%M'))} from"
            f" {escape(str(run.path))} by paretoplan. {escape(text)}</footer>")


def render_html(run: Run, figures: list[ReportFigure], *,
                generated: dt.datetime | None = None) -> str:
    """The report page.

    Args:
        run: The run folder's content.
        figures: PNGs to embed (from :func:`optimizer.report.content.make_figures`).
        generated: Timestamp printed in the footer (default: now).

    Returns:
        The HTML text: one file, every image a ``data:`` URI, no scripts, no external links.
    """
    generated = generated or dt.datetime.now()
    sections = {
        "scenario": _section_scenario(run),
        "data": _section_data(run),
        "model": _section_model(run, figures),
        "front": _section_front(run, figures),
        "recipes": _section_recipes(run),
        "plans": _section_plans(run, figures),
        "search": _section_search(run, figures),
    }
    nav = "".join(f'<a href="#{key}">{escape(label)}</a>' for key, label in _SECTIONS
                  if sections[key])
    title = f"Batch-planning report: {run.name}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head><body><main>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="lead">Run folder {escape(str(run.path))}</p>'
        f"{_warnings(run)}<nav>{nav}</nav>"
        + "".join(sections[k] for k, _ in _SECTIONS)
        + _footer(run, generated) + "</main></body></html>\n"
    )
