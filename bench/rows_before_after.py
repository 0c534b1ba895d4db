"""The same rows before and after a change: census at REV against the working tree, on real repositories.

    python bench/rows_before_after.py REV /path/a.git [/path/b.git ...]

Checks out REV into a temporary worktree, scans each repository with it and with the current
code (``python -m crawler`` with ``PYTHONPATH`` set to each tree, in the same environment), and
compares the files rows: every row's path, bytes, counted flag, vendored and documentation flags;
for counted files also language group, lines and code. Files excluded by their path may differ in
language and ``generated`` since census stopped detecting them (as Linguist): those differences are
counted apart. Exit 1 on any other difference.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
ALL = ["path", "bytes", "counted", "vendored", "documentation"]
COUNTED = ["group", "lines", "code"]


def scan(tree: Path, repo: str, out: Path) -> pl.DataFrame:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-m", "crawler", "scan", "--repo", repo, "--out", str(out)], cwd=tree,
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return pl.read_parquet(Path(done.stdout.strip().splitlines()[-1]) / "files.parquet")


def main(rev: str, repos: list[str]) -> int:
    failures = 0
    with tempfile.TemporaryDirectory(prefix="census-rows-") as tmp:
        before_tree = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(before_tree), rev], cwd=ROOT, check=True)
        try:
            for repo in repos:
                before = scan(before_tree, repo, Path(tmp) / "o1")
                after = scan(ROOT, repo, Path(tmp) / "o2")
                joined = before.join(after, on="path", suffix="_after", how="full", coalesce=True)
                differ = pl.lit(False)
                for column in ALL[1:]:
                    differ = differ | pl.col(column).ne_missing(pl.col(f"{column}_after"))
                for column in COUNTED:
                    differ = differ | (pl.col("counted") & pl.col(column).ne_missing(pl.col(f"{column}_after")))
                bad = joined.filter(differ)
                relabelled = joined.filter(~differ & ~pl.col("counted").fill_null(False)
                                           & pl.col("language").ne_missing(pl.col("language_after"))).height
                counted = int(after["counted"].sum())
                print(f"{repo}: {after.height:,} files, {counted:,} counted; {bad.height} rows differ; "
                      f"{relabelled:,} excluded files have another language (now: the one their name says, or none)")
                if bad.height:
                    failures += 1
                    print(bad.select("path", *[c for name in ALL[1:] + COUNTED for c in (name, f"{name}_after")])
                          .head(10))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before_tree)], cwd=ROOT, check=False)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
