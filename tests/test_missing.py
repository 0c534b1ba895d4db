"""Missing data is never misread: interrupted, failed and unknown are never shown as numbers.

Numbered as in the issue; claims (2) are in ``test_claims.py``, the diff's levels and
'not compared' (3, 9) in ``test_changes.py``.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from rich.console import Console

from crawler.checkpoint import WORK
from crawler.cli import main
from crawler.tables import render
from tests.conftest import GIT_ENV, MakeRepo, commit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


# --- 1. Ctrl-C to the whole process group never records a failure ----------------------------------


def _tables(snapshot: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(snapshot / f"{name}.parquet").drop(["scanned_at", "duration_s"], strict=False)
            for name in ("repos", "files", "breakdown")}


def test_ctrl_c_to_the_process_group_then_the_same_command(make_repo: MakeRepo, tmp_path: Path) -> None:
    repos = [make_repo({f"pkg{k}/m{i}.py": f"x = {i}\n" * (1 + i % 7) for k in range(3) for i in range(700)},
                       name=f"r{n}") for n in range(6)]
    args = ["scan", *[a for r in repos for a in ("--repo", str(r))], "--jobs", "2"]
    env = {**os.environ, **GIT_ENV}
    reference = subprocess.run([sys.executable, "-m", "crawler", *args, "--out", str(tmp_path / "reference")],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert reference.returncode == 0, reference.stderr
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "crawler", *args, "--out", str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        work = out / WORK
        if work.is_dir() and sum(1 for p in work.glob("*/*") if p.is_dir() and not p.name.startswith(".")) >= 1:
            break
        time.sleep(0.01)
    time.sleep(0.2)  # repositories under way, as when a person presses Ctrl-C
    os.killpg(proc.pid, signal.SIGINT)  # the terminal's Ctrl-C: census and every git under it
    started = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert time.monotonic() - started < 5 and "Traceback" not in err
    saved = [pl.read_parquet(p / "repos.parquet") for p in (out / WORK).glob("*/*")
             if p.is_dir() and not p.name.startswith(".")]
    assert saved and all(frame["status"].to_list() == ["ok"] for frame in saved)  # nothing under way was saved
    again = subprocess.run([sys.executable, "-m", "crawler", *args, "--out", str(out)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    got, expected = _tables(Path(last_line(again.stdout))), _tables(Path(last_line(reference.stdout)))
    assert got["repos"]["status"].to_list() == ["ok"] * 6
    for name, frame in expected.items():
        assert_frame_equal(got[name], frame, check_row_order=False)


# --- 4, 7, 11. partial figures said next to the numbers; the scan's summary line ----------------


def test_partial_figures_are_flagged(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rust = make_repo({"a.rs": "fn main() {}\n" * 90, "b.py": "x = 1\n" * 10}, name="rust")
    small = make_repo({"c.py": "import os\n" * 30}, name="small")
    config = tmp_path / "c.toml"
    config.write_text(f'[[project]]\nname = "P"\nrepos = ["{rust}", "{small}", "{tmp_path / "gone"}"]\n')
    out = str(tmp_path / "out")
    code, stdout, _ = run(capsys, "scan", str(config), "--out", out)
    assert code == 1
    assert "top language: Rust 76.5% of counted bytes (2 of 3 repositories counted)" in stdout  # not one cell
    code, stdout, err = run(capsys, "show", "--by", "project", "--out", out)
    assert code == 0 and "partial figures: 2 of 3 repositories counted" in err
    code, _, _ = run(capsys, "report", "--out", out, "-o", str(tmp_path / "r.html"))
    html = (tmp_path / "r.html").read_text()
    assert code == 0 and html.index("Partial figures") < html.index("<section")


def test_tables_at_80_columns_never_cut_numbers() -> None:
    frame = pl.DataFrame({"project": ["a very long project name indeed " * 2], "repo": ["owner/" + "x" * 60],
                          "language": ["Jupyter Notebook"], "files": [1234567], "bytes": [9876543210],
                          "share": [0.123456]})
    text = render(frame, "table", console=Console(file=io.StringIO(), width=80, force_terminal=True))
    assert all(len(line) <= 80 for line in text.splitlines())
    for number in ("1,234,567", "9,876,543,210", "12.35%"):
        assert number in text


# --- 5. a malformed --at is bad input ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2024-1-1", "2024/01/01", "20240101", "2024-01", "yesterday", "2024-13-01",
                                   "2 weeks ago"])
def test_malformed_at(value: str, make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"a.py": "1\n"})
    code, _, err = run(capsys, "scan", "--repo", str(repo), "--at", value, "--out", str(tmp_path / "out"))
    assert code == 2 and value in err and not (tmp_path / "out" / "snapshots").exists()
    code, _, err = run(capsys, "backfill", "--repo", str(repo), "--dates", value, "--out", str(tmp_path / "out"))
    assert code == 2


# --- 6. a component path that matches nothing is named ---------------------------------------------------


def test_component_path_matching_nothing_is_named(make_repo: MakeRepo, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"core/lib.rs": "fn f() {}\n", "bindings/python/x.py": "x = 1\n"})
    config = tmp_path / "c.toml"
    config.write_text(f'[[project]]\nname = "P"\n[[project.repo]]\nsource = "{repo}"\n'
                      'components = { core = "core/", python = "bindings/pyhton/" }\n')
    code, stdout, err = run(capsys, "scan", str(config), "--out", str(tmp_path / "out"))
    assert code == 0 and "component python = bindings/pyhton/ matches no file at this commit" in err
    repos = pl.read_parquet(Path(last_line(stdout)) / "repos.parquet")
    assert "bindings/pyhton" in repos["note"][0]


# --- 8. the trend chart, in a real browser at desktop and phone widths ------------------------------


@pytest.mark.skipif(CHROMIUM is None and os.environ.get("CENSUS_REQUIRE_BROWSER") != "1",
                    reason="chromium is not installed")
def test_trend_chart_in_a_browser(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    py = make_repo({"app.py": "import os\n" * 200, "web/index.ts": "export const a = 1;\n" * 120}, name="py")
    rs = make_repo({"lib.rs": "fn main() {}\n" * 50}, name="rs")
    out = str(tmp_path / "out")
    config = tmp_path / "c.toml"
    config.write_text(f'[[project]]\nname = "P"\nrepos = ["{py}"]\n')
    commit(py, {"more.py": "x = 1\n" * 100}, date="2024-01-10T12:00:00Z")
    commit(py, {"web/b.ts": "let b = 2;\n" * 300}, date="2024-07-20T12:00:00Z")
    assert main(["backfill", str(config), "--dates", "2024-01-01,2024-03-01,2024-09-30", "--out", out]) == 0
    config.write_text(f'[[project]]\nname = "P"\nrepos = ["{py}", "{rs}"]\n')  # a repository joins the list
    assert main(["scan", "--repo", str(rs), "--out", out]) == 0  # a one-off scan: not in the series
    capsys.readouterr()
    code, _, _ = run(capsys, "report", "2024-09-30", "--out", out, "-o", str(tmp_path / "r.html"), "--trend")
    html = (tmp_path / "r.html").read_text()
    assert code == 0 and html.count('<svg class="chart"') == 1 and "Python" in html
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", args=args)
        try:
            for width, name in ((1280, "trend-desktop.png"), (390, "trend-phone.png")):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto((tmp_path / "r.html").as_uri())
                chart = page.locator("svg.chart").first
                box = chart.bounding_box()
                assert box is not None and box["width"] <= width
                sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text')].map(
                    t => t.getBoundingClientRect().height).filter(h => h > 0)""")
                assert sizes and min(sizes) >= 8, sizes  # readable text, even on a phone
                if os.environ.get("CENSUS_SCREENSHOTS"):
                    chart.screenshot(path=str(ROOT / "docs" / name))
                page.close()
        finally:
            browser.close()


