"""The census of one repository and of a list: per-file rows, repos rows, breakdown."""

from __future__ import annotations

import multiprocessing
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crawler.cli import main
from crawler.github.api import GitHubAPI
from crawler.library import targets_for
from crawler.plan import Planner
from crawler.run import assemble, scan
from crawler.schema import REPOS_SCHEMA
from crawler.specs import parse_spec
from crawler.step import run_task, scan_repo
from crawler.values import GitHubOptions, RepoResult, ScanOptions, Target, Task
from tests.conftest import MakeRepo, Submodule, Symlink, git
from tests.fake_github import FakeGitHub

TOKENIZERS = {
    "Cargo.toml": "[workspace]\nmembers = ['tokenizers']\n",
    "tokenizers/Cargo.toml": "[package]\nname = 'tokenizers'\n",
    "tokenizers/src/lib.rs": "pub fn encode() -> u32 { 1 }\n" * 10,
    "bindings/python/pyproject.toml": "[project]\nname = 'tokenizers'\n",
    "bindings/python/src/lib.rs": "use pyo3::prelude::*;\n" * 4,
    "bindings/python/py_src/tokenizers/__init__.py": "from .tokenizers import *\n" * 3,
    "bindings/node/package.json": '{"name": "tokenizers"}\n',
    "bindings/node/index.js": "module.exports = require('./lib');\n",
    "bindings/node/lib/index.d.ts": "export declare function encode(): number;\n",
    "docs/source/conf.py": "project = 'x'\n",
    "README.md": "# tokenizers\n",
}


def target(path: Path, components: object = "auto", name: str = "tokenizers") -> Target:
    return Target("Hugging Face", parse_spec(str(path)), name, components)  # type: ignore[arg-type]


def test_scan_repo_rows(make_repo: MakeRepo) -> None:
    repo = make_repo(TOKENIZERS)
    result = scan_repo(target(repo))
    assert result.repo["status"] == "ok" and result.repo["commit"] == git(repo, "rev-parse", "HEAD")
    assert result.repo["files"] == len(TOKENIZERS)
    assert result.repo["bytes"] == sum(len(v) for v in TOKENIZERS.values())
    files = result.files.sort("path")
    rows = {r["path"]: r for r in files.to_dicts()}
    assert rows["tokenizers/src/lib.rs"]["component"] == "tokenizers"
    assert rows["bindings/python/src/lib.rs"]["component"] == "bindings/python"
    assert rows["bindings/node/lib/index.d.ts"]["component"] == "bindings/node"
    # vendored (vendor.yml: *.d.ts), so not detected; .ts alone names TypeScript and XML (Qt), so no language
    assert rows["bindings/node/lib/index.d.ts"]["vendored"] and rows["bindings/node/lib/index.d.ts"]["language"] is None
    assert rows["docs/source/conf.py"]["documentation"] and not rows["docs/source/conf.py"]["counted"]
    # documentation: no detection, as in Linguist; .md alone names two languages, so none is recorded
    assert rows["README.md"]["documentation"] and rows["README.md"]["language"] is None
    assert not rows["README.md"]["counted"]
    assert rows["tokenizers/src/lib.rs"]["oid"] == git(repo, "rev-parse", "HEAD:tokenizers/src/lib.rs")
    assert set(files["commit"]) == {result.repo["commit"]}


def test_breakdown_shares_per_component(make_repo: MakeRepo) -> None:
    repo = make_repo(TOKENIZERS)
    _, files, table = assemble([scan_repo(target(repo))])
    python = table.filter(pl.col("component") == "bindings/python").sort("language")
    assert python["language"].to_list() == ["Python", "Rust"]
    rust = len(TOKENIZERS["bindings/python/src/lib.rs"])
    py = len(TOKENIZERS["bindings/python/py_src/tokenizers/__init__.py"])
    assert python["bytes"].to_list() == [py, rust]
    assert python["share"].to_list() == [py / (py + rust), rust / (py + rust)]
    assert table.group_by("component").agg(pl.col("share").sum())["share"].round(9).to_list() == [1.0] * 3
    # Every total derives from per-file rows.
    assert table["bytes"].sum() == files.filter(pl.col("counted"))["bytes"].sum()


def test_explicit_components(make_repo: MakeRepo) -> None:
    repo = make_repo(TOKENIZERS)
    comps = {"core": "tokenizers/", "python": "bindings/python/", "node": "bindings/node/"}
    table = assemble([scan_repo(target(repo, comps))])[2]
    assert set(table["component"]) == {"core", "python", "node"}


