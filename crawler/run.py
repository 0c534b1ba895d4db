"""Orchestration, in the driver: plan → executor → checkpoints and progress → snapshot.

``run`` takes targets to per-repository results: the planner (``plan.py``) settles what it can
in the driver, an executor (``executors/``) runs the step (``step.py``) over the rest, and each
result is saved to the checkpoint and reported to the progress hook as it arrives, in this
thread. ``scan`` writes the snapshot; ``backfill`` makes one per date.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import polars as pl

from crawler.__version__ import __version__
from crawler.aggregate import breakdown
from crawler.checkpoint import Checkpoint
from crawler.errors import CensusError, InputError
from crawler.executors import Executor, for_jobs
from crawler.github.api import GitHubAPI
from crawler.history import parse_at
from crawler.linguist import languages
from crawler.plan import Done, Planner, PreviousLookup
from crawler.redact import scrub
from crawler.rows import components_text
from crawler.schema import FILES_SCHEMA, REPOS_SCHEMA
from crawler.scratch import sweep
from crawler.snapshot import Snapshot, open_snapshot, snapshot_dirs, work_finished, write_snapshot
from crawler.step import run_task
from crawler.values import Previous, RepoResult, ScanOptions, Status, Target, Task

ProgressHook = Callable[[str, Any], None]

__all__ = ["Interrupted", "ProgressHook", "assemble", "backfill", "describe", "lookup_in", "previous_lookup",
           "run", "scan"]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a scan: ``finished`` repositories are saved for the next run."""

    def __init__(self, finished: int, total: int) -> None:
        super().__init__(f"interrupted after {finished} of {total} repositories")
        self.finished, self.total = finished, total


def _needs_api(targets: Sequence[Target]) -> bool:
    return any(t.spec.kind.startswith("github") and t.resolved is None for t in targets)


def run(targets: Sequence[Target], options: ScanOptions = ScanOptions(), *, progress: ProgressHook | None = None,
        previous: PreviousLookup | None = None, api: GitHubAPI | None = None,
        checkpoint: Checkpoint | None = None, executor: Executor | None = None) -> list[RepoResult]:
    """Every target's result, in the targets' order (owners expanded in place). With a
    ``checkpoint``, repositories it already holds are taken from it and each new one is saved to
    it as soon as it is done; an interrupt saves nothing that was still under way."""
    sweep()  # scratch folders of census runs that were killed
    own_api = api is None and _needs_api(targets)
    if own_api:
        api = GitHubAPI(options.github)
    executor = executor or for_jobs(options.jobs)
    planner = Planner(options, api=api, lookup=previous, checkpoint=checkpoint)
    results: dict[int, RepoResult] = {}
    total = 0

    def finish(index: int, key: str, result: RepoResult, saved: bool) -> None:
        if checkpoint is not None and not saved and result.status != Status.DEFERRED:
            checkpoint.save(key, result.repo, result.files)  # deferred ones are for the next run
        results[index] = result
        if progress:
            progress("done", result)

    def tasks() -> Iterator[Task]:
        for item in planner.plan():
            if isinstance(item, Done):
                finish(item.index, item.key, item.result, item.saved)
                continue
            if progress:
                progress("start", item.target)
            yield item

    on_files = (lambda n: progress("files", n)) if progress else None
    fn: Callable[[Task], RepoResult] = functools.partial(run_task, on_files=on_files) \
        if executor.in_process else run_task
    try:
        total = planner.expand(targets)
        if progress:
            progress("total", total)
        for task, result in executor.map_unordered(fn, tasks()):
            finish(task.index, task.key, result, False)
    except KeyboardInterrupt:
        executor.close()
        raise Interrupted(len(results), total) from None
    finally:
        if own_api and api is not None:
            api.close()
    return [results[i] for i in sorted(results)]


