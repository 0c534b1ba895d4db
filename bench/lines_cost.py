"""What counting lines costs: ``census scan`` with and without ``--no-lines`` on the same repositories.

Times whole processes (start-up included), ``--repeat`` runs of each, alternating, and prints the
medians and the ratio. Target (issue 5): lines cost at most 50% more time than a bytes-only scan
on a repository of over 1,000 files.

    python bench/lines_cost.py /path/to/repo.git [...] [--repeat 5]

``--counter`` times the line counter alone, in this process, on exactly what a scan of each
repository hands it (read once), with less noise than whole processes; ``--baseline FILE`` times
another version of ``crawler/lines.py`` (``git show REV:crawler/lines.py > old.py``) alternately
with it. ``--hostile`` times content that tokei counts in quadratic time, with the budget of
``crawler.lines`` (a baseline without one can take hours: it is not run on that).

    python bench/lines_cost.py /path/to/repo --counter --baseline /tmp/old_lines.py --repeat 9
    python bench/lines_cost.py --hostile
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from types import ModuleType
from typing import Any


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


def whole_processes(repos: list[str], repeat: int) -> int:
    census = census_command()
    worst = 0.0
    print(f"{'repository':60} {'bytes only':>11} {'with lines':>11} {'extra':>7}")
    for repo in repos:
        base = [*census, "scan", "--repo", repo, "--jobs", "1"]
        timed(base)  # warm the page cache
        plain, lines = [], []
        for _ in range(repeat):
            plain.append(timed([*base, "--no-lines"]))
            lines.append(timed(base))
        a, b = statistics.median(plain), statistics.median(lines)
        worst = max(worst, b / a - 1)
        print(f"{repo[-60:]:60} {a:10.2f}s {b:10.2f}s {100 * (b / a - 1):6.0f}%")
    print(f"median of {repeat} runs each; whole processes, start-up included")
    return 0 if worst <= 0.5 else 1


def fed_to_counter(repo: str) -> list[tuple[Any, bytes, str | None, bool]]:
    """What a scan of ``repo`` hands the line counter: (key, content, language, binary)."""
    import crawler.lines
    import crawler.step
    from crawler.specs import parse_spec
    from crawler.values import ScanOptions, Target

    calls: list[tuple[Any, bytes, str | None, bool]] = []

    class Recording(crawler.lines.LineCounter):
        def add(self, key: Any, content: bytes, language: str | None, *, binary: bool = False) -> None:
            calls.append((key, content, language, binary))
            crawler.lines.LineCounter.add(self, key, content, language, binary=binary)

    original = crawler.step.LineCounter
    crawler.step.LineCounter = Recording  # type: ignore[misc]
    try:
        crawler.step.scan_repo(Target("bench", parse_spec(repo), "r"), ScanOptions(jobs=1, reuse=False))
    finally:
        crawler.step.LineCounter = original  # type: ignore[misc]
    return calls


def load_lines(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("census_lines_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def count_once(module: ModuleType, calls: list[tuple[Any, bytes, str | None, bool]]) -> tuple[float, dict[Any, Any]]:
    started = time.perf_counter()
    with module.LineCounter() as counter:
        for key, content, language, binary in calls:
            counter.add(key, content, language, binary=binary)
    return time.perf_counter() - started, counter.results


def counter_alone(repos: list[str], repeat: int, baseline: str | None) -> int:
    import crawler.lines

    old = load_lines(baseline) if baseline else None
    print(f"{'repository':44} {'files':>6} {'MB':>6} {'counter':>9} {'baseline':>9} {'extra':>7}")
    for repo in repos:
        calls = fed_to_counter(repo)
        size = sum(len(c[1]) for c in calls) / 1e6
        new_times, old_times = [], []
        count_once(crawler.lines, calls)  # a worker per thread is started once per process: not per repository
        for _ in range(repeat):
            seconds, results = count_once(crawler.lines, calls)
            new_times.append(seconds)
            if old is not None:
                seconds, expected = count_once(old, calls)
                old_times.append(seconds)
                got = {k: (c.lines, c.code, c.comments, c.blanks) for k, c in results.items()}
                if got != {k: (c.lines, c.code, c.comments, c.blanks) for k, c in expected.items()}:
                    raise SystemExit(f"{repo}: counts differ from the baseline's")
        a = statistics.median(new_times)
        b = statistics.median(old_times) if old_times else float("nan")
        print(f"{repo[-44:]:44} {len(calls):6} {size:6.1f} {1000 * a:7.0f}ms {1000 * b:7.0f}ms "
              f"{100 * (a / b - 1) if old_times else float('nan'):6.0f}%")
    print(f"median of {repeat} runs each, alternating; counts identical to the baseline's" if old else
          f"median of {repeat} runs each")
    return 0


HOSTILE: dict[str, tuple[bytes, str]] = {
    "HTML, 1 MiB of <script>": (b"<script>" * 131072, "HTML"),
    "HTML, 15 MB of unclosed <script> lines": (b"<script>var a = 1;\n" * 800000, "HTML"),
    "Markdown, 1 MiB of backticks": (b"`" * (1 << 20), "Markdown"),
    "Rust, 1 MiB doc comment of backticks": (b"/// " + b"`" * (1 << 20) + b"\nfn main() {}\n", "Rust"),
}


def hostile() -> int:
    import crawler.lines

    normal = [(f"n{i}", b"int x = 1; // c\n\n" * 20, "C", False) for i in range(300)]
    normal.append(("readme", b"# Title\n\ntext\n\n```python\nx = 1\n```\n", "Markdown", False))
    count_once(crawler.lines, normal)
    print(f"{'content (with 301 normal files)':44} {'seconds':>8}  hostile file's counts")
    for label, (content, language) in HOSTILE.items():
        seconds, results = count_once(crawler.lines, [("hostile", content, language, False), *normal])
        got = results["hostile"]
        print(f"{label:44} {seconds:8.2f}  lines {got.lines}, code {got.code}: {got.note}")
        ok = all(results[key].note is None for key, *_ in normal)
        if not ok:
            raise SystemExit("a normal file lost its counts")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("repos", nargs="*", help="repository paths (bare or not)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--counter", action="store_true", help="time the line counter alone, in this process")
    parser.add_argument("--baseline", help="with --counter: another crawler/lines.py to time alternately")
    parser.add_argument("--hostile", action="store_true", help="time content tokei counts in quadratic time")
    args = parser.parse_args()
    if args.hostile:
        return hostile()
    if not args.repos:
        parser.error("name at least one repository")
    if args.counter:
        return counter_alone(args.repos, args.repeat, args.baseline)
    return whole_processes(args.repos, args.repeat)


if __name__ == "__main__":
    sys.exit(main())
