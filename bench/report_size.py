"""How long a report of a large snapshot takes, and how big it is.

Builds a synthetic snapshot of ``--repos`` repositories and ``--files`` files in all (languages
drawn from Linguist's most common, a few components per repository, some failures), writes it
like a scan would, then times ``census report`` in HTML and Markdown and prints the sizes.

    python bench/report_size.py --repos 100 --files 50000

Targets (issue 4): under 5 s and under 2 MB for the HTML report of 100 repositories and 50,000 files.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.aggregate import breakdown  # noqa: E402
from crawler.report import make_report  # noqa: E402
from crawler.schema import FILES_SCHEMA, REPOS_SCHEMA, conform  # noqa: E402
from crawler.snapshot import open_snapshot, write_snapshot  # noqa: E402

LANGUAGES = [("Python", "programming"), ("Rust", "programming"), ("C++", "programming"), ("C", "programming"),
             ("TypeScript", "programming"), ("JavaScript", "programming"), ("Go", "programming"),
             ("Cuda", "programming"), ("Shell", "programming"), ("HTML", "markup"), ("CSS", "markup"),
             ("Jupyter Notebook", "markup"), ("Markdown", "prose"), ("JSON", "data"), ("YAML", "data")]


def synthetic(repos: int, files: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)
    rows = []
    repo_rows = []
    for r in range(repos):
        project = f"project-{r % 12}"
        name = f"org{r % 7}/repo-{r}"
        commit = f"{rng.getrandbits(160):040x}"
        components = ["."] + [f"pkg{k}" for k in range(rng.randint(0, 6))]
        status = "failed" if r % 25 == 24 else "ok"
        n = 0 if status == "failed" else files // (repos - repos // 25)
        for i in range(n):
            language, kind = rng.choice(LANGUAGES)
            size = int(rng.lognormvariate(8, 1.5))
            counted = kind in ("programming", "markup") and rng.random() > 0.1
            rows.append((project, name, commit, f"src/{i}.x", rng.choice(components), language, language, kind,
                         size, counted))
        repo_rows.append({"project": project, "repo": name, "source": name, "ref": "main", "commit": commit,
                          "status": status, "error": "GitHub answered 502" if status == "failed" else None,
                          "files": n, "bytes": 0, "scanned_at": datetime.now(UTC),
                          "clone_url": f"https://github.com/{name}.git"})
    files_df = pl.DataFrame(rows, schema=["project", "repo", "commit", "path", "component", "language", "group",
                                          "type", "bytes", "counted"], orient="row")
    return conform(pl.DataFrame(repo_rows), REPOS_SCHEMA), conform(files_df, FILES_SCHEMA)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=100)
    parser.add_argument("--files", type=int, default=50_000)
    args = parser.parse_args()
    repos, files = synthetic(args.repos, args.files)
    with tempfile.TemporaryDirectory() as tmp:
        for day in (1, 2):  # two snapshots: the report shows a trend and movers too
            write_snapshot(tmp, repos=repos, files=files, breakdown=breakdown(files),
                           now=datetime(2026, 11, day, tzinfo=UTC))
        old, new = (open_snapshot(f"2026110{d}T000000Z", out=tmp) for d in (1, 2))
        ok = True
        for fmt in ("html", "md"):
            started = time.perf_counter()
            text = make_report(open_snapshot(new.id, out=tmp), fmt=fmt, against=open_snapshot(old.id, out=tmp),
                               out=tmp)
            seconds = time.perf_counter() - started
            size = len(text.encode())
            print(f"{fmt:4}  {args.repos} repositories, {files.height:,} files: {seconds:.2f} s, {size / 1e6:.2f} MB")
            ok = ok and (fmt != "html" or (seconds < 5 and size < 2e6))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
