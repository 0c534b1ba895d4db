"""The census on Ray: a local Ray census starts, and a two-node cluster, on 127.0.0.1 only; the same
rows as the thread engine; a task that raises; a worker killed mid-run. Marked ``ray`` (run with
``-m ray``): starting Ray takes seconds."""

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

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # every Ray process on 127.0.0.1, never an outward address

ray = pytest.importorskip("ray")

from crawler.cli import main  # noqa: E402
from crawler.executors.ray import RayExecutor  # noqa: E402
from crawler.run import scan  # noqa: E402
from crawler.specs import parse_spec  # noqa: E402
from crawler.values import GitHubOptions, ScanOptions, Target  # noqa: E402
from tests.conftest import MakeRepo  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402

pytestmark = pytest.mark.ray
VOLATILE = ["scanned_at", "duration_s"]


def assert_loopback() -> None:
    nodes = ray.nodes()
    assert nodes and all(n["NodeManagerAddress"] == "127.0.0.1" for n in nodes), nodes
    assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")


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


def test_a_local_ray_gives_the_rows_of_threads(six: tuple[list[Target], ScanOptions, FakeGitHub],
                                               tmp_path: Path) -> None:
    targets, options, _ = six
    threads = scan(targets, out=str(tmp_path / "threads"), options=options)
    executor = RayExecutor(num_cpus=2)
    try:
        assert_loopback()
        on_ray = scan(targets, out=str(tmp_path / "ray"), options=options, executor=executor)
        # a task that raises (an invalid component setting makes the step fail inside the worker)
        broken = [Target("P", parse_spec(str(targets[0].spec.location)), "broken", "nonsense")]
        failed = scan(broken, out=str(tmp_path / "broken"), options=options, executor=executor)
    finally:
        executor.close()
    assert not ray.is_initialized()  # the local Ray census started is stopped
    for name, frame in tables(threads.path).items():
        assert_frame_equal(tables(on_ray.path)[name], frame, check_row_order=False)
    row = failed.repos.row(0, named=True)
    assert row["status"] == "failed" and "census could not scan this repository (ValueError" in row["error"]


def _busy_worker_pids() -> list[int]:
    """Ray workers running a census task now (Ray titles a busy worker ``ray::_call``)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if fh.read().startswith(b"ray::_call"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def test_a_two_node_cluster_and_a_worker_killed_mid_run(six: tuple[list[Target], ScanOptions, FakeGitHub],
                                                        tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        make_repo: MakeRepo) -> None:
    from ray.cluster_utils import Cluster

    targets, options, fake = six
    big = make_repo({f"d{k % 20}/f{k}.py": f"x = {k}\n" * 20 for k in range(4000)}, name="big")
    targets = [*targets, Target("P", parse_spec(str(big)), "big")]
    reference = scan(targets, out=str(tmp_path / "threads"), options=options)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for pid in _busy_worker_pids():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            time.sleep(0.02)

    try:
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        assert_loopback()
        assert len(ray.nodes()) == 2
        ray.shutdown()
        killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
        killer.start()
        code = main(["scan", *[a for t in targets for a in ("--repo", t.spec.text)], "--engine", "ray",
                     "--ray-address", cluster.address, "--api-url", fake.api_url, "--out", str(tmp_path / "ray")])
        killer.join(timeout=5)
        out = capsys.readouterr().out
    finally:
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()
    assert killed, "no busy worker was found to kill"
    assert code == 0, out
    got = tables(Path(out.strip().splitlines()[-1]))
    for name, frame in tables(reference.path).items():
        if name == "repos":  # the CLI names --repo targets after themselves: compare by repository
            frame = frame.drop("project")
            got[name] = got[name].drop("project")
        assert_frame_equal(got[name].select(frame.columns) if name == "repos" else got[name].drop("project"),
                           frame if name == "repos" else frame.drop("project"), check_row_order=False)
