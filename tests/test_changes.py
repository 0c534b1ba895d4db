"""Diffs of snapshots built from synthetic repositories at two commits: every kind of change."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest

from crawler.changes import COLUMNS, diff, notes
from crawler.cli import main
from crawler.run import scan
from crawler.snapshot import Snapshot
from crawler.specs import parse_spec
from crawler.values import ScanOptions, Target
from tests.conftest import MakeRepo, commit, git


def sized(head: str, n: int) -> str:
    """``head`` padded with a comment line to exactly ``n`` bytes."""
    pad = n - len(head) - 4
    assert pad >= 0
    return head + "// " + "x" * pad + "\n" if head.endswith("\n") else head


def rust(n: int) -> str:
    return sized("fn main() {}\n", n)


def shell(n: int) -> str:
    text = "#!/bin/sh\necho hi\n"
    return text + "#" * (n - len(text) - 1) + "\n"


def python(n: int) -> str:
    text = "import os\n"
    return text + "#" * (n - len(text) - 1) + "\n"


def js(n: int) -> str:
    return sized("var a = 1;\n", n)


def ts(n: int) -> str:
    return sized("export const a: number = 1;\n", n)


OLD = {"src/main.rs": rust(100), "py/pyproject.toml": "[project]\n", "py/app.py": python(50),
       "tools/run.sh": shell(30), "gen/x.js": js(40)}


@pytest.fixture
def snapshots(make_repo: MakeRepo, tmp_path: Path) -> tuple[Snapshot, Snapshot]:
    a = make_repo(OLD, name="a")
    b = make_repo({"b.go": "package main\n"}, name="b")
    c = make_repo({"c.rb": "puts 1\n"}, name="c")
    out = str(tmp_path / "out")
    opts = ScanOptions(jobs=1)
    t = {name: Target("P", parse_spec(str(path)), name) for name, path in (("a", a), ("b", b), ("c", c))}
    first = scan([t["a"], t["c"]], out=out, options=opts, label="old")
    commit(a, {"src/main.rs": rust(150), "node/package.json": "{}\n", "node/index.ts": ts(60),
               ".gitattributes": "gen/** linguist-vendored\n"}, remove=("tools/run.sh",))
    second = scan([t["a"], t["b"]], out=out, options=opts, label="new")
    return first, second


def test_every_kind_of_change(snapshots: tuple[Snapshot, Snapshot]) -> None:
    old, new = snapshots
    rows = {(r["repo"], r["component"], r["language"]): r for r in diff(old, new).to_dicts()}
    assert set(rows) == {("a", ".", "Rust"), ("a", ".", "Shell"), ("a", ".", "JavaScript"), ("a", "py", "Python"),
                         ("a", "node", "TypeScript"), ("b", ".", "Go"), ("c", ".", "Ruby")}
    rust_row = rows[("a", ".", "Rust")]
    assert (rust_row["change"], rust_row["bytes_old"], rust_row["bytes_new"], rust_row["bytes_delta"]) == \
        ("changed", 100, 150, 50)
    assert rust_row["share_old"] == pytest.approx(100 / 170) and rust_row["share_new"] == 1.0
    assert rust_row["share_delta_pp"] == pytest.approx(100 * (1 - 100 / 170))
    assert rust_row["commit_old"] != rust_row["commit_new"]
    shell_row = rows[("a", ".", "Shell")]
    assert (shell_row["change"], shell_row["bytes_old"], shell_row["bytes_new"], shell_row["bytes_delta"]) == \
        ("removed", 30, None, -30)
    js_row = rows[("a", ".", "JavaScript")]
    assert (js_row["change"], js_row["bytes_delta"], js_row["bytes_reclassified"]) == ("reclassified", -40, -40)
    assert rows[("a", "py", "Python")]["change"] == "unchanged"
    ts_row = rows[("a", "node", "TypeScript")]
    assert (ts_row["change"], ts_row["component_change"], ts_row["repo_change"], ts_row["bytes_old"]) == \
        ("added", "added", "kept", None)
    go_row, ruby_row = rows[("b", ".", "Go")], rows[("c", ".", "Ruby")]
    assert (go_row["change"], go_row["repo_change"], go_row["commit_old"]) == ("added", "added", None)
    assert (ruby_row["change"], ruby_row["repo_change"], ruby_row["commit_new"]) == ("removed", "removed", None)


def test_sorted_by_size_and_min_change(snapshots: tuple[Snapshot, Snapshot]) -> None:
    old, new = snapshots
    table = diff(old, new)
    assert table.columns == COLUMNS
    sizes = table["bytes_delta"].abs().to_list()  # the biggest move of code first, not of shares
    assert sizes == sorted(sizes, reverse=True)
    big = diff(old, new, min_change=50)
    assert set(big["change"]) <= {"added", "removed", "reclassified", "changed"}
    assert all(abs(v) >= 50 for v in big["share_delta_pp"])
    assert "unchanged" not in big["change"].to_list()


def test_notes_warn_of_different_settings(snapshots: tuple[Snapshot, Snapshot], make_repo: MakeRepo,
                                          tmp_path: Path) -> None:
    old, new = snapshots
    assert notes(old, new).warnings == ()
    repo = make_repo({"a.py": "1\n"}, name="w")
    out = str(tmp_path / "o2")
    s1 = scan([Target("P", parse_spec(str(repo)), "w")], out=out, options=ScanOptions(jobs=1))
    s2 = scan([Target("P", parse_spec(str(repo)), "w", "top-level")], out=out, options=ScanOptions(jobs=1))
    assert any("components of P / w changed from 'auto' to 'top-level'" in w for w in notes(s1, s2).warnings)
    s2.manifest["language_data"] = {"linguist": "~9.9"}
    assert any("different language data" in w for w in notes(s1, s2).warnings)


def test_cli_diff_formats(snapshots: tuple[Snapshot, Snapshot], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = snapshots
    out = str(old.path.parents[1])
    assert main(["diff", old.id, new.id, "--out", out, "--format", "csv"]) == 0
    table = pl.read_csv(io.StringIO(capsys.readouterr().out))
    assert table.columns == COLUMNS and table.height == 7
    assert main(["diff", str(old.path), str(new.path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["change"] for r in rows} == {"added", "removed", "changed", "reclassified", "unchanged"}
    assert main(["diff", old.id, new.id, "--out", out, "--format", "md", "--min-change", "1"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("### ") and "| reclassified |" in md
    assert main(["diff", old.id, new.id, "--out", out]) == 0
    text = capsys.readouterr().out
    assert "Rust" in text and "→" in text and "repository added" in text and "repository removed" in text
    assert main(["diff", old.id, new.id, "--out", out, "--by", "language", "--limit", "2"]) == 0
    text = capsys.readouterr().out
    assert "by language" in text and "… and" in text and "more rows" in text
    assert main(["diff", old.id, "nope", "--out", out]) == 2
    assert "no snapshot 'nope'" in capsys.readouterr().err


def test_library_accepts_ids(snapshots: tuple[Snapshot, Snapshot]) -> None:
    import crawler

    old, new = snapshots
    out = old.path.parents[1]
    assert crawler.diff(old.id, new.id, out=out).height == 7
    git  # noqa: B018 - imported for fixtures' helpers


def test_levels_sum_the_rows(snapshots: tuple[Snapshot, Snapshot]) -> None:
    old, new = snapshots
    by_repo = {(r["repo"], r["language"]): r for r in diff(old, new, by="repo").to_dicts()}
    assert by_repo[("a", "Rust")]["bytes_delta"] == 50 and by_repo[("a", "Rust")]["component"] is None
    assert by_repo[("a", "Rust")]["share_new"] == pytest.approx(150 / (150 + 50 + 60))  # of the repository
    assert by_repo[("b", "Go")]["repo_change"] == "added" and by_repo[("c", "Ruby")]["repo_change"] == "removed"
    by_project = diff(old, new, by="project")
    assert set(by_project["repo"].to_list()) == {None} and by_project["repo_change"].null_count() == by_project.height
    rust = by_project.filter(pl.col("language") == "Rust").row(0, named=True)
    assert (rust["bytes_old"], rust["bytes_new"]) == (100, 150)
    by_language = diff(old, new, by="language")
    assert by_language["project"].null_count() == by_language.height
    assert by_language["language"].n_unique() == by_language.height
    total = by_language["bytes_new"].fill_null(0).sum()
    assert by_language.filter(pl.col("language") == "Rust")["share_new"][0] == pytest.approx(150 / total)


def test_a_repository_that_failed_is_not_compared(make_repo: MakeRepo, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: a failed repository looked like deleted code (its languages 'removed')."""
    a = make_repo({"a.rs": rust(400)}, name="a")
    b = make_repo({"b.py": python(100)}, name="b")
    out = str(tmp_path / "out")
    targets = [Target("P", parse_spec(str(a)), "a"), Target("P", parse_spec(str(b)), "b")]
    first = scan(targets, out=out, options=ScanOptions(jobs=1))
    hidden = tmp_path / "hidden"
    a.rename(hidden)  # the repository cannot be read now
    second = scan(targets, out=out, options=ScanOptions(jobs=1))
    rows = diff(first, second, by="repo")
    failed = rows.filter(pl.col("repo") == "a").row(0, named=True)
    assert (failed["change"], failed["repo_change"], failed["bytes_delta"]) == ("not compared", "not compared", None)
    project = diff(first, second, by="project").row(0, named=True)
    assert (project["language"], project["share_old"], project["share_new"]) == ("Python", 1.0, 1.0)
    assert "removed" not in rows["change"].to_list()
    assert any("1 repository is not compared" in w for w in notes(first, second).warnings)
    assert main(["diff", first.id, second.id, "--out", out]) == 0
    captured = capsys.readouterr()
    assert "not compared" in captured.out and "not compared" in captured.err