def test_gitattributes_nested_and_overrides(make_repo: MakeRepo) -> None:
    repo = make_repo({
        ".gitattributes": "gen/** linguist-generated\n*.txt linguist-language=Python\n",
        "gen/a.py": "a = 1\n", "src/b.py": "b = 2\n", "tool.txt": "print(1)\n",
        "third/.gitattributes": "*.py linguist-vendored\n", "third/c.py": "c = 3\n",
        "third/keep/.gitattributes": "*.py -linguist-vendored\n", "third/keep/d.py": "d = 4\n",
        "data/x.json": '{"a": 1}\n', "data/.gitattributes": "*.json linguist-detectable\n",
        "docs/e.py": "e = 5\n", ".gitattributes-not": "x\n",
    })
    files = scan_repo(target(repo)).files
    counted = set(files.filter(pl.col("counted"))["path"])
    assert counted == {"src/b.py", "tool.txt", "third/keep/d.py", "data/x.json"}
    flags = {r["path"]: r for r in files.to_dicts()}
    assert flags["gen/a.py"]["generated"] and flags["third/c.py"]["vendored"]
    assert flags["tool.txt"]["language"] == "Python"


def test_hazards_recorded_never_fatal(make_repo: MakeRepo) -> None:
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 + b"\nsize 99999\n"
    repo = make_repo({
        "main.c": "int main(void) { return 0; }\n", "link": Symlink("/etc/passwd"), "vendor/lib": Submodule(),
        "model.py": pointer, b"caf\xe9.py": b"x = 1\n", "blob.bin": b"\0\1\2" * 100, "empty.py": b"",
        "crlf.py": b"a = 1\r\nb = 2\r\n", "A.py": b"a = 1\n", "a.py": b"a = 2\n",
    })
    oid = git(repo, "rev-parse", "HEAD:main.c")
    os.remove(repo / ".git" / "objects" / oid[:2] / oid[2:])
    result = scan_repo(target(repo))
    assert result.repo["status"] == "ok"
    rows = {r["path"]: r for r in result.files.to_dicts()}
    assert rows["link"]["kind"] == "symlink" and rows["link"]["bytes"] is None and not rows["link"]["counted"]
    assert rows["vendor/lib"]["kind"] == "submodule" and rows["vendor/lib"]["bytes"] is None
    assert rows["model.py"]["lfs"] and "LFS" in rows["model.py"]["note"]
    assert rows["caf\\xe9.py"]["counted"] and "not valid UTF-8" in rows["caf\\xe9.py"]["note"]
    assert rows["blob.bin"]["binary"] and not rows["blob.bin"]["counted"]
    assert rows["empty.py"]["language"] is None and rows["empty.py"]["bytes"] == 0
    assert rows["crlf.py"]["language"] == "Python"
    assert rows["A.py"]["counted"] and rows["a.py"]["counted"]
    assert rows["main.c"]["note"] == "missing object" and rows["main.c"]["bytes"] is None
    assert result.repo["files"] == 8  # regular files only: not the symlink, not the submodule
    assert result.repo["status"] == "ok" and "1 file(s) could not be read" in result.repo["error"]


def test_failures_are_rows_not_exceptions(tmp_path: Path, make_repo: MakeRepo) -> None:
    good = make_repo({"a.py": "1\n"})
    (tmp_path / "plain").mkdir()
    targets = [
        Target("p", parse_spec(str(tmp_path / "missing")), "missing"),
        Target("p", parse_spec(f"{good}@no-such-ref"), "badref"),
        Target("p", parse_spec(str(good)), "good"),
        Target("p", parse_spec("github:octo"), "octo"),  # an owner must be expanded first
    ]
    results = [scan_repo(t) for t in targets]
    statuses = [(r.repo["repo"], r.repo["status"]) for r in results]
    assert statuses == [("missing", "failed"), ("badref", "failed"), ("good", "ok"), ("octo", "failed")]
    assert "no such path" in results[0].repo["error"] and "unknown ref" in results[1].repo["error"]


def test_empty_repository_status(tmp_path: Path) -> None:
    repo = tmp_path / "e"
    repo.mkdir()
    git(repo, "init", "-q")
    result = scan_repo(Target("p", parse_spec(str(repo)), "e"))
    assert result.repo["status"] == "empty" and result.files.is_empty()


