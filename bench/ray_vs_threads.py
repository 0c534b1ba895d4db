"""Ray against threads on real repositories: the same rows, a local Ray and an existing cluster,
and a busy worker killed mid-run.

    python bench/ray_vs_threads.py /path/a.git /path/b.git ...   (six or so)

1. ``census scan`` with ``--engine threads``; 2. with ``--engine ray`` (a local Ray census starts
and stops); 3. a two-node Ray cluster on 127.0.0.1 (``ray.cluster_utils.Cluster``) named by
``--ray-address``, with a busy Ray worker killed (SIGKILL) while the scan runs. Prints wall times,
the census process's own peak memory, and whether every table equals the thread run's.
Every Ray process binds 127.0.0.1 (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, asserted).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

import polars as pl
from polars.testing import assert_frame_equal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._measure import run_measured  # noqa: E402

VOLATILE = ["scanned_at", "duration_s"]


def run(repos: list[str], out: Path, *extra: str) -> tuple[float, int, Path]:
    args = [sys.executable, "-m", "crawler", "scan", *[a for r in repos for a in ("--repo", r)], "--out", str(out),
            *extra]
    done, seconds, peak = run_measured(args, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"exit {done.returncode}: {done.stderr[-500:]}")
    return seconds, peak // 1024, Path(done.stdout.strip().splitlines()[-1])


def same(a: Path, b: Path) -> bool:
    for name in ("repos", "files", "breakdown"):
        try:
            assert_frame_equal(pl.read_parquet(a / f"{name}.parquet").drop(VOLATILE, strict=False),
                               pl.read_parquet(b / f"{name}.parquet").drop(VOLATILE, strict=False),
                               check_row_order=False)
        except AssertionError as exc:
            print(f"  {name} differs: {str(exc).splitlines()[0]}")
            return False
    return True


def busy_workers() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/cmdline").read_bytes().startswith(b"ray::_call"):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def main(repos: list[str]) -> None:
    import ray
    from ray.cluster_utils import Cluster

    with tempfile.TemporaryDirectory(prefix="census-ray-") as tmp:
        base = Path(tmp)
        t_threads, m_threads, threads = run(repos, base / "threads")
        t_ray, m_ray, local = run(repos, base / "ray", "--engine", "ray")
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        addresses = {n["NodeManagerAddress"] for n in ray.nodes()}
        assert addresses == {"127.0.0.1"}, addresses
        ray.shutdown()
        killed: list[int] = []

        def killer() -> None:
            deadline = time.monotonic() + 120
            while not killed and time.monotonic() < deadline:
                for pid in busy_workers():
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    break
                time.sleep(0.01)

        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        try:
            t_cluster, m_cluster, on_cluster = run(repos, base / "cluster", "--engine", "ray", "--ray-address",
                                                   cluster.address)
        finally:
            cluster.shutdown()
        print(f"{len(repos)} repositories; every Ray node on {addresses}")
        print(f"{'engine':34} {'seconds':>8} {'driver peak MB':>15} {'rows equal threads':>19}")
        print(f"{'threads':34} {t_threads:8.2f} {m_threads:15} {'-':>19}")
        print(f"{'ray (local, started by census)':34} {t_ray:8.2f} {m_ray:15} {same(threads, local)!s:>19}")
        print(f"{'ray (2-node cluster, worker killed)':34} {t_cluster:8.2f} {m_cluster:15} "
              f"{same(threads, on_cluster)!s:>19}   killed pid {killed or 'none found'}")


if __name__ == "__main__":
    main(sys.argv[1:])
