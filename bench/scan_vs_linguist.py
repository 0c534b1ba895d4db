"""Time ``census scan`` against GitHub Linguist's ``github-linguist --breakdown --json``.

For each repository path given, both tools read the same repository in the same run, one after
the other, ``--repeat`` times (after ``--warmup`` untimed runs of each); the table shows the
median of the timed runs (``--best`` for the fastest instead) and the ratio linguist / census,
so a ratio above 1 means census is faster.

* census: ``census scan --repo PATH --out TMPDIR --jobs N`` (a fresh output folder per run;
  the ``census`` command from ``PATH``, else ``python -m crawler``). Its ``files`` column is the
  number of regular files in the snapshot's ``repos`` row.
* census, no lines: the same with ``--no-lines``: the work Linguist does (the language bar), without
  counting lines of code, which Linguist does not do. Its ratio is the like-for-like one.
* linguist: ``github-linguist --breakdown --json PATH``, which reads a repository's ``HEAD``
  (bare or not) through libgit2.

Both are timed as whole processes (start-up included), as a user would run them, in wall time and
in CPU time (user + system of the tool's whole process tree: census's ``git`` and tokei processes
included). CPU time divided by the machine's cores is the least wall time the same work could take
here: the table says how near each tool is to it. Below the table: ``census --help``'s time, and
how long census's interpreter takes to start and import polars (which writing a snapshot needs),
the least any scan can take. A tool that
fails is shown as ``failed`` with its error line (Linguist 7.22, for one, stops on a blob missing
from the object store, where census records the file and goes on). A warning is printed when
census reads a bare repository as a plain folder rather than as git (census before ``ae7d84b``).

Exit status: 0 when every run of both tools succeeded, 1 when some failed, 2 when
``github-linguist`` is not installed or an argument is wrong.

    python bench/scan_vs_linguist.py /path/to/repo.git [/path/to/other ...] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass
class Result:
    """The timed runs of one repository."""

    repo: str
    files: int | None = None
    census_s: list[float] = field(default_factory=list)
    linguist_s: list[float] = field(default_factory=list)
    census_cpu: list[float] = field(default_factory=list)
    linguist_cpu: list[float] = field(default_factory=list)
    no_lines_s: list[float] = field(default_factory=list)
    census_error: str | None = None
    linguist_error: str | None = None
    warnings: list[str] = field(default_factory=list)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:160] if lines else "no output"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: Sequence[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run ``cmd``: (wall seconds, CPU seconds of its process tree, the finished process). The CPU is
    what the command and the children it waited for used (census reaps its tokei processes)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    return time.perf_counter() - start, _children_cpu() - cpu, proc


def census_command() -> list[str]:
    """The ``census`` command: the installed script, or this interpreter's ``-m crawler``."""
    found = shutil.which("census")
    return [found] if found else [sys.executable, "-m", "crawler"]


def census_python(census: Sequence[str]) -> str:
    """The interpreter that runs ``census`` (its script's ``#!`` line, else this one)."""
    if len(census) == 1:
        try:
            with open(census[0], "rb") as fh:
                first = fh.readline().decode(errors="replace")
        except OSError:
            first = ""
        if first.startswith("#!") and "python" in first:
            return first[2:].strip().split()[0]
    return sys.executable


