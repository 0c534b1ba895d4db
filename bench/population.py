"""A population defined by a GitHub search, scanned twice, against the fake GitHub with latency.

    python bench/population.py --repos 2000 --latency 0.05 --jobs 16 [--distinct 40] [--engines threads,ray]

Serves ``--repos`` repositories matching ``topic:llm`` (``--distinct`` different contents, shared,
so that the set-up is quick) from the fake GitHub on loopback, with ``--latency`` seconds added to
every HTTP request (REST, search and git alike) and GitHub's search budget (30 a minute), then runs
``census scan --repo 'github-search:topic:llm stars:>=100'`` as a separate process twice into the
same output folder: a first scan, and a re-scan with nothing pushed. For each: wall time, requests
by kind (search pages, core REST, git), REST requests per repository, bytes the server sent, and
the census process's peak memory (VmHWM, the driver alone: Ray's workers are other processes).
With ``--engines threads,ray`` the first scan is made by each engine in turn (Ray: a local Ray on
127.0.0.1 started by census), and Ray's overhead per task is measured apart (a task that does
nothing). Then a projection of the rate-limit hours for a population of 20,000 repositories
scanned at 28 quarterly dates, before and after this design.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._measure import run_measured  # noqa: E402
from bench.github_fake import make_repo  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402

QUERY = "github-search:topic:llm stars:>=100"
CORE_PER_HOUR = 5000
SEARCH_PER_MINUTE = 30


def scan(fake: FakeGitHub, out: Path, jobs: int, engine: str = "threads") -> dict[str, float]:
    fake.log.clear()
    env = {**os.environ, "GITHUB_TOKEN": "bench-token", "GITHUB_API_URL": fake.api_url,
           "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    done, seconds, peak = run_measured([sys.executable, "-m", "crawler", "scan", "--repo", QUERY, "--out", str(out),
                                        "--jobs", str(jobs), "--engine", engine], cwd=ROOT, env=env)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    search = [r for r in fake.log if r.path.startswith("/api/v3/search/")]
    core = [r for r in fake.log if r.path.startswith("/api/v3/") and r not in search]
    git = [r for r in fake.log if not r.path.startswith("/api/v3/")]
    return {"seconds": seconds, "search": len(search), "core": len(core), "git": len(git),
            "git_bytes": sum(r.bytes_out for r in git), "bytes": sum(r.bytes_out for r in fake.log),
            "peak_mb": peak / 1024,
            "status_line": done.stdout.strip().splitlines()[-2] if done.stdout.strip() else ""}


def _nothing(item: int) -> int:
    return item


def ray_overhead(n: int = 2000) -> str:
    """Ray's own cost per task: a task that does nothing, through census's Ray executor."""
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    from crawler.executors.ray import RayExecutor

    executor = RayExecutor()
    try:
        started = time.monotonic()
        done = sum(1 for _ in executor.map_unordered(_nothing, range(n)))
        seconds = time.monotonic() - started
    finally:
        executor.close()
    return f"Ray's overhead: {done:,} empty tasks in {seconds:.2f} s = {1000 * seconds / done:.2f} ms a task"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=2000)
    parser.add_argument("--distinct", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--engines", default="threads", help="threads, ray, or threads,ray")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="census-bench-") as tmp:
        base = Path(tmp)
        bares = [make_repo(base, i) for i in range(args.distinct)]
        rng = random.Random(1)
        with FakeGitHub(latency=args.latency, search_limit=SEARCH_PER_MINUTE) as fake:
            for i in range(args.repos):
                fake.add_repo(f"org{i % 50}/llm-{i:05d}", bares[i % len(bares)], topics=["llm"], stars=100 + i,
                              created_at=f"{2015 + rng.randrange(11)}-{1 + rng.randrange(12):02d}-"
                                         f"{1 + rng.randrange(28):02d}T{rng.randrange(24):02d}:00:00Z")
            print(f"{args.repos:,} repositories matching {QUERY!r} ({args.distinct} distinct contents), "
                  f"{args.latency * 1000:.0f} ms per request, --jobs {args.jobs}, search budget "
                  f"{SEARCH_PER_MINUTE}/minute")
            out = base / "out"
            engines = args.engines.split(",")
            rows = [("first scan", scan(fake, out, args.jobs, engines[0])),
                    ("re-scan", scan(fake, out, args.jobs, engines[0]))]
            for engine in engines[1:]:
                rows.append((f"first, {engine}", scan(fake, base / f"out-{engine}", args.jobs, engine)))
    print(f"{'':12} {'seconds':>8} {'search':>7} {'core REST':>10} {'REST/repo':>10} {'git req':>8} "
          f"{'git MB':>7} {'MB sent':>8} {'peak MB':>8}")
    for name, r in rows:
        print(f"{name:12} {r['seconds']:8.1f} {r['search']:7.0f} {r['core']:10.0f} {r['core'] / args.repos:10.3f} "
              f"{r['git']:8.0f} {r['git_bytes'] / 1e6:7.1f} {r['bytes'] / 1e6:8.1f} {r['peak_mb']:8.0f}")
    for name, r in rows:
        print(f"{name}: {r['status_line']}")
    if "ray" in args.engines:
        print(ray_overhead())
    # Projection: 20,000 repositories at 28 quarterly dates.
    n, dates = 20_000, 28
    before = n * dates * 2  # per date: the repository's metadata and the commit at that date (commits?until)
    before_scans = n * dates * 3  # or, scanned at each date as today: metadata, commit, languages
    pages = n / 100 * rows[0][1]["search"] / max(1, args.repos / 100)
    print(f"\n20,000 repositories x 28 quarters: before, {before:,} to {before_scans:,} core requests = "
          f"{before / CORE_PER_HOUR:,.0f} to {before_scans / CORE_PER_HOUR:,.0f} hours of rate limit; after, "
          f"0 core requests and about {pages:,.0f} search pages per listing = "
          f"{pages / SEARCH_PER_MINUTE / 60:.2f} hours of the search budget (one listing serves a whole backfill)")


if __name__ == "__main__":
    main()