def assemble(results: Iterable[RepoResult]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(repos, files, breakdown) frames from per-repository results."""
    results = list(results)
    repos = pl.DataFrame([r.repo for r in results], schema=REPOS_SCHEMA) if results else \
        pl.DataFrame(schema=REPOS_SCHEMA)
    files = pl.concat([r.files for r in results], how="vertical") if results else \
        pl.DataFrame(schema=FILES_SCHEMA)
    return repos, files, breakdown(files)


def previous_lookup(out: str, options: ScanOptions) -> PreviousLookup | None:
    """Rows of the newest snapshot under ``out``, if census may reuse them (see ``lookup_in``)."""
    try:
        return lookup_in(open_snapshot(None, out=out), options)
    except CensusError:
        return None


def same_data(snapshot: Snapshot, options: ScanOptions) -> bool:
    """Whether ``snapshot`` was made by this census, with the same language data and line counting:
    only then may its rows stand for a scan made now."""
    manifest = snapshot.manifest
    tool = manifest.get("tool")
    manifest_options = manifest.get("options")
    return (isinstance(tool, dict) and tool.get("version") == __version__
            and manifest.get("language_data") == languages.data_version()
            and isinstance(manifest_options, dict) and bool(manifest_options.get("lines")) == options.lines)


def lookup_in(snapshot: Snapshot, options: ScanOptions) -> PreviousLookup | None:
    """Rows of ``snapshot`` offered for reuse, by project and repository (see ``same_data``)."""
    if not options.reuse or options.worktree:
        return None
    try:
        if not same_data(snapshot, options):
            return None
        repos = snapshot.repos
        files = snapshot.files
    except CensusError:
        return None
    # Matched by project and name as configured: a renamed repository keeps its configured name.
    by_name = {(r["project"], r["repo"]): r for r in repos.to_dicts()}
    groups = dict(files.partition_by(["project", "repo"], as_dict=True).items())

    def lookup(target: Target) -> Previous | None:
        row = by_name.get((target.project, target.name))
        if row is None:
            return None
        frame = groups.get((row["project"], row["repo"]), pl.DataFrame(schema=FILES_SCHEMA))
        return Previous(row, frame)

    return lookup


def describe(targets: Sequence[Target], options: ScanOptions) -> dict[str, Any]:
    """What a scan asks for, as JSON-able data: the identity of its checkpoint."""
    return {
        "targets": [[t.project, t.spec.text, scrub(t.spec.location), t.spec.ref, t.name,
                     components_text(t.components), repr(t.filters)] for t in targets],
        "options": {"worktree": options.worktree, "lines": options.lines, "reuse": options.reuse,
                    "api_url": scrub(options.github.api_url), "clones": options.clones,
                    "at": options.at.text if options.at else None},
    }


def scan(targets: Sequence[Target], *, out: str = "output", options: ScanOptions = ScanOptions(),
         label: str | None = None, config: dict[str, Any] | None = None,
         progress: ProgressHook | None = None, api: GitHubAPI | None = None,
         request: dict[str, Any] | None = None, resume: bool = True,
         previous: PreviousLookup | None = None, executor: Executor | None = None) -> Snapshot:
    """Scan ``targets`` and write one snapshot under ``out/snapshots/``; return it.

    Each finished repository is saved under ``out/.census-work/`` first: if the scan is killed, the
    same call (same ``request``, by default the targets and options) continues where it stopped.
    ``resume=False`` starts afresh."""
    if not targets:
        raise InputError("nothing to scan: give a config with repositories or --repo")
    identity = {**(request or describe(targets, options)), "label": label}
    checkpoint = Checkpoint.open(out, identity, fresh=not resume)
    if work_finished(out, checkpoint.identity):  # its snapshot was written; only the removal was cut short
        checkpoint = Checkpoint.open(out, identity, fresh=True)
    lookup = previous if previous is not None else previous_lookup(out, options)
    results = run(targets, options, progress=progress, previous=lookup, api=api, checkpoint=checkpoint,
                  executor=executor)
    repos, files, table = assemble(results)
    manifest_options = {"worktree": options.worktree, "jobs": options.jobs, "label": label,
                        "lines": options.lines, "clones": options.clones,
                        "at": options.at.text if options.at else None,
                        "api_url": scrub(options.github.api_url), "max_wait": options.github.max_wait,
                        "reuse": options.reuse}
    described = options.at.when if options.at is not None else None
    snapshot = write_snapshot(out, repos=repos, files=files, breakdown=table, label=label,
                              config=config, options=manifest_options, described_at=described,
                              work=checkpoint.identity)
    checkpoint.discard()
    return snapshot


def backfill(targets: Sequence[Target], days: Sequence[date], *, out: str = "output",
             options: ScanOptions = ScanOptions(), config: dict[str, Any] | None = None,
             progress: ProgressHook | None = None, api: GitHubAPI | None = None,
             on_snapshot: Callable[[date, Snapshot, bool], None] | None = None,
             executor: Executor | None = None) -> list[Snapshot]:
    """One snapshot per day of ``days`` (oldest first), each describing the repositories as they were
    at the end of that day. A snapshot already made for a day (same targets, and the same census,
    language data and line counting) is kept, so a backfill can be extended or resumed; each scan
    reuses the rows of the day before for unchanged blobs."""
    existing: dict[str, Snapshot] = {}
    for path in snapshot_dirs(out):
        try:
            snap = open_snapshot(path)
        except CensusError:
            continue
        manifest_options = snap.manifest.get("options")
        at = manifest_options.get("at") if isinstance(manifest_options, dict) else None
        if at and snap.manifest.get("config") == config and same_data(snap, options):
            existing[str(at)] = snap
    made: list[Snapshot] = []
    before: Snapshot | None = None
    for day in sorted(days):
        at = parse_at(day.isoformat())
        found = existing.get(at.text)
        reused = found is not None
        if found is None:
            lookup = lookup_in(before, options) if before is not None else None
            snap = scan(targets, out=out, options=replace(options, at=at), label=f"at-{at.text}", config=config,
                        progress=progress, api=api, previous=lookup, executor=executor)
        else:
            snap = found
        if on_snapshot:
            on_snapshot(day, snap, reused)
        made.append(snap)
        before = snap
    return made
