"""The report files: self-contained HTML, a PDF that opens, a workbook with its sheets."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from optimizer.report import build_report
from optimizer.report.content import fmt, fmt_pm
from optimizer.report.workbook import SHEETS
from surrogates.errors import InputError


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.links: list[str] = []
        self.ids: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a.get("src") or "")
        if tag in {"a", "link"}:
            self.links.append(a.get("href") or "")
        if tag == "script":
            self.scripts += 1
        if a.get("id"):
            self.ids.append(a["id"] or "")


def _parse(path: Path) -> tuple[str, _Tags]:
    text = path.read_text(encoding="utf-8")
    tags = _Tags()
    tags.feed(text)
    return text, tags


def test_html_is_self_contained(full_report) -> None:
    _, files = full_report
    text, tags = _parse(files.html)
    assert len(tags.imgs) == len(files.figures) == 10
    assert all(src.startswith("data:image/png;base64,") for src in tags.imgs)
    assert all(link.startswith("#") for link in tags.links)
    assert tags.scripts == 0
    assert not re.search(r"(src|href)=\"(https?:)?//", text)
    assert "@import" not in text and "url(" not in text


def test_html_sections_and_warnings_first(full_report) -> None:
    _, files = full_report
    text, tags = _parse(files.html)
    for section in ("warnings", "scenario", "data", "model", "front", "recipes", "plans",
                    "search"):
        assert section in tags.ids
    assert text.index('id="warnings"') < text.index('id="scenario"')
    assert files.n_warnings == 4
    assert "4 warnings" in text
    assert "Poor model fit for impurity_pct" in text
    # the recommended recipe is highlighted, with its uncertainty
    assert re.search(r'<tr class="rec"><td>R013</td><td>★ recommended', text)
    assert "91.01 ± 0.42" in text
    assert "current practice" in text
    assert "input encoding" in text and "linear: the network with linear inputs" in text


def test_bare_folder_leaves_out_what_did_not_run(bare_report) -> None:
    _, files = bare_report
    text, tags = _parse(files.html)
    assert "plans" not in tags.ids
    assert "no data_quality.json" in text and "no model card" in text
    assert len(tags.imgs) == len(files.figures) == 3  # front, parallel, convergence
    assert "No warnings" in text


def test_long_recipe_tables_start_folded_below_the_flagged_ones(make_run) -> None:
    path = make_run(n_recipes=80, plans=False)
    files = build_report(path, pdf=False, xlsx=False)
    text = files.html.read_text(encoding="utf-8")
    assert "<h3>Flagged recipes and current practice</h3>" in text
    assert "<details><summary>All 80 Pareto-optimal recipes</summary>" in text
    flagged = text[text.index("Flagged recipes"):text.index("<details>")]
    assert flagged.count("<tr") == 4  # header, current practice, knee, beats practice


def test_many_warnings_fold_but_model_warnings_come_first(make_run) -> None:
    path = make_run(plans=False)
    dq_path = path / "data_quality.json"
    dq = json.loads(dq_path.read_text())
    dq["warnings"] = [f"column c{i} drifts" for i in range(12)]
    dq.pop("drift")
    dq_path.write_text(json.dumps(dq))
    text = build_report(path, pdf=False, xlsx=False).html.read_text(encoding="utf-8")
    assert "14 warnings" in text and "2 model, 12 data" in text
    assert "<summary>7 more data warnings</summary>" in text
    assert text.index("Poor model fit") < text.index("column c0 drifts")


def test_workbook_holds_recipes_and_plans(full_report) -> None:
    _, files = full_report
    wb = load_workbook(files.xlsx, read_only=True)
    assert tuple(wb.sheetnames) == SHEETS
    recipes = list(wb["recipes"].values)
    assert recipes[0][:2] == ("recipe_id", "reactor_temp_C [°C]")
    assert len(recipes) == 25
    plans = list(wb["plans"].values)
    assert plans[0][:5] == ("plan", "order", "batch", "step", "machine")
    assert len(plans) == 25
    assert len(list(wb["plan_summary"].values)) == 3
    model = list(wb["model"].values)
    assert model[0][:3] == ("outcome", "unit", "r2")
    wb.close()


def test_workbook_without_plans_says_so(bare_report) -> None:
    _, files = bare_report
    wb = load_workbook(files.xlsx, read_only=True)
    assert tuple(wb.sheetnames) == SHEETS
    assert "Scheduling did not run" in next(iter(wb["plans"].values))[0]
    wb.close()


def test_pdf_opens(full_report, tmp_path: Path) -> None:
    _, files = full_report
    data = files.pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"%%EOF" in data[-1024:]
    assert len(re.findall(rb"/Type /Page\b", data)) >= 5
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed: only the PDF structure was checked")
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(files.pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 5_000


def test_rebuild_is_atomic_and_leaves_no_temporaries(full_report) -> None:
    path, _ = full_report
    again = build_report(path, pdf=False, xlsx=False)
    assert again.pdf is None and again.xlsx is None
    assert not [p for p in path.rglob(".*") if p.is_file()]
    assert (path / "report.pdf").exists()  # the earlier build's files stay


def test_missing_run_folder_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="run folder not found"):
        build_report(tmp_path / "nowhere")


@pytest.mark.parametrize(("mean", "std", "text"), [
    (91.0134, 0.4213, "91.01 ± 0.42"),   # two significant digits of the std
    (1234.56, 6.0, "1234.6 ± 6.0"),
    (1.5644, 0.05, "1.564 ± 0.050"),
    (250.0, 0.0, "250"),                  # no spread: no ±
    (250.0, None, "250"),
])
def test_fmt_pm(mean, std, text) -> None:
    assert fmt_pm(mean, std) == text


def test_fmt() -> None:
    assert fmt(None) == "–" and fmt(float("nan")) == "–"
    assert fmt(True) == "yes" and fmt(24000) == "24 000" and fmt(0.123456) == "0.1235"
