"""Orchestration: snapshots assembled from checkpoints in bounded memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from crawler.schema import FILES_SCHEMA, REPOS_SCHEMA

ROOT = Path(__file__).resolve().parents[1]

ASSEMBLE = """
import resource, sys
from pathlib import Path
import polars as pl
from crawler.checkpoint import Checkpoint
from crawler.run import _assemble_stored
from crawler.snapshot import write_snapshot
from crawler.values import RepoResult
from crawler.schema import REPOS_SCHEMA
work, out, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
checkpoint = Checkpoint(work, "synthetic", "now")
row = {name: None for name in REPOS_SCHEMA}
results = [(f"r{i:05d}", RepoResult({**row, "project": "p", "repo": f"r{i}", "status": "ok"})) for i in range(n)]
repos, files, table = _assemble_stored(results, checkpoint)
snap = write_snapshot(out, repos=repos, files=files, breakdown=table)
print(snap.manifest["counts"]["files"], table.height, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_ten_million_file_rows_assemble_in_bounded_memory(tmp_path: Path) -> None:
    """The driver never holds a population's file rows: 10 million rows from 1,000 checkpointed
    repositories become a snapshot in well under 2 GB."""
    per_repo, repos = 10_000, 1_000
    template = pl.DataFrame({
        "project": ["p"] * per_repo, "path": [f"src/d{i % 97}/file{i}.py" for i in range(per_repo)],
        "component": ["."] * per_repo, "language": ["Python", "Rust", "C++", "Markdown"] * (per_repo // 4),
        "group": ["Python", "Rust", "C++", "Markdown"] * (per_repo // 4),
        "type": ["programming", "programming", "programming", "prose"] * (per_repo // 4),
        "bytes": list(range(per_repo)), "lines": [10] * per_repo, "code": [8] * per_repo,
        "comments": [1] * per_repo, "blanks": [1] * per_repo, "counted": [True, True, True, False] * (per_repo // 4),
        "vendored": [False] * per_repo, "generated": [False] * per_repo, "documentation": [False] * per_repo,
        "binary": [False] * per_repo, "kind": ["file"] * per_repo, "lfs": [False] * per_repo,
        "oid": [f"{i:040x}" for i in range(per_repo)],
    })
    work = tmp_path / "work"
    for i in range(repos):
        folder = work / f"r{i:05d}"
        folder.mkdir(parents=True)
        frame = template.with_columns(pl.lit(f"r{i}").alias("repo"), pl.lit("c" * 40).alias("commit"))
        frame.select([pl.col(c) if c in frame.columns else pl.lit(None, t).alias(c) for c, t in FILES_SCHEMA.items()]
                     ).write_parquet(folder / "files.parquet")
        pl.DataFrame(schema=REPOS_SCHEMA).write_parquet(folder / "repos.parquet")
    done = subprocess.run([sys.executable, "-c", ASSEMBLE, str(work), str(tmp_path / "out"), str(repos)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    files, breakdown_rows, peak_kb = (int(x) for x in done.stdout.split())
    assert files == per_repo * repos and breakdown_rows == 3 * repos
    print(f"10,000,000 rows assembled, peak {peak_kb / 1024:.0f} MB")
    assert peak_kb < 1_000_000, f"{peak_kb / 1024:.0f} MB"  # well under 2 GB
