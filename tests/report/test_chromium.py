"""``report.html`` renders in headless Chromium: every image loads, no console errors.

Runs where Debian's ``chromium`` is installed (``.ci/run`` installs it); the screenshot is
kept in ``test-artifacts/report.png``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "")
                 if p and Path(p).exists()), None)

pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="headless Chromium not installed (apt-get install"
                                " chromium); CI installs it")

# Test-only probe: the report itself has no script. After load it records how many
# images decoded and any script error in an attribute that --dump-dom prints.
_PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || e.type)), true);
window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.setAttribute('data-probe', ok + '/' + imgs.length + ' errors=' +
                             window.__errors.length);
});
</script>"""


def _chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
               f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              check=False)


def test_report_renders_with_every_image(full_report, tmp_path: Path) -> None:
    _, files = full_report
    probe = tmp_path / "probe.html"
    probe.write_text(files.html.read_text(encoding="utf-8").replace(
        "</body>", _PROBE + "</body>"), encoding="utf-8")
    done = _chromium("--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
                     "--dump-dom", probe.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'data-probe="(\d+)/(\d+) errors=(\d+)"', done.stdout)
    assert match, "the page did not finish loading"
    loaded, total, errors = map(int, match.groups())
    assert total == len(files.figures) and loaded == total and errors == 0
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line
               and re.search(r"error|failed|refused", line, re.IGNORECASE)]
    assert console == []
    assert "net::ERR" not in done.stderr


def test_report_screenshot_is_kept(full_report) -> None:
    _, files = full_report
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    done = _chromium(f"--screenshot={shot}", "--window-size=1200,900",
                     "--hide-scrollbars", files.html.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 20_000
