"""What counting lines costs: ``census scan`` with and without ``--no-lines`` on the same repositories.

Times whole processes (start-up included), ``--repeat`` runs of each, alternating, and prints the
medians and the ratio. Target (issue 5): lines cost at most 50% more time than a bytes-only scan
on a repository of over 1,000 files.

    python bench/lines_cost.py /path/to/repo.git [...] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def census_command() -> list[str]:
    found = shutil.which("census")
    return [found] if found else [sys.executable, "-m", "crawler"]


def timed(argv: list[str]) -> float:
    with tempfile.TemporaryDirectory(prefix="census-bench-") as out:
        started = time.perf_counter()
        done = subprocess.run([*argv, "--out", out], capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"census failed: {done.stderr.strip().splitlines()[-1:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="+", help="repository paths (bare or not)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (default 5)")
    args = parser.parse_args()
    census = census_command()
    worst = 0.0
    print(f"{'repository':60} {'bytes only':>11} {'with lines':>11} {'extra':>7}")
    for repo in args.repos:
        base = [*census, "scan", "--repo", repo, "--jobs", "1"]
        timed(base)  # warm the page cache
        plain, lines = [], []
        for _ in range(args.repeat):
            plain.append(timed([*base, "--no-lines"]))
            lines.append(timed(base))
        a, b = statistics.median(plain), statistics.median(lines)
        worst = max(worst, b / a - 1)
        print(f"{repo[-60:]:60} {a:10.2f}s {b:10.2f}s {100 * (b / a - 1):6.0f}%")
    print(f"median of {args.repeat} runs each; whole processes, start-up included")
    return 0 if worst <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
