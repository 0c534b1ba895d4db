"""The ``census`` command: parse arguments, call the library, print, map errors to exit codes.

Exit codes: 0 all went well; 1 the command ran but some repositories failed; 2 bad usage, bad
config or bad input (one line naming the problem, no traceback).

This module only parses: it imports nothing heavy, so that ``census --help`` answers at once;
each command's work is in ``commands.py``, imported once the arguments are understood.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from crawler.__version__ import __version__
from crawler.errors import CensusError, InputError

EXIT_OK, EXIT_PARTIAL, EXIT_INPUT = 0, 1, 2
FORMATS = ("table", "csv", "json", "md")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_INPUT, f"census: {message} (see census {self.prog.split()[-1]} --help)\n"
                  if " " in self.prog else f"census: {message} (see census --help)\n")


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    """What ``scan`` and ``backfill`` share: which repositories, where to, how to reach them."""
    parser.add_argument("config", nargs="?", help="project list (TOML), e.g. config/local-example.toml")
    parser.add_argument("--repo", action="append", default=[], metavar="SPEC",
                        help="a repository to scan: a path, git+URL, OWNER/NAME (repeatable)")
    parser.add_argument("--out", default="output", help="output folder (default: output)")
    parser.add_argument("--jobs", type=int, default=4, help="repositories scanned at once (default: 4)")
    parser.add_argument("--max-wait", type=float, default=900.0, metavar="S",
                        help="longest wait for a GitHub rate limit, in seconds (default: 900); past it the "
                        "remaining repositories are recorded as deferred for the next run")
    parser.add_argument("--api-url", metavar="URL",
                        help="GitHub API base URL (default: $GITHUB_API_URL or https://api.github.com)")
    parser.add_argument("--clones", metavar="TEMPLATE",
                        help="use local clones of GitHub repositories where they exist, e.g. "
                        "'~/src/github.com/{owner}/{name}' ({owner}, {name}, {repo}); GitHub otherwise")
    parser.add_argument("--no-lines", dest="lines", action="store_false",
                        help="count bytes only, not lines of code (faster)")
    parser.add_argument("--engine", choices=("threads", "processes", "ray"), default="threads",
                        help="what runs the per-repository tasks: threads in this process (default); processes, "
                        "--jobs worker processes on this machine (every core classifies: faster for lists of "
                        "large local repositories); or Ray (pip install 'census[ray]'): a local Ray, or the "
                        "cluster --ray-address names")
    parser.add_argument("--ray-address", metavar="ADDRESS", default=os.environ.get("RAY_ADDRESS") or None,
                        help="an existing Ray cluster (HEAD:6379; default: $RAY_ADDRESS); without it --engine ray "
                        "starts a local Ray and stops it at the end")
    parser.add_argument("--cross-check", action="store_true",
                        help="also ask GitHub for its own language figures (one request per repository), "
                        "kept beside census's in github_languages and github_diff_pp")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="census", description="Repository language census: what a project is "
                     "written in, per component, traced to commits.")
    parser.add_argument("--version", action="version", version=f"census {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    scan = sub.add_parser("scan", help="scan repositories and write a snapshot",
                          description="Scan every repository named in CONFIG and/or by --repo; write "
                          "one snapshot under OUT/snapshots/ and print its path last.")
    _source_arguments(scan)
    scan.add_argument("--label", help="a label appended to the snapshot id")
    scan.add_argument("--at", metavar="DATE|REF",
                      help="scan every repository as it was at the end of DATE (2024-06-30: the last commit of "
                      "its default branch then, first-parent) or at REF (a tag or commit)")
    scan.add_argument("--resume", action="store_true",
                      help="continue the newest interrupted scan in OUT (the same command resumes by itself)")
    scan.add_argument("--fresh", action="store_true",
                      help="start afresh, discarding what an interrupted run of the same command saved")
    scan.add_argument("--wait", action="store_true",
                      help="if another scan is writing to OUT, wait for it instead of failing")
    scan.add_argument("--worktree", action="store_true",
                      help="scan files as they are on disk (tracked and untracked-but-not-ignored) "
                      "instead of the committed tree")
    scan.set_defaults(func="cmd_scan")

    back = sub.add_parser("backfill", help="snapshots of the past, one per date",
                          description="Scan every repository as it was at each date of a schedule (--since and "
                          "--every, or --dates), one snapshot per date, dated by the day it describes. Dates "
                          "already done are kept, so a backfill can be extended or resumed.")
    _source_arguments(back)
    back.add_argument("--since", metavar="DATE", help="the first date, e.g. 2022-01-01")
    back.add_argument("--until", metavar="DATE", help="the last date (default: today)")
    back.add_argument("--every", choices=("month", "quarter", "year"), default="quarter",
                      help="the step between dates (default: quarter)")
    back.add_argument("--dates", metavar="D1,D2,…", help="an explicit list of dates instead of a schedule")
    back.set_defaults(func="cmd_backfill")

    snaps = sub.add_parser("snapshots", help="list the snapshots, newest last",
                           description="List the snapshots under OUT/snapshots/, newest last.")
    snaps.add_argument("--out", default="output", help="output folder (default: output)")
    snaps.add_argument("--format", choices=FORMATS, default="table", help="output format")
    snaps.set_defaults(func="cmd_snapshots")

    show = sub.add_parser("show", help="print a snapshot's breakdown",
                          description="Print a snapshot's language breakdown (default: the newest).")
    show.add_argument("snapshot", nargs="?", help="snapshot id or folder (default: the newest)")
    show.add_argument("--out", default="output", help="output folder to find snapshots by id")
    show.add_argument("--by", choices=("component", "repo", "project", "language", "top-language"),
                      default="component", help="what each row sums (default: component); top-language: "
                      "repositories per top language, each repository counted once")
    show.add_argument("--format", choices=FORMATS, default="table", help="output format")
    show.add_argument("--lines", action="store_true",
                      help="add lines, code, comments and blanks (tokei's counts) next to bytes")
    show.set_defaults(func="cmd_show")
    diff = sub.add_parser("diff", help="what changed between two snapshots",
                          description="What changed between two snapshots, by project, repository, component "
                          "and language; biggest change first.")
    diff.add_argument("old", help="the older snapshot (id or folder)")
    diff.add_argument("new", help="the newer snapshot (id or folder)")
    diff.add_argument("--out", default="output", help="output folder to find snapshots by id")
    diff.add_argument("--by", choices=("project", "repo", "component", "language"), default="repo",
                      help="the level rows sum to (default: repo): per project, repository or component and "
                      "language, or per language over everything")
    diff.add_argument("--min-change", type=float, default=0.0, metavar="PP",
                      help="hide rows whose share moved less than PP percentage points")
    diff.add_argument("--limit", type=int, default=40, metavar="N",
                      help="rows shown in the table and md formats (default 40; csv and json give all)")
    diff.add_argument("--format", choices=FORMATS, default="table", help="output format")
    diff.set_defaults(func="cmd_diff")

    claims = sub.add_parser("claims", help="check claims against a snapshot",
                            description="Check each claim (from the config the snapshot was made with, or "
                            "--config) and print its verdict: HOLDS, FAILS or UNKNOWN, the claim and the figures. "
                            "Exit 1 when a claim fails.")
    claims.add_argument("snapshot", nargs="?", help="snapshot id or folder (default: the newest)")
    claims.add_argument("--config", metavar="FILE", help="a TOML file whose [[claim]] tables to check")
    claims.add_argument("--out", default="output", help="output folder to find snapshots by id")
    claims.add_argument("--format", choices=("text", "md", "json"), default="text", help="output format")
    claims.set_defaults(func="cmd_claims")

    report = sub.add_parser("report", help="a report a person reads (HTML or Markdown)",
                            description="Write a report of a snapshot (default: the newest): language bars per "
                            "project, repository and component; with --against, what moved; with several "
                            "snapshots, the trend.")
    report.add_argument("snapshot", nargs="?", help="snapshot id or folder (default: the newest)")
    report.add_argument("--against", metavar="OLD", help="an older snapshot to compare with")
    report.add_argument("--format", choices=("html", "md"), default="html", help="html (default) or md")
    report.add_argument("-o", "--output", metavar="FILE",
                        help="where to write it (default: OUT/reports/census-ID.html or .md; - for stdout)")
    report.add_argument("--trend", action=argparse.BooleanOptionalAction, default=None,
                        help="add the share of each language over all snapshots in OUT (default: when "
                        "there are two or more)")
    report.add_argument("--out", default="output", help="output folder to find snapshots by id")
    report.set_defaults(func="cmd_report")
    return parser


def _printable(text: str) -> str:
    from crawler.tables import printable

    return printable(text)


def _import_commands() -> ModuleType:
    """``commands`` and all it imports (polars, rich, Linguist's rules), the first time with the
    cyclic garbage collector paused: the objects an import makes live as long as the process, and
    the collections their number sets off cost some 50 ms a run. They are then frozen (never
    looked at again by a collection); the collector runs as usual for the command's own work."""
    pause = "crawler.commands" not in sys.modules and gc.isenabled()
    if pause:
        gc.disable()
    try:
        from crawler import commands
    finally:
        if pause:
            gc.freeze()
            gc.enable()
    return commands


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        commands = _import_commands()
        from rich.console import Console

        code: int = getattr(commands, args.func)(args, Console())
        return code
    except InputError as exc:
        print(_printable(f"census: {exc}"), file=sys.stderr)
        return EXIT_INPUT
    except CensusError as exc:
        print(_printable(f"census: {exc}"), file=sys.stderr)
        return EXIT_PARTIAL
    except BrokenPipeError:  # `census show | head`: the reader has what it wanted
        return EXIT_OK
    except KeyboardInterrupt:
        print("census: interrupted; no snapshot was written", file=sys.stderr)
        return 130
    except OSError as exc:  # the machine, not the input: a full disk, a folder we may not write
        where = f" {exc.filename}:" if exc.filename else ""
        print(_printable(f"census: cannot complete:{where} {exc.strerror or exc}"), file=sys.stderr)
        return EXIT_PARTIAL


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` without the interpreter's teardown (freeing every module's
    objects — polars, rich — some 45 ms a run): the exit handlers run (scratch folders, tokei's
    workers) and the standard streams are flushed first, which is all a finished command needs."""
    import atexit
    import contextlib

    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe (`census show | head`)
                stream.flush()
        os._exit(code)


def run() -> NoReturn:
    """The ``census`` command: ``main`` on the command line's arguments, then a quick exit."""
    exit_now(main())


if __name__ == "__main__":
    run()