def test_clone_and_bare_give_identical_rows(make_repo: MakeRepo, tmp_path: Path) -> None:
    work = make_repo(TOKENIZERS, name="tok")
    bare = tmp_path / "tok.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    a = scan_repo(Target("p", parse_spec(str(work)), "tok")).files
    b = scan_repo(Target("p", parse_spec(f"git+file://{bare}"), "tok")).files
    assert_frame_equal(a, b, check_row_order=False)


def test_worktree_option(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "a = 1\n"})
    (repo / "b.rs").write_text("fn main() {}\n")
    committed = scan_repo(target(repo)).files
    on_disk = scan_repo(target(repo), ScanOptions(worktree=True)).files
    assert set(committed["path"]) == {"a.py"} and set(on_disk["path"]) == {"a.py", "b.rs"}


def test_scan_writes_a_snapshot(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo(TOKENIZERS)
    events: list[str] = []
    snap = scan([target(repo)], out=str(tmp_path / "out"), label="first run",
                progress=lambda event, _payload: events.append(event))
    assert snap.path.parent == tmp_path / "out" / "snapshots" and snap.id.endswith("-first-run")
    assert events[:2] == ["total", "start"] and events[-1] == "done" and "files" in events
    assert snap.files.height == len(TOKENIZERS)


def _spawned(tasks: list[Task]) -> list[RepoResult]:
    """``run_task`` in fresh ``spawn`` processes: nothing borrowed from this one."""
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(run_task, tasks))


def test_the_step_in_spawned_processes_gives_the_cli_rows(make_repo: MakeRepo, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Three repositories of three kinds (a local repository, a plain folder, GitHub): planned in
    the driver, pickled without the token, scanned in spawned processes: the CLI's rows exactly."""
    local = make_repo(TOKENIZERS, name="tok")
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "main.go").write_text("package main\n\nfunc main() {}\n")
    (folder / "Cargo.toml").write_text("[package]\nname = 'x'\n")
    bare = make_repo({"src/lib.rs": "pub fn f() {}\n" * 9, "app.py": "import os\n"}, name="gh", bare=True)
    token = "ghp_SPAWNCANARY0123456789abcdef"
    monkeypatch.setenv("GITHUB_TOKEN", token)
    with FakeGitHub() as fake:
        fake.add_repo("org/gh", bare, languages={"Rust": 10})
        monkeypatch.setenv("GITHUB_API_URL", fake.api_url)
        specs = [str(local), str(folder), "org/gh"]
        code = main(["scan", *[a for s in specs for a in ("--repo", s)], "--out", str(tmp_path / "out")])
        assert code == 0
        snapshot = Path(capsys.readouterr().out.strip().splitlines()[-1])
        options = ScanOptions(github=GitHubOptions(api_url=fake.api_url))
        with GitHubAPI(options.github) as api:
            planner = Planner(options, api=api, lookup=None, checkpoint=None)
            planner.expand(targets_for(None, specs))
            tasks = [t for t in planner.plan() if isinstance(t, Task)]
        assert len(tasks) == 3 and tasks[2].target.resolved is not None
        for task in tasks:
            assert token.encode() not in pickle.dumps(task)
        results = _spawned(tasks)
        assert any(r.headers.get("authorization") for r in fake.requests(r"^/org/gh\.git/"))  # the worker's token
    cli_files = pl.read_parquet(snapshot / "files.parquet")
    cli_repos = pl.read_parquet(snapshot / "repos.parquet")
    volatile = ["scanned_at", "duration_s"]
    for result in results:
        assert result.repo["status"] == "ok", result.repo["error"]
        mine = cli_files.filter(pl.col("repo") == result.repo["repo"])
        assert_frame_equal(result.files, mine, check_row_order=False)
        row = cli_repos.filter(pl.col("repo") == result.repo["repo"]).drop(volatile)
        assert_frame_equal(pl.DataFrame([result.repo], schema=REPOS_SCHEMA).drop(volatile), row)


def test_a_step_that_raises_is_one_failed_repository(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo({"a.py": "1\n"})
    monkeypatch.setattr("crawler.step.scan_source", lambda *a, **k: 1 / 0)
    task = Task(0, "k", Target("p", parse_spec(str(repo)), "r"), ScanOptions())
    result = run_task(task)
    assert result.repo["status"] == "failed" and "ZeroDivisionError" in result.repo["error"]