# --- 10. snapshots named by date, latest and -N; a one-off scan joins no series --------------------


def test_snapshots_by_date_latest_and_offset(make_repo: MakeRepo, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"a.py": "1\n"})
    commit(repo, {"b.py": "2\n"}, date="2024-06-01T00:00:00Z")
    out = str(tmp_path / "out")
    assert main(["backfill", "--repo", str(repo), "--dates", "2024-03-31,2024-06-30", "--out", out]) == 0
    capsys.readouterr()
    code, stdout, _ = run(capsys, "show", "2024-06-30", "--out", out, "--format", "json")
    assert code == 0 and '"b.py"' not in stdout
    code, first, _ = run(capsys, "show", "-2", "--out", out, "--format", "csv")
    code, by_date, _ = run(capsys, "show", "2024-03-31", "--out", out, "--format", "csv")
    assert first == by_date
    assert run(capsys, "show", "latest", "--out", out, "--format", "csv")[1] == run(
        capsys, "show", "-1", "--out", out, "--format", "csv")[1]
    code, _, err = run(capsys, "show", "-9", "--out", out)
    assert code == 2 and "there are 2 snapshots" in err
    code, _, err = run(capsys, "show", "2023-01-01", "--out", out)
    assert code == 2 and "describes 2023-01-01" in err
    assert run(capsys, "scan", "--repo", str(repo), "--out", out, "--label", "one-off")[0] == 0
    code, stdout, _ = run(capsys, "snapshots", "--out", out, "--format", "csv")
    listed = pl.read_csv(io.StringIO(stdout))
    assert listed["series"].n_unique() == 1  # the same --repo: the same series
