"""Compare census's language figures with current GitHub Linguist's, file by file and by byte share.

For each repository path given (bare or not), both tools read the same commit (``HEAD``):

* census: ``census scan --repo PATH --out TMPDIR`` (the ``census`` command from ``PATH``, else
  ``python -m crawler``); the *counted* rows of ``files.parquet`` give each file's language group
  and bytes.
* Linguist: ``LINGUIST PATH --breakdown --json`` (``--linguist``, default the build of current
  Linguist at ``/work/linguist-current/census-linguist``; Debian's ``github-linguist`` 7.22 takes
  the same arguments), which lists, per language group, its bytes and its files.

Per repository and overall (all repositories' files pooled), the table shows:

* ``files``: files counted by either tool; ``agree``: counted by both with the same group, as a
  percentage of ``files``; ``census only`` / ``linguist only``: counted by one tool alone;
  ``other group``: counted by both, with different groups;
* ``max Δ share``: the largest difference, in percentage points, between the two tools' byte
  share of one language group (overall: the largest over the repositories).

``--show N`` lists up to N differing files per repository (path, census's group, Linguist's), the
material for finding which rule differs. ``--json FILE`` writes every figure and difference.

Exit status: 0 when both tools ran on every repository, 1 when one failed somewhere, 2 on a bad
argument.

    python bench/vs_current_linguist.py /work/.mirror/openai+tiktoken/repo ... [--show 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

CURRENT_LINGUIST = "/work/linguist-current/census-linguist"


@dataclass
class Comparison:
    """One repository's figures (or the pooled figures of several)."""

    repo: str
    files: int = 0
    agree: int = 0
    census_only: int = 0
    linguist_only: int = 0
    other_group: int = 0
    max_share_pp: float = 0.0
    max_share_group: str | None = None
    error: str | None = None
    differences: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    @property
    def agree_pct(self) -> float:
        return 100.0 * self.agree / self.files if self.files else 100.0


def census_command() -> list[str]:
    """The ``census`` command: the installed script, or this interpreter's ``-m crawler``."""
    found = shutil.which("census")
    return [found] if found else [sys.executable, "-m", "crawler"]


def run_census(census: Sequence[str], path: str) -> tuple[dict[str, str], dict[str, int]]:
    """census's counted files (path → group) and bytes per group for the repository at ``path``."""
    import polars as pl  # a census dependency: present wherever census runs

    with tempfile.TemporaryDirectory(prefix="census-vs-linguist-") as out:
        proc = subprocess.run([*census, "scan", "--repo", path, "--out", out], capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"census exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-300:]}")
        found = [os.path.join(root, "files.parquet") for root, _, names in os.walk(out) if "files.parquet" in names]
        if len(found) != 1:
            raise RuntimeError(f"census: expected one files.parquet under {out}, found {len(found)}")
        files = pl.read_parquet(found[0], columns=["path", "group", "bytes", "counted"]).filter(pl.col("counted"))
    groups = dict(zip(files["path"], files["group"], strict=True))
    sizes: dict[str, int] = {}
    for group, size in zip(files["group"], files["bytes"], strict=True):
        sizes[group] = sizes.get(group, 0) + int(size)
    return groups, sizes


def run_linguist(linguist: Sequence[str], path: str) -> tuple[dict[str, str], dict[str, int]]:
    """Linguist's counted files (path → group) and bytes per group (``--breakdown --json``)."""
    proc = subprocess.run([*linguist, path, "--breakdown", "--json"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"linguist exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    data = json.loads(proc.stdout)
    groups = {file: group for group, info in data.items() for file in info.get("files", [])}
    sizes = {group: int(info["size"]) for group, info in data.items()}
    return groups, sizes


def shares(sizes: dict[str, int]) -> dict[str, float]:
    total = sum(sizes.values())
    return {group: 100.0 * size / total for group, size in sizes.items()} if total else {}


def compare(repo: str, ours: dict[str, str], theirs: dict[str, str],
            our_sizes: dict[str, int], their_sizes: dict[str, int]) -> Comparison:
    """The file-by-file and byte-share comparison of one repository."""
    result = Comparison(repo)
    for path in sorted(ours.keys() | theirs.keys()):
        mine, other = ours.get(path), theirs.get(path)
        result.files += 1
        if mine == other:
            result.agree += 1
            continue
        if other is None:
            result.census_only += 1
        elif mine is None:
            result.linguist_only += 1
        else:
            result.other_group += 1
        result.differences.append((path, mine, other))
    a, b = shares(our_sizes), shares(their_sizes)
    for group in a.keys() | b.keys():
        diff = abs(a.get(group, 0.0) - b.get(group, 0.0))
        if diff > result.max_share_pp:
            result.max_share_pp, result.max_share_group = diff, group
    return result


def pooled(results: list[Comparison]) -> Comparison:
    """All repositories' files together; the largest share difference of any repository."""
    total = Comparison("overall")
    for r in results:
        if r.error:
            continue
        for name in ("files", "agree", "census_only", "linguist_only", "other_group"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        if r.max_share_pp > total.max_share_pp:
            total.max_share_pp, total.max_share_group = r.max_share_pp, f"{r.max_share_group} ({r.repo})"
    return total


def print_table(results: list[Comparison], show: int) -> None:
    header = ["repository", "files", "agree %", "census only", "linguist only", "other group", "max Δ share (pp)"]
    rows = []
    for r in [*results, pooled(results)]:
        if r.error:
            rows.append([r.repo, "failed", "-", "-", "-", "-", "-"])
            continue
        rows.append([r.repo, str(r.files), f"{r.agree_pct:.2f}", str(r.census_only), str(r.linguist_only),
                     str(r.other_group), f"{r.max_share_pp:.2f} {r.max_share_group or ''}".strip()])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) if i in (0, 6) else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    for r in results:
        if r.error:
            print(f"{r.repo}: {r.error}", file=sys.stderr)
        for path, mine, other in r.differences[:show]:
            print(f"  {r.repo}: {path}: census {mine or '-'}, linguist {other or '-'}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="census against current GitHub Linguist, file by file.")
    parser.add_argument("repos", nargs="+", metavar="PATH", help="git repositories (bare or not)")
    parser.add_argument("--linguist", default=CURRENT_LINGUIST,
                        help=f"the Linguist command (default {CURRENT_LINGUIST}); split on spaces")
    parser.add_argument("--census",
                        help="the census command (default: `census`, else python -m crawler); split on spaces")
    parser.add_argument("--show", type=int, default=0, help="list up to N differing files per repository")
    parser.add_argument("--json", metavar="FILE", help="write all figures and differences to FILE")
    args = parser.parse_args(argv)
    for path in args.repos:
        if not os.path.isdir(path):
            parser.error(f"not a folder: {path}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    census = args.census.split() if args.census else census_command()
    linguist = args.linguist.split()
    results: list[Comparison] = []
    for path in args.repos:
        name = path.rstrip("/").removesuffix("/repo").rsplit("/", 1)[-1]
        try:
            ours, our_sizes = run_census(census, path)
            theirs, their_sizes = run_linguist(linguist, path)
        except (RuntimeError, json.JSONDecodeError, OSError) as exc:
            results.append(Comparison(name, error=str(exc)))
            continue
        results.append(compare(name, ours, theirs, our_sizes, their_sizes))
    print_table(results, args.show)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([asdict(r) | {"agree_pct": r.agree_pct} for r in [*results, pooled(results)]], out, indent=1)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
