"""The census command: output, formats and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from crawler.cli import main
from tests.conftest import MakeRepo

REPO = {"src/main.rs": "fn main() { println!(\"hi\"); }\n" * 5, "py/pyproject.toml": "[project]\nname='x'\n",
        "py/x/__init__.py": "import os\n" * 3, "README.md": "# x\n"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_scan_prints_snapshot_path_last(make_repo: MakeRepo, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(REPO)
    code, out, err = run(capsys, "scan", "--repo", str(repo), "--out", str(tmp_path / "out"))
    assert code == 0, err
    last = out.strip().splitlines()[-1]
    assert Path(last).parent == tmp_path / "out" / "snapshots" and (Path(last) / "manifest.json").exists()


def test_scan_exit_1_when_a_repository_fails(make_repo: MakeRepo, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(REPO)
    code, out, _ = run(capsys, "scan", "--repo", str(repo), "--repo", str(tmp_path / "nope"), "--out",
                       str(tmp_path / "out"))
    assert code == 1
    assert "no such path" in out and Path(out.strip().splitlines()[-1]).is_dir()
    repos = pl.read_parquet(Path(out.strip().splitlines()[-1]) / "repos.parquet")
    assert sorted(repos["status"]) == ["failed", "ok"]


@pytest.mark.parametrize("argv", [["scan"], ["scan", "--repo", "not a spec"], ["scan", "--jobs", "0", "--repo", "."],
                                  ["nosuchcommand"], ["show", "--by", "planet"]])
def test_bad_usage_exit_2_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("census: ") and len(err.splitlines()) == 1


def test_bad_config_exit_2_names_file_line_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[[project]]\nname = "p"\nrepos = ["x/y"]\nwhat = 1\n')
    code, _, err = run(capsys, "scan", str(config), "--out", str(tmp_path / "out"))
    assert code == 2 and err.strip() == f"census: {config}:4: project[0].what: unknown key (expected one of: " \
        "components, description, name, repo, repos)"
    assert not (tmp_path / "out").exists()


def test_snapshots_and_show(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(REPO)
    out_dir = str(tmp_path / "out")
    assert run(capsys, "snapshots", "--out", out_dir)[1].startswith("no snapshots")
    run(capsys, "scan", "--repo", str(repo), "--out", out_dir, "--label", "one")
    code, out, _ = run(capsys, "snapshots", "--out", out_dir, "--format", "csv")
    listed = pl.read_csv(io.StringIO(out))
    assert code == 0 and listed["label"].to_list() == ["one"]
    snap_id = listed["id"][0]

    code, out, _ = run(capsys, "show", "--out", out_dir)
    assert code == 0 and "Rust" in out and "Python" in out and snap_id in out

    code, out, _ = run(capsys, "show", snap_id, "--out", out_dir, "--by", "language", "--format", "csv")
    table = pl.read_csv(io.StringIO(out))
    assert table.columns == ["language", "type", "files", "bytes", "share"]
    assert table.filter(pl.col("language") == "Rust")["bytes"].item() == len(REPO["src/main.rs"])

    code, out, _ = run(capsys, "show", "--out", out_dir, "--format", "json")
    rows = json.loads(out)
    assert {r["component"] for r in rows} == {".", "py"} and all("commit" in r for r in rows)

    code, out, _ = run(capsys, "show", "--out", out_dir, "--by", "repo", "--format", "md")
    assert out.splitlines()[2].startswith("| project | repo |")

    code, _, err = run(capsys, "show", "nope", "--out", out_dir)
    assert code == 2 and "no snapshot 'nope'" in err


def test_python_dash_m(make_repo: MakeRepo, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "crawler", "snapshots", "--out", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "no snapshots" in result.stdout


def test_the_commands_are_imported_with_the_collector_paused_then_frozen() -> None:
    """The first import of ``commands`` (polars, rich, the rules) sets off no collection; after it the
    collector is on again and the imported objects are frozen; a second call changes nothing."""
    probe = (
        "import gc\n"
        "from crawler import cli\n"
        "def collections(): return sum(s['collections'] for s in gc.get_stats())\n"
        "before = collections()\n"
        "cli._import_commands()\n"
        "after, frozen = collections(), gc.get_freeze_count()\n"
        "cli._import_commands()\n"
        "print(after == before, gc.isenabled(), frozen > 10000, gc.get_freeze_count() == frozen)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.stdout.split() == ["True"] * 4, done.stdout + done.stderr


def test_the_command_exits_at_once_with_its_code_its_output_whole_and_its_exit_handlers_run(
        make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``census`` ends by ``os._exit`` (no interpreter teardown): what it printed still arrives whole,
    its code is main's, and the exit handlers ran (its scratch folder is gone)."""
    from crawler import lines

    repo = make_repo({f"m{i}.py": f"x = {i}\n" for i in range(30)})
    before = set(Path(lines._scratch_root()).glob("census-*"))
    scan = subprocess.run([sys.executable, "-m", "crawler", "scan", "--repo", str(repo), "--out", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert scan.returncode == 0, scan.stderr
    assert set(Path(lines._scratch_root()).glob("census-*")) <= before
    shown = subprocess.run([sys.executable, "-m", "crawler", "show", "--out", str(tmp_path), "--format", "json"],
                           capture_output=True, text=True, check=False)
    code, out, _ = run(capsys, "show", "--out", str(tmp_path), "--format", "json")
    assert shown.returncode == code == 0 and shown.stdout == out and json.loads(out)
    failed = subprocess.run([sys.executable, "-m", "crawler", "show", "nope", "--out", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert failed.returncode == 2 and "no snapshot 'nope'" in failed.stderr
    # A reader that stops early (`| head -1`) ends nothing badly: no traceback, no "Exception ignored".
    head = subprocess.run(f"{sys.executable} -m crawler --help | head -1", shell=True, capture_output=True,
                          text=True, check=False)
    assert head.stdout.startswith("usage: census") and not head.stderr


def test_local_example_config_scans_this_checkout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    code, out, err = run(capsys, "scan", str(root / "config" / "local-example.toml"), "--out", str(tmp_path))
    assert code == 0, err
    snap = Path(out.strip().splitlines()[-1])
    files = pl.read_parquet(snap / "files.parquet")
    assert files.filter(pl.col("path") == "crawler/cli.py")["component"].item() == "crawler"


def test_repos_with_the_same_folder_name_stay_apart(make_repo: MakeRepo, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    a = make_repo({"a.py": "1\n"}, name="a/repo")
    b = make_repo({"b.rs": "fn main() {}\n"}, name="b/repo")
    code, out, _ = run(capsys, "scan", "--repo", str(a), "--repo", str(b), "--out", str(tmp_path / "out"))
    repos = pl.read_parquet(Path(out.strip().splitlines()[-1]) / "repos.parquet")
    assert code == 0 and sorted(repos["project"]) == ["a/repo", "b/repo"] == sorted(repos["repo"])


def test_scan_options_through_main(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--worktree, --no-lines, --max-wait, --fresh and show --lines, each through the command."""
    repo = make_repo(REPO)
    (repo / "extra.go").write_text("package main\n\nfunc main() {}\n")  # on disk, not committed
    out = str(tmp_path / "out")
    code, stdout, _ = run(capsys, "scan", "--repo", str(repo), "--out", out, "--worktree", "--no-lines",
                          "--max-wait", "0", "--fresh")
    assert code == 0
    snap = Path(stdout.strip().splitlines()[-1])
    files = pl.read_parquet(snap / "files.parquet")
    manifest = json.loads((snap / "manifest.json").read_text())
    assert "extra.go" in files["path"].to_list() and files["lines"].is_null().all()
    assert manifest["options"]["worktree"] is True and manifest["options"]["lines"] is False
    assert manifest["options"]["max_wait"] == 0
    code, stdout, _ = run(capsys, "scan", "--repo", str(repo), "--out", out)
    assert code == 0 and "extra.go" not in pl.read_parquet(Path(stdout.strip().splitlines()[-1]) / "files.parquet")[
        "path"].to_list()
    code, stdout, _ = run(capsys, "show", "--out", out, "--lines", "--format", "csv")
    table = pl.read_csv(io.StringIO(stdout))
    assert code == 0 and {"lines", "code", "comments", "blanks"} <= set(table.columns)
    assert table.filter(pl.col("language") == "Rust")["code"].to_list() == [5]
    code, stdout, _ = run(capsys, "show", "--out", out, "--format", "csv")
    assert "code" not in pl.read_csv(io.StringIO(stdout)).columns


def test_report_output_and_trend_options(make_repo: MakeRepo, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(REPO)
    out = str(tmp_path / "out")
    run(capsys, "scan", "--repo", str(repo), "--out", out)
    target = tmp_path / "r" / "report.md"
    code, stdout, _ = run(capsys, "report", "--out", out, "--format", "md", "--output", str(target), "--trend")
    assert code == 0 and stdout.strip() == str(target)
    assert "## Trend" in target.read_text() and "one snapshot only" in target.read_text()
    code, stdout, _ = run(capsys, "report", "--out", out, "--format", "md", "-o", "-", "--no-trend")
    assert code == 0 and "## Trend" not in stdout


def test_every_option_is_passed_by_some_test() -> None:
    """A flag no test passes is unfinished (sqlite-utils' rule)."""
    import argparse

    from crawler.cli import build_parser

    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py") if p.name != "test_docs.py")
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = [f"{name} {option}" for name, sub in action.choices.items() for a in sub._actions
               for option in a.option_strings if option not in ("-h", "--help") and f'"{option}"' not in tests
               and not (option == "--no-trend" and '"--trend"' in tests)]
    assert not missing, missing


def test_engine_ray_without_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)
    code = main(["scan", "--repo", str(tmp_path), "--engine", "ray", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'census[ray]'" in err
