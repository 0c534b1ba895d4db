"""The per-repository step in fresh ``spawn`` processes gives exactly the CLI's rows.

    python bench/step_in_spawned_processes.py /path/a.git /path/b.git /path/c.git

Scans the repositories with ``census scan`` (a subprocess), then plans the same targets in this
process, checks that no pickled task holds ``GITHUB_TOKEN`` (set to a canary here), runs
``crawler.step.run_task`` over them in a ``spawn`` ProcessPoolExecutor and compares every repos
and files row with the snapshot's. Prints one line per repository and exits 1 on a difference.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from crawler.library import targets_for
from crawler.plan import Planner
from crawler.schema import REPOS_SCHEMA
from crawler.step import run_task
from crawler.values import ScanOptions, Task

CANARY = "ghp_BENCHCANARY0123456789abcdef"


def main(paths: list[str]) -> int:
    os.environ["GITHUB_TOKEN"] = CANARY
    out = tempfile.mkdtemp(prefix="census-bench-")
    args = [a for p in paths for a in ("--repo", p)]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "crawler", "scan", *args, "--out", out], capture_output=True,
                          text=True, check=False)
    cli_seconds = time.monotonic() - started
    if done.returncode != 0:
        print(done.stdout, done.stderr)
        return 1
    snapshot = Path(done.stdout.strip().splitlines()[-1])
    planner = Planner(ScanOptions(), api=None, lookup=None, checkpoint=None)
    planner.expand(targets_for(None, paths))
    tasks = [t for t in planner.plan() if isinstance(t, Task)]
    leaks = [t.target.name for t in tasks if CANARY.encode() in pickle.dumps(t)]
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(run_task, tasks))
    spawn_seconds = time.monotonic() - started
    files = pl.read_parquet(snapshot / "files.parquet")
    repos = pl.read_parquet(snapshot / "repos.parquet")
    volatile = ["scanned_at", "duration_s"]
    failures = 0
    for result in results:
        name = result.repo["repo"]
        try:
            assert_frame_equal(result.files, files.filter(pl.col("repo") == name), check_row_order=False)
            assert_frame_equal(pl.DataFrame([result.repo], schema=REPOS_SCHEMA).drop(volatile),
                               repos.filter(pl.col("repo") == name).drop(volatile))
            verdict = "identical"
        except AssertionError as exc:
            failures += 1
            verdict = f"DIFFERENT: {str(exc).splitlines()[0]}"
        print(f"{name:30} {result.repo['commit'][:12]} {result.files.height:6,} files  {verdict}")
    print(f"token in a pickled task: {'yes: ' + ', '.join(leaks) if leaks else 'no'}; "
          f"CLI {cli_seconds:.2f} s, spawned steps {spawn_seconds:.2f} s (2 processes)")
    return 1 if failures or leaks else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
