"""What each ``census`` command does, once ``cli.py`` has parsed its arguments: build the library's
inputs, call it, print. One function per command (``cmd_scan`` …), named by the parser."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl
from rich.console import Console

from crawler import library
from crawler.aggregate import regroup, top_language_counts
from crawler.atomic import write_file
from crawler.checkpoint import output_lock
from crawler.cli import EXIT_OK, EXIT_PARTIAL
from crawler.config import load_config
from crawler.errors import InputError
from crawler.executors import Executor
from crawler.github import api_url_from_env
from crawler.history import parse_at
from crawler.progress import ScanProgress
from crawler.redact import scrub
from crawler.run import Interrupted, describe, scan
from crawler.snapshot import Snapshot
from crawler.tables import how_many, markdown_table, printable, render
from crawler.values import COUNTED, FAILURES, GitHubOptions, ScanOptions, Status

#: Statuses that make ``scan`` exit 1: the repository was not counted.
FAILURE_STATUSES = sorted(FAILURES)
SUMMARY_ROWS = 40  # repositories listed after a scan (failures first); show and the snapshot have them all


def _api_url(text: str) -> str:
    """``--api-url`` (or ``GITHUB_API_URL``), checked: an http(s) URL with a host, no credentials."""
    url = text.strip().rstrip("/")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise InputError(f"the GitHub API URL {scrub(text)!r} has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"the GitHub API URL must be http(s)://HOST[/PATH], e.g. https://api.github.com, "
                         f"not {scrub(text)!r}")
    if parts.username or parts.password:
        raise InputError("the GitHub API URL must not carry credentials: census reads the token from GITHUB_TOKEN")
    return url


def _clones(template: str) -> str:
    """``--clones``, checked by filling it in once; an absolute template (resumes elsewhere)."""
    if not any(k in template for k in ("{name}", "{repo}")):
        raise InputError("--clones needs {name} or {repo} in its template, e.g. ~/src/github.com/{owner}/{name}")
    try:
        template.format(owner="o", name="n", repo="o/n")
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise InputError(f"--clones {template!r} is not a usable template ({type(exc).__name__}: {exc}); "
                         "use {owner}, {name} and {repo}, with {{ and }} for literal braces") from None
    expanded = os.path.expanduser(template)
    return expanded if os.path.isabs(expanded) else os.path.join(os.getcwd(), expanded)


def _executor(args: argparse.Namespace) -> Executor | None:
    """The engine ``--engine`` names (None: the default threads)."""
    if args.engine == "ray":
        from crawler.executors.ray import RayExecutor

        return RayExecutor(address=args.ray_address)
    if args.engine == "processes":
        from crawler.executors.processes import ProcessExecutor

        return ProcessExecutor(min(args.jobs, os.cpu_count() or 1))  # more: imports, no speed (measured)
    return None


@contextlib.contextmanager
def _engine(args: argparse.Namespace) -> Iterator[Executor | None]:
    executor = _executor(args)
    try:
        yield executor
    finally:
        if executor is not None:
            executor.close()


def _scan_options(args: argparse.Namespace, **extra: Any) -> ScanOptions:
    """``ScanOptions`` from the arguments ``_source_arguments`` declares, checked."""
    if not args.config and not args.repo:
        raise InputError("nothing to scan: give a CONFIG file and/or --repo SPEC")
    if args.jobs < 1:
        raise InputError("--jobs must be at least 1")
    if not 0 <= args.max_wait < 10**9:
        raise InputError("--max-wait must be zero or more seconds")
    clones = _clones(args.clones) if args.clones else None
    github = GitHubOptions(api_url=_api_url(args.api_url or api_url_from_env()), max_wait=args.max_wait)
    return ScanOptions(jobs=args.jobs, github=github, lines=args.lines, clones=clones, cross_check=args.cross_check,
                       **extra)


def cmd_claims(args: argparse.Namespace, console: Console) -> int:
    import json

    from crawler.claims import check, claims_of, parse_claims

    snap = library.load(args.snapshot, out=args.out)
    if args.config:
        claims = parse_claims(list(load_config(args.config).claims))
        if not claims:
            raise InputError(f"{args.config} has no [[claim]] tables")
    else:
        claims = claims_of(snap)
        if not claims:
            raise InputError(f"no claims to check: snapshot {snap.id} was made without [[claim]] tables; "
                             "give --config FILE")
    verdicts = check(snap, claims)
    if args.format == "json":
        print(json.dumps([{"verdict": v.verdict, "text": v.claim.text, "scope": v.claim.scope,
                           "expect": v.claim.expect_text, "by": v.claim.by, "figures": v.figures}
                          for v in verdicts], indent=1, ensure_ascii=False))
    elif args.format == "md":
        print(markdown_table(["verdict", "claim", "figures"],
                             ([f"**{v.verdict}**", v.claim.text, v.figures] for v in verdicts)), end="")
    else:
        for v in verdicts:
            print(printable(v.line()))
    return EXIT_PARTIAL if any(v.verdict == "FAILS" for v in verdicts) else EXIT_OK


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from crawler.report import make_report

    snap = library.load(args.snapshot, out=args.out)
    against = library.load(args.against, out=args.out) if args.against else None
    text = make_report(snap, fmt=args.format, against=against, trend=args.trend, out=args.out)
    if args.output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    suffix = f"-vs-{against.id}" if against else ""
    default = Path(args.out) / "reports" / f"census-{snap.id}{suffix}.{args.format}"
    target = Path(args.output) if args.output else default
    write_file(target, text)
    print(target)
    return EXIT_OK


def _arrow(old: object, new: object, fmt: str = "{}") -> str:
    a = "–" if old is None else fmt.format(old)
    b = "–" if new is None else fmt.format(new)
    return a if a == b else f"{a} → {b}"


def diff_view(table: pl.DataFrame, by: str = "component") -> pl.DataFrame:
    """The diff as people read it: old → new in one cell; a repository that came, went or could
    not be compared said once, on one row, not once per language."""
    from crawler.changes import LEVELS, NOT_COMPARED

    keys = LEVELS[by]
    whole = table.filter(pl.col("repo_change").is_in(["added", "removed", NOT_COMPARED]))
    rows: list[dict[str, object]] = []
    for (project, repo), group in whole.group_by(["project", "repo"], maintain_order=True):
        kind = group["repo_change"][0]
        change = "not compared (failed or not scanned on one side)" if kind == NOT_COMPARED else f"repository {kind}"
        rows.append({"project": project, "repo": repo, "component": None,
                     "language": f"{group['language'].n_unique()} languages", "change": change,
                     "bytes": _arrow(_total(group["bytes_old"]), _total(group["bytes_new"]), "{:,}"),
                     "share": "", "files": _arrow(_total(group["files_old"]), _total(group["files_new"])),
                     "commit": _arrow(_short(group["commit_old"][0]), _short(group["commit_new"][0]))})
    apart = pl.col("repo_change").is_in(["added", "removed", NOT_COMPARED]).fill_null(False)
    for r in table.filter(apart.not_()).iter_rows(named=True):
        change = r["change"] + (f" (component {r['component_change']})" if r["component_change"] not in (None, "kept")
                                else "")
        delta = "" if r["bytes_delta"] is None else f" ({r['bytes_delta']:+,})"
        share = _arrow(None if r["share_old"] is None else r["share_old"] * 100,
                       None if r["share_new"] is None else r["share_new"] * 100, "{:.1f}%")
        rows.append({"project": r["project"], "repo": r["repo"], "component": r["component"],
                     "language": r["language"], "change": change,
                     "bytes": _arrow(r["bytes_old"], r["bytes_new"], "{:,}") + delta,
                     "share": share + ("" if r["share_delta_pp"] is None else f" ({r['share_delta_pp']:+.1f} pp)"),
                     "files": _arrow(r["files_old"], r["files_new"]),
                     "commit": _arrow(_short(r["commit_old"]), _short(r["commit_new"]))})
    columns = [*keys, "language", "change", "bytes", "share", "files"] + (["commit"] if "repo" in keys else [])
    view = pl.DataFrame(rows, schema={k: pl.String for k in ("project", "repo", "component", "language", "change",
                                                              "bytes", "share", "files", "commit")})
    return view.select(columns)


def _total(column: pl.Series) -> int | None:
    return None if column.is_null().all() else int(column.sum())


def _short(commit: str | None) -> str | None:
    return commit[:7] if commit else None


def cmd_diff(args: argparse.Namespace, console: Console) -> int:
    from crawler.changes import diff, notes

    old, new = library.load(args.old, out=args.out), library.load(args.new, out=args.out)
    if args.limit < 1:
        raise InputError("--limit must be at least 1")
    table = diff(old, new, by=args.by, min_change=args.min_change)
    warnings = notes(old, new).warnings
    title = f"{old.id} → {new.id}, by {args.by}"
    if args.format in ("csv", "json"):
        print(render(table, args.format), end="")
    else:
        view = diff_view(table, args.by)
        shown = view.head(args.limit)
        more = view.height - shown.height
        tail = f"… and {more:,} more rows (--limit, or --format csv for all)\n" if more else ""
        if args.format == "md":
            head = "".join(f"> **Note:** {w}\n>\n" for w in warnings)
            print(render(shown, "md", title=title).replace("\n\n", "\n\n" + head, 1) + tail, end="")
        else:
            print(render(shown, "table", title=title, console=console) + tail, end="")
    for warning in warnings:  # below the table, where they are read
        print(printable(f"census: note: {warning}"), file=sys.stderr)
    return EXIT_OK


def _resume_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """``--resume`` alone: take every input of the newest interrupted scan in OUT (its options and
    the folder its relative paths were given in); return its request, which names its work."""
    from crawler.checkpoint import interrupted

    stopped = [s for s in interrupted(args.out) if isinstance(s.get("request"), dict)
               and isinstance(s["request"].get("cli"), dict)]
    if not stopped:
        raise InputError(f"nothing to resume: no interrupted scan under {args.out}")
    request: dict[str, Any] = stopped[0]["request"]
    saved = request["cli"]
    try:
        args.config, args.repo, args.label = saved["config"], list(saved["repos"]), saved["label"]
        args.lines, args.worktree, args.clones = bool(saved["lines"]), bool(saved["worktree"]), saved["clones"]
        args.api_url, args.at, args.base_dir = saved["api_url"], saved["at"], saved["cwd"]
        args.jobs, args.max_wait = int(saved["jobs"]), float(saved["max_wait"])
    except (KeyError, TypeError, ValueError):
        raise InputError(f"cannot resume: the interrupted scan under {args.out} was started by another census "
                         "version; run the command again in full") from None
    print(f"census: resuming the scan started {stopped[0].get('started_at', '?')} "
          f"({stopped[0]['finished']} repositories already done)", file=sys.stderr)
    return request


def _top_language(snap: Snapshot) -> str:
    """"; top language: Rust 62.1% of counted bytes" over the whole snapshot (and over how many of
    its repositories, when some were not counted)."""
    totals = snap.breakdown.group_by("language").agg(pl.col("bytes").sum()).sort(
        ["bytes", "language"], descending=[True, False])
    total = int(totals["bytes"].sum() or 0)
    if not total:
        return ""
    counted = snap.repos.filter(pl.col("status").is_in(sorted(COUNTED))).height
    over = f" ({counted} of {snap.repos.height} repositories counted)" if counted < snap.repos.height else ""
    return f"; top language: {totals['language'][0]} {100 * totals['bytes'][0] / total:.1f}% of counted bytes{over}"


def cmd_scan(args: argparse.Namespace, console: Console) -> int:
    request = None
    args.base_dir = os.getcwd()
    if args.resume and not args.config and not args.repo:
        request = _resume_arguments(args)
    options = _scan_options(args, worktree=args.worktree, at=parse_at(args.at) if args.at else None)
    config = load_config(args.config) if args.config else None
    targets = library.targets_for(config, args.repo, base_dir=Path(args.base_dir))
    repos_text = [scrub(r) for r in args.repo]
    manifest_config = {"path": args.config, "toml": dict(config.raw) if config else None, "repos": repos_text}
    # What identifies this scan for resuming: the same command (and config content) finds its own work.
    request = request or {**describe(targets, options), "cli": {
        "config": str(Path(args.config).resolve()) if args.config else None, "repos": repos_text,
        "cwd": args.base_dir, "label": args.label, "lines": args.lines, "worktree": args.worktree,
        "api_url": options.github.api_url, "clones": options.clones, "at": args.at, "jobs": args.jobs,
        "max_wait": args.max_wait}}
    try:
        with output_lock(args.out, wait=args.wait), ScanProgress(len(targets)) as progress, \
                _engine(args) as executor:
            snap = scan(targets, out=args.out, options=options, label=args.label, progress=progress,
                        config=manifest_config, request=request, resume=not args.fresh, executor=executor)
    except Interrupted as stopped:
        print(f"census: {stopped}; the {stopped.finished} finished are saved. Run the same command again "
              f"(or census scan --resume --out {args.out}) to continue.", file=sys.stderr)
        return 130
    repos = snap.repos
    summary = repos.with_columns(pl.col("status").is_in(sorted(COUNTED)).alias("_fine")).sort(
        "_fine", maintain_order=True).select(  # what went wrong first
        "project", "repo", "status", pl.col("commit").str.slice(0, 12).alias("commit"),
        "files", "bytes", pl.col("error").fill_null(""),
    )
    print(render(summary.head(SUMMARY_ROWS), "table", console=console), end="")
    if summary.height > SUMMARY_ROWS:
        print(f"… and {summary.height - SUMMARY_ROWS:,} more repositories (census show --by repo lists them all)")
    counts = dict(repos.group_by("status").len().iter_rows())
    failed = sum(counts.get(s, 0) for s in FAILURE_STATUSES)
    summary_text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    print(printable(f"{how_many(repos.height, 'repository', 'repositories')} ({summary_text}), "
                    f"{how_many(int(repos['files'].sum() or 0), 'file', 'files')}"
                    + _top_language(snap)))
    for note in snap.manifest.get("notes") or []:
        print(printable(f"census: note: {note}"), file=sys.stderr)
    for project, repo, note in repos.filter(pl.col("note").is_not_null()).select("project", "repo", "note").head(
            SUMMARY_ROWS).iter_rows():
        print(printable(f"census: note: {project} / {repo}: {note}"), file=sys.stderr)
    if counts.get(Status.DEFERRED):
        print("some repositories were deferred by GitHub's rate limit: run the same command again later")
    print(snap.path)
    return EXIT_PARTIAL if failed else EXIT_OK


def cmd_backfill(args: argparse.Namespace, console: Console) -> int:
    import time as clock
    from datetime import date

    from crawler.history import parse_dates, schedule
    from crawler.run import backfill

    options = _scan_options(args)
    if args.dates:
        days = parse_dates(args.dates)
    elif args.since:
        try:
            since = date.fromisoformat(args.since)
            until = date.fromisoformat(args.until) if args.until else None
        except ValueError as exc:
            raise InputError(f"--since/--until: {exc}") from None
        days = schedule(since, args.every, until)
    else:
        raise InputError("give --since DATE (with --every) or --dates D1,D2,…")
    config = load_config(args.config) if args.config else None
    targets = library.targets_for(config, args.repo)
    manifest_config = {"path": args.config, "toml": dict(config.raw) if config else None,
                       "repos": [scrub(r) for r in args.repo]}
    rows: list[dict[str, object]] = []
    started = [clock.monotonic()]

    def report(day: date, snap: Snapshot, reused: bool) -> None:
        repos = snap.repos
        top = snap.breakdown.group_by("language").agg(pl.col("bytes").sum()).sort("bytes", descending=True)
        total = int(top["bytes"].sum() or 0)
        leaders = ", ".join(f"{lang} {100 * b / total:.1f}%" for lang, b in top.head(3).iter_rows()) if total else ""
        rows.append({"date": day.isoformat(), "snapshot": snap.id, "scanned": "kept" if reused else "new",
                     "ok": repos.filter(pl.col("status").is_in(sorted(COUNTED))).height,
                     "absent": repos.filter(pl.col("status") == Status.ABSENT).height,
                     "failed": repos.filter(pl.col("status").is_in(FAILURE_STATUSES)).height, "top": leaders})

    with output_lock(args.out), ScanProgress(len(targets)) as progress, _engine(args) as executor:
        snaps = backfill(targets, days, out=args.out, options=options, config=manifest_config, progress=progress,
                         on_snapshot=report, executor=executor)
    table = pl.DataFrame(rows)
    print(render(table, "table", console=console), end="")
    made = sum(1 for r in rows if r["scanned"] == "new")
    print(f"{made} of {len(rows)} dates made in {clock.monotonic() - started[0]:.1f} s (each repository's history "
          "read once for all of them)")
    for note in sorted({n for s in snaps for n in s.manifest.get("notes") or []}):
        print(printable(f"census: note: {note}"), file=sys.stderr)
    return EXIT_PARTIAL if int(table["failed"].sum() or 0) else EXIT_OK


def cmd_snapshots(args: argparse.Namespace, console: Console) -> int:
    table = library.snapshots(args.out)
    if table.is_empty() and args.format == "table":
        print(f"no snapshots under {Path(args.out) / 'snapshots'}")
        return EXIT_OK
    print(render(table, args.format, console=console), end="")
    return EXIT_OK


def cmd_show(args: argparse.Namespace, console: Console) -> int:
    snap = library.load(args.snapshot, out=args.out)
    title = f"snapshot {snap.id}, by {args.by}"
    if args.by == "top-language":
        table = top_language_counts(snap.repos, snap.breakdown)
        print(render(table, args.format, console=console, title=title), end="")
    else:
        keys = {"component": ["project", "repo", "commit", "component"], "repo": ["project", "repo", "commit"],
                "project": ["project"], "language": []}[args.by]
        table = snap.breakdown if args.by == "component" else regroup(snap.breakdown, keys)
        if args.format == "table" and "commit" in keys:  # full ids in machine formats, short ones for people
            table = table.with_columns(pl.col("commit").str.slice(0, 10))
        columns = [*keys, "language", "type", "files", "bytes", "share"]
        if args.lines:
            columns[-1:-1] = ["lines", "code", "comments", "blanks"]
        print(render(table.select(columns), args.format, console=console, title=title), end="")
    counted = snap.repos.filter(pl.col("status").is_in(sorted(COUNTED))).height
    if counted < snap.repos.height:  # partial figures say so, below the table where they are read
        print(f"census: note: partial figures: {counted:,} of {snap.repos.height:,} repositories counted; the "
              f"{snap.repos.height - counted:,} others (failed, deferred, not found …) are in no figure above",
              file=sys.stderr)
    return EXIT_OK


