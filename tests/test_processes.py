"""The census on worker processes (``--engine processes``): the rows of threads; a task that raises;
a worker killed mid-run (its tasks run again); a task that kills every worker it runs on (a failed
row, not a hang); Ctrl-C / close leaves no worker behind."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crawler.cli import main
from crawler.executors.processes import ProcessExecutor
from crawler.run import scan
from crawler.specs import parse_spec
from crawler.values import GitHubOptions, ScanOptions, Target
from tests.conftest import MakeRepo
from tests.fake_github import FakeGitHub

VOLATILE = ["scanned_at", "duration_s"]


@pytest.fixture
def six(make_repo: MakeRepo) -> Iterator[tuple[list[Target], ScanOptions, FakeGitHub]]:
    """Six repositories: three local, three on the fake GitHub."""
    with FakeGitHub() as fake:
        targets = []
        for i in range(3):
            repo = make_repo({f"src/m{k}.rs": f"fn f{k}() {{}}\n" * (k + i + 1) for k in range(40)}
                             | {"py/x.py": "import os\n" * (i + 2)}, name=f"local{i}")
            targets.append(Target("P", parse_spec(str(repo)), f"local{i}"))
            bare = make_repo({"a.go": "package main\n" * (i + 3), "b.ts": "let b = 1;\n"}, name=f"gh{i}", bare=True)
            fake.add_repo(f"org/gh{i}", bare)
            targets.append(Target("P", parse_spec(f"org/gh{i}"), f"org/gh{i}"))
        yield targets, ScanOptions(jobs=2, github=GitHubOptions(api_url=fake.api_url, timeout=10)), fake


def tables(snap_path: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(snap_path / f"{name}.parquet").drop(VOLATILE, strict=False)
            for name in ("repos", "files", "breakdown")}


def _workers() -> list[int]:
    """This process's spawned worker processes."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                spawned = b"multiprocessing.spawn" in fh.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and spawned:
            found.append(int(entry))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_worker_processes_give_the_rows_of_threads(six: tuple[list[Target], ScanOptions, FakeGitHub],
                                                   tmp_path: Path) -> None:
    targets, options, _ = six
    threads = scan(targets, out=str(tmp_path / "threads"), options=options)
    executor = ProcessExecutor(2)
    try:
        processes = scan(targets, out=str(tmp_path / "processes"), options=options, executor=executor)
        # a task that raises (an invalid component setting makes the step fail inside the worker)
        broken = [Target("P", parse_spec(str(targets[0].spec.location)), "broken", "nonsense")]
        failed = scan(broken, out=str(tmp_path / "broken"), options=options, executor=executor)
        workers = _workers()
        assert len(workers) == 2
    finally:
        executor.close()
    assert all(_gone(pid) for pid in workers)
    for name, frame in tables(threads.path).items():
        assert_frame_equal(tables(processes.path)[name], frame, check_row_order=False)
    row = failed.repos.row(0, named=True)
    assert row["status"] == "failed" and "census could not scan this repository (ValueError" in row["error"]


def test_a_worker_killed_mid_run_loses_nothing(six: tuple[list[Target], ScanOptions, FakeGitHub], tmp_path: Path,
                                               make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]) -> None:
    targets, options, fake = six
    big = make_repo({f"d{k % 20}/f{k}.py": f"x = {k}\n" * 20 for k in range(10000)}, name="big")
    targets = [Target("P", parse_spec(str(big)), "big"), *targets]
    reference = scan(targets, out=str(tmp_path / "threads"), options=options)
    killed: list[int] = []

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for pid in _workers():
                if _cpu_seconds(pid) > 0.6:  # past its imports (0.25 s): scanning the big repository
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    break
            time.sleep(0.01)

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    killer.start()
    code = main(["scan", *[a for t in targets for a in ("--repo", t.spec.text)], "--engine", "processes",
                 "--jobs", "2", "--api-url", fake.api_url, "--out", str(tmp_path / "processes")])
    killer.join(timeout=5)
    out = capsys.readouterr().out
    assert killed and code == 0, out
    got = tables(Path(out.strip().splitlines()[-1]))
    for name, frame in tables(reference.path).items():
        assert_frame_equal(got[name].drop("project"), frame.drop("project"), check_row_order=False)


def die(item: int) -> int:
    """A task that takes its worker down with it (as the OOM killer would), or doubles ``item``."""
    if item < 0:
        os._exit(9)
    return item * 2


def test_a_task_that_kills_every_worker_is_a_failure_not_a_hang() -> None:
    executor = ProcessExecutor(2, max_retries=1)
    try:
        got = dict(executor.map_unordered(die, [1, -1, 2, 3], on_error=lambda item, exc: f"lost: {type(exc).__name__}"))
    finally:
        executor.close()
    # the others in flight when a worker died ran again on a fresh pool
    assert got == {1: 2, 2: 4, 3: 6, -1: "lost: BrokenProcessPool"}


def nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_close_abandons_work_under_way() -> None:
    executor = ProcessExecutor(2)
    results = executor.map_unordered(nap, [0.0, 60.0, 60.0, 60.0])
    assert next(results) == (0.0, 0.0)
    workers = _workers()
    started = time.monotonic()
    executor.close()
    assert time.monotonic() - started < 5
    assert workers and all(_gone(pid) for pid in workers)


def test_the_cli_names_the_engine(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"a.py": "x = 1\n", "b.rs": "fn main() {}\n"})
    assert main(["scan", "--repo", str(repo), "--engine", "processes", "--out", str(tmp_path / "out")]) == 0
    assert "1 repository (1 ok)" in capsys.readouterr().out
