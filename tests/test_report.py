"""Reports: content from the model, HTML that stands alone, Markdown, and a real browser's view."""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.linguist import languages
from crawler.report import build, make_report, render_html, render_markdown
from crawler.report.markdown import text_bar
from crawler.run import scan
from crawler.snapshot import Snapshot
from crawler.specs import parse_spec
from crawler.values import ScanOptions, Target
from tests.conftest import MakeRepo, commit
from tests.test_changes import OLD, rust, ts

CHROMIUM = shutil.which("chromium")


@pytest.fixture
def two(make_repo: MakeRepo, tmp_path: Path) -> tuple[Snapshot, Snapshot, Path]:
    a = make_repo(OLD, name="a")
    out = tmp_path / "out"
    targets = [Target("Project <A&B>", parse_spec(str(a)), "a"),
               Target("Project <A&B>", parse_spec(str(tmp_path / "gone")), "gone")]
    first = scan(targets, out=str(out), options=ScanOptions(jobs=1))
    commit(a, {"src/main.rs": rust(150), "node/package.json": "{}\n", "node/index.ts": ts(60)},
           remove=("tools/run.sh",))
    second = scan(targets, out=str(out), options=ScanOptions(jobs=1))
    return first, second, out


def test_model(two: tuple[Snapshot, Snapshot, Path]) -> None:
    old, new, _ = two
    report = build(new, against=old, history=[old, new])
    (project,) = report.projects
    assert project.name == "Project <A&B>" and [r.name for r in project.repos] == ["a"]
    repo = project.repos[0]
    assert [c.name for c in repo.components] == [".", "node", "py"]
    assert [s.language for s in repo.bar.segments] == ["Rust", "TypeScript", "Python", "JavaScript"]
    assert sum(s.share for s in repo.bar.segments) == pytest.approx(1.0)
    assert repo.bar.segments[0].color == languages.color("Rust")
    assert [p.name for p in report.problems] == ["gone"] and report.problems[0].status == "failed"
    assert report.against == old.id
    # per repository and language, the biggest move of code first
    assert [(m["component"], m["language"], m["change"]) for m in report.movers] == [
        (None, "TypeScript", "added"), (None, "Rust", "changed"), (None, "Shell", "removed")]
    assert report.appeared == () and report.disappeared == ()  # only whole repositories come and go
    assert report.counted == 1 and report.totals["repos"] == 2
    (trend,) = report.trends
    rust_series = next(s for s in trend.series if s.language == "Rust")
    assert [round(share or 0, 3) for _, share in rust_series.points] == [round(100 / 220, 3), round(150 / 300, 3)]


def test_html_is_self_contained_and_escaped(two: tuple[Snapshot, Snapshot, Path]) -> None:
    old, new, out = two
    html = make_report(new, against=old, out=out)
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert not re.search(r"url\((?!#)", html) and not re.search(r'xlink:href="(?!#)', html)  # only within the page
    assert "@import" not in html
    assert "Project &lt;A&amp;B&gt;" in html and "Project <A&B>" not in html
    assert languages.color("Rust") in html and "<svg" in html and "@media print" in html
    assert "What moved since" in html and "Not counted" in html and "no such path" in html
    assert re.search(r"Trend: share of each language over time", html)


def test_markdown(two: tuple[Snapshot, Snapshot, Path]) -> None:
    old, new, out = two
    md = render_markdown(build(new, against=old))
    assert md.startswith(f"# census report `{new.id}`")
    assert "| Rust |" in md and "█" in md and "## Not counted" in md and "## What moved since" in md
    assert "| Project <A&B> / a | Rust | changed |" in md
    assert "**Partial figures:** 1 of 2 repositories counted" in md
    assert make_report(new, fmt="md", trend=False, out=out).count("## Trend") == 0
    assert "one snapshot only" in render_markdown(build(new, history=[new]))


@pytest.mark.parametrize(("share", "bar"), [(1.0, "█" * 20), (0.0, ""), (0.5, "█" * 10), (0.53, "██████████▋")])
def test_text_bar(share: float, bar: str) -> None:
    assert text_bar(share) == bar


def test_cli_report(two: tuple[Snapshot, Snapshot, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new, out = two
    assert main(["report", "--out", str(out), "--against", old.id]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == out / "reports" / f"census-{new.id}-vs-{old.id}.html" and path.read_text().startswith("<!DOCTYPE")
    assert main(["report", new.id, "--out", str(out), "--format", "md", "-o", "-", "--no-trend"]) == 0
    assert capsys.readouterr().out.startswith("# census report")
    target = out / "r.md"
    assert main(["report", "--out", str(out), "--format", "md", "-o", str(target)]) == 0
    assert target.exists() and not list(out.glob(".r.md.tmp*"))


def _png_colours(png: bytes) -> int:
    """How many distinct byte values the image data holds (a blank page has one or two)."""
    pos, data = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(data)))


@pytest.mark.skipif(CHROMIUM is None and os.environ.get("CENSUS_REQUIRE_BROWSER") != "1",
                    reason="chromium is not installed")
def test_in_a_real_browser(two: tuple[Snapshot, Snapshot, Path], tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    old, new, _ = two
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(build(new, against=old, history=[old, new])))
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", args=args)
        try:
            for width, height in ((1280, 900), (390, 800)):  # a wide screen and a phone
                page = browser.new_page(viewport={"width": width, "height": height})
                console: list[str] = []
                requests: list[str] = []
                page.on("console", lambda m, c=console: c.append(f"{m.type}: {m.text}"))
                page.on("pageerror", lambda e, c=console: c.append(f"error: {e}"))
                page.on("request", lambda r, rq=requests: rq.append(r.url))
                page.goto(page_file.as_uri())
                assert console == []
                assert requests == [page_file.as_uri()]  # nothing but the page itself
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"horizontal scroll at {width}px"
                assert _png_colours(page.screenshot(full_page=True)) > 20
                page.close()
        finally:
            browser.close()