def compile_bytecode(census: Sequence[str]) -> str | None:
    """Where ``PYTHONDONTWRITEBYTECODE`` is set (as in some sandboxes), census would compile its
    modules from source on every run (some 50 ms) — which an installed census never does: ``pip
    install`` compiles them, and a first run writes them elsewhere. Compile them once, with
    census's own interpreter; say so. None when nothing needed doing."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return None
    python = census_python(census)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    found = subprocess.run([python, "-c", "import crawler, os; print(os.path.dirname(crawler.__file__))"],
                           capture_output=True, text=True, check=False, env=env)
    folder = found.stdout.strip()
    if found.returncode != 0 or not folder:
        return "PYTHONDONTWRITEBYTECODE is set and census's package was not found: timed as it is"
    subprocess.run([python, "-m", "compileall", "-q", folder], capture_output=True, check=False, env=env)
    return f"PYTHONDONTWRITEBYTECODE is set here: census's bytecode was compiled once ({folder}), as an install has it"


def is_bare(path: str) -> bool:
    """True when ``path`` is the top of a bare git repository."""
    proc = subprocess.run(["git", "rev-parse", "--is-bare-repository"], cwd=path, capture_output=True,
                          text=True, check=False)
    return proc.returncode == 0 and proc.stdout.strip() == "true"


def census_snapshot_row(out: str) -> dict[str, object]:
    """The ``repos`` row of the one snapshot under ``out`` (read with polars)."""
    import polars as pl  # a census dependency: present wherever census runs

    found = [os.path.join(root, "repos.parquet") for root, _, names in os.walk(out) if "repos.parquet" in names]
    if len(found) != 1:
        raise RuntimeError(f"expected one snapshot under {out}, found {len(found)}")
    rows = pl.read_parquet(found[0]).to_dicts()
    if len(rows) != 1:
        raise RuntimeError(f"expected one repository row, found {len(rows)}")
    return rows[0]


def run_census(census: Sequence[str], path: str, jobs: int, *extra: str
               ) -> tuple[float, float, str | None, dict[str, object] | None]:
    """One timed ``census scan`` (with ``extra`` options): (seconds, CPU seconds, error or None, the
    snapshot's repos row)."""
    with tempfile.TemporaryDirectory(prefix="census-bench-") as out:
        seconds, cpu, proc = _timed([*census, "scan", "--repo", path, "--out", out, "--jobs", str(jobs), *extra])
        if proc.returncode != 0:
            return seconds, cpu, f"exit {proc.returncode}: {_last_line(proc.stderr or proc.stdout)}", None
        row = census_snapshot_row(out)
        if row.get("status") != "ok":
            return seconds, cpu, f"status {row.get('status')}: {row.get('error')}", row
        return seconds, cpu, None, row


def run_linguist(linguist: str, path: str) -> tuple[float, float, str | None]:
    """One timed ``github-linguist --breakdown --json``: (seconds, CPU seconds, error or None)."""
    seconds, cpu, proc = _timed([linguist, "--breakdown", "--json", path])
    if proc.returncode != 0:
        return seconds, cpu, f"exit {proc.returncode}: {_first_error(proc.stderr)}"
    try:
        json.loads(proc.stdout)
    except json.JSONDecodeError:
        return seconds, cpu, "output is not JSON"
    return seconds, cpu, None


def _first_error(stderr: str) -> str:
    """Ruby's exception line (``file:line:in `method': message (Class)``) without its location."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    if not lines:
        return "no output"
    _, found, message = lines[0].partition("': ")
    return (message if found else lines[0])[:160]


def bench_one(path: str, *, census: Sequence[str], linguist: str, repeat: int, warmup: int, jobs: int) -> Result:
    """Time both tools on ``path``, alternating them so that neither gets a warmer cache."""
    result = Result(repo=path)
    bare = is_bare(path)
    for i in range(warmup + repeat):
        c_seconds, c_cpu, c_error, row = run_census(census, path, jobs)
        n_seconds, _, n_error, _ = run_census(census, path, jobs, "--no-lines")
        l_seconds, l_cpu, l_error = run_linguist(linguist, path)
        if row is not None:
            result.files = int(str(row.get("files") or 0))
            if bare and row.get("kind") != "git":
                warning = f"census read the bare repository as a {row.get('kind')!r}, not as git: figures are wrong"
                if warning not in result.warnings:
                    result.warnings.append(warning)
        result.census_error = result.census_error or c_error or (n_error and f"--no-lines: {n_error}")
        result.linguist_error = result.linguist_error or l_error
        if i >= warmup:
            result.census_s.append(c_seconds)
            result.no_lines_s.append(n_seconds)
            result.linguist_s.append(l_seconds)
            result.census_cpu.append(c_cpu)
            result.linguist_cpu.append(l_cpu)
    return result


def summary(values: list[float], best: bool) -> float:
    return min(values) if best else statistics.median(values)


def print_table(results: list[Result], *, best: bool, repeat: int) -> None:
    """The results as a plain-text table (rich's if installed)."""
    stat = "best" if best else "median"
    header = ["repository", "files", f"census s ({stat})", f"linguist s ({stat})", "ratio (linguist/census)",
              "census CPU s", "linguist CPU s", "census --no-lines s", "ratio, no lines"]
    rows: list[list[str]] = []
    for r in results:
        census = "failed" if r.census_error else f"{summary(r.census_s, best):.2f}"
        linguist = "failed" if r.linguist_error else f"{summary(r.linguist_s, best):.2f}"
        ratio = ("-" if r.census_error or r.linguist_error
                 else f"{summary(r.linguist_s, best) / summary(r.census_s, best):.2f}")
        files = "-" if r.files is None else f"{r.files:,}"
        census_cpu = "-" if r.census_error else f"{summary(r.census_cpu, best):.2f}"
        linguist_cpu = "-" if r.linguist_error else f"{summary(r.linguist_cpu, best):.2f}"
        no_lines = "-" if r.census_error else f"{summary(r.no_lines_s, best):.2f}"
        no_lines_ratio = ("-" if r.census_error or r.linguist_error
                          else f"{summary(r.linguist_s, best) / summary(r.no_lines_s, best):.2f}")
        rows.append([r.repo, files, census, linguist, ratio, census_cpu, linguist_cpu, no_lines, no_lines_ratio])
    caption = (f"{stat} of {repeat} timed run(s) per tool; whole processes, start-up included; "
               f"CPU: user + system of the process tree, on {CORES} cores")
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for row in rows:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        print(caption)
    else:
        table = Table(*header, caption=caption)
        for column in table.columns[1:]:
            column.justify = "right"
        for row in rows:
            table.add_row(*row)
        needed = max(len(r.repo) for r in results) + 170  # never cut a repository's path
        Console(width=max(needed, shutil.get_terminal_size().columns)).print(table)
    for r in results:
        for note in ([f"census failed: {r.census_error}"] if r.census_error else []) + \
                    ([f"linguist failed: {r.linguist_error}"] if r.linguist_error else []) + r.warnings:
            print(f"{r.repo}: {note}", file=sys.stderr)


def floors(census: Sequence[str], runs: int) -> list[str]:
    """Lines on what every census run pays before any scan: ``census --help`` (which imports no
    command), and census's interpreter starting and importing polars (which writing a snapshot needs)."""
    python = census_python(census)
    said = []
    for label, cmd in (("census --help", [*census, "--help"]),
                       ("census's Python starting and importing polars (no scan can take less)",
                        [python, "-c", "import polars"])):
        seconds = []
        for _ in range(runs):
            wall, _cpu, proc = _timed(cmd)
            if proc.returncode != 0:
                said.append(f"{label}: failed: {_last_line(proc.stderr)}")
                break
            seconds.append(wall)
        else:
            said.append(f"{label}: {statistics.median(seconds):.3f} s (median of {runs})")
    return said


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time `census scan` against `github-linguist --breakdown --json` on the same repositories.",
        epilog="Exit status: 0 all runs succeeded, 1 some failed, 2 github-linguist missing or bad arguments.")
    parser.add_argument("repos", nargs="+", metavar="PATH", help="git repositories (bare or not) to scan")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool and repository (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each tool first (default 1)")
    parser.add_argument("--best", action="store_true", help="report the fastest run instead of the median")
    parser.add_argument("--jobs", type=int, default=1, help="census --jobs (default 1)")
    parser.add_argument("--engines", default="threads,processes",
                        help="census --engine values timed on the whole list, alternating (default threads,processes)")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not args.engines or set(args.engines) - {"threads", "processes", "ray"}:
        parser.error("--engines: a comma-separated list of threads, processes, ray")
    if args.repeat < 1 or args.warmup < 0 or args.jobs < 1:
        parser.error("--repeat and --jobs must be at least 1, --warmup at least 0")
    for path in args.repos:
        if not os.path.isdir(path):
            parser.error(f"not a folder: {path}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    linguist = shutil.which("github-linguist")
    if linguist is None:
        print("github-linguist is not installed (apt-get install ruby-github-linguist)", file=sys.stderr)
        return 2
    census = census_command()
    note = compile_bytecode(census)
    if note:
        print(note, file=sys.stderr)
    results: list[Result] = []
    for path in args.repos:
        print(f"timing {path} …", file=sys.stderr)
        results.append(bench_one(path, census=census, linguist=linguist, repeat=args.repeat, warmup=args.warmup,
                                 jobs=args.jobs))
    print_table(results, best=args.best, repeat=args.repeat)
    print()
    for line in floors(census, max(5, args.repeat)):
        print(line)
    if len(args.repos) > 1:
        # A project list: one census command for every repository, against one github-linguist per repository,
        # for each engine, and without line counts on the first (runs alternating, so that a busy moment of the
        # machine hits them alike).
        jobs = max(2, args.jobs)
        variants = [(engine, ()) for engine in args.engines] + [(args.engines[0], ("--no-lines",))]
        together: dict[str, list[tuple[float, float]]] = {}
        for _ in range(max(1, args.repeat)):
            for engine, extra in variants:
                label = " ".join(["--engine", engine, "--jobs", str(jobs), *extra])
                with tempfile.TemporaryDirectory(prefix="census-bench-") as out:
                    argv = [*census, "scan", "--out", out, "--jobs", str(jobs), "--engine", engine, *extra]
                    for path in args.repos:
                        argv += ["--repo", path]
                    seconds, cpu, proc = _timed(argv)
                    if proc.returncode == 0:
                        together.setdefault(label, []).append((seconds, cpu))
                    else:
                        print(f"census {label} failed: {_last_line(proc.stderr)}", file=sys.stderr)
        pick = min if args.best else statistics.median
        linguist_total = sum(pick(r.linguist_s) for r in results if r.linguist_s)
        linguist_cpu = sum(pick(r.linguist_cpu) for r in results if r.linguist_cpu)
        print(f"\nall {len(args.repos)} repositories: github-linguist one by one {linguist_total:.2f} s "
              f"(CPU {linguist_cpu:.2f} s)")
        for label, runs in together.items():
            census_total, cpu = pick(s for s, _ in runs), pick(c for _, c in runs)
            print(f"  census in one command, {label}: {census_total:.2f} s, ratio {linguist_total / census_total:.2f} "
                  f"(CPU {cpu:.2f} s: at least {cpu / CORES:.2f} s on {CORES} cores)")
    return 1 if any(r.census_error or r.linguist_error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
