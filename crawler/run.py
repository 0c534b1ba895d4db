"""Orchestration, in the driver: plan → executor → checkpoints and progress → snapshot.

``run`` takes targets to per-repository results: the planner (``plan.py``) settles what it can
in the driver, an executor (``executors/``) runs the step (``step.py``) over the rest, and each
result is saved to the checkpoint and reported to the progress hook as it arrives, in this
thread. ``scan`` writes the snapshot; ``backfill`` makes one per date.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from crawler.__version__ import __version__
from crawler.aggregate import breakdown
from crawler.checkpoint import Checkpoint
from crawler.errors import CensusError, InputError
from crawler.executors import Executor, for_jobs
from crawler.history import parse_at
from crawler.lines import sweep_scratch
from crawler.linguist import languages
from crawler.plan import Done, Planner, PreviousLookup
from crawler.redact import scrub
from crawler.rows import components_text, repo_row
from crawler.schema import FILES_SCHEMA, REPOS_SCHEMA
from crawler.scratch import sweep
from crawler.snapshot import Snapshot, open_snapshot, snapshot_dirs, work_finished, write_snapshot
from crawler.step import run_history_task, run_task
from crawler.values import HistoryTask, Previous, RepoResult, ScanOptions, Status, Target, Task

if TYPE_CHECKING:
    from crawler.github.api import GitHubAPI


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


Finish = Callable[[int, str, Target, list[RepoResult], bool], None]


class _Plans(Protocol):
    def expand(self, targets: Sequence[Target]) -> int: ...

    def plan(self) -> Iterator[Task | Done]: ...


def _drive(planner: _Plans, targets: Sequence[Target], executor: Executor, fn: Callable[[Any], list[RepoResult]],
           make_task: Callable[[Task], Any], finish: Finish, progress: ProgressHook | None) -> None:
    """Plan, run the tasks, and hand every result to ``finish`` in this thread as it arrives."""
    finished = [0]
    total = [0]

    def done(index: int, key: str, target: Target, results: list[RepoResult], saved: bool) -> None:
        finish(index, key, target, results, saved)
        finished[0] += 1
        if progress:
            progress("done", results[-1])

    def tasks() -> Iterator[Any]:
        for item in planner.plan():
            if isinstance(item, Done):
                done(item.index, item.key, item.target, [item.result], item.saved)
                continue
            if progress:
                progress("start", item.target)
            yield make_task(item)

    try:
        total[0] = planner.expand(targets)
        if progress:
            progress("total", total[0])
        for task, results in executor.map_unordered(fn, tasks(), on_error=_engine_failure):
            done(task.index, task.key, task.target, results, False)
    except KeyboardInterrupt:
        executor.close()
        raise Interrupted(finished[0], total[0]) from None


def _engine_failure(task: Any, error: BaseException) -> list[RepoResult]:
    """The result of a task the engine itself could not finish (its worker lost for good)."""
    message = " ".join(str(error).split())[:300]
    row = repo_row(task.target, task.target.resolved, status=Status.FAILED,
                   error=f"the task could not be completed ({type(error).__name__}: {message})")
    return [RepoResult(dict(row)) for _ in getattr(task, "ats", (None,))]


@dataclass(frozen=True)
class _Single:
    """``fn``'s one result as a list, as a history task gives its several: a module-level callable,
    so that any engine can pickle it (a closure pickles with cloudpickle only)."""

    fn: Callable[..., RepoResult]

    def __call__(self, task: Any, **kwargs: Any) -> list[RepoResult]:
        return [self.fn(task, **kwargs)]


def _task_fn(executor: Executor, fn: Callable[..., Any], progress: ProgressHook | None) -> Callable[[Any], Any]:
    """``fn``, with a file counter for the progress bar when the tasks run in this process."""
    if executor.in_process and progress is not None:
        return functools.partial(fn, on_files=lambda n: progress("files", n))
    return fn


def run(targets: Sequence[Target], options: ScanOptions = ScanOptions(), *, progress: ProgressHook | None = None,
        previous: PreviousLookup | None = None, api: GitHubAPI | None = None,
        checkpoint: Checkpoint | None = None, executor: Executor | None = None,
        keep_files: bool = True) -> list[RepoResult]:
    """Every target's result, in the targets' order (owners and searches expanded in place). With a
    ``checkpoint``, repositories it already holds are taken from it and each new one is saved to
    it as soon as it is done; an interrupt saves nothing that was still under way. Without
    ``keep_files`` the results hold their repos rows only (the files are in the checkpoint)."""
    return [result for _, result in _run(targets, options, progress=progress, previous=previous, api=api,
                                         checkpoint=checkpoint, executor=executor, keep_files=keep_files)]


def _run(targets: Sequence[Target], options: ScanOptions, *, progress: ProgressHook | None,
         previous: PreviousLookup | None, api: GitHubAPI | None, checkpoint: Checkpoint | None,
         executor: Executor | None, keep_files: bool, notes: list[str] | None = None
         ) -> list[tuple[str | None, RepoResult]]:
    sweep()  # scratch folders of census runs that were killed
    sweep_scratch()
    own_api = api is None and _needs_api(targets)
    if own_api:
        from crawler.github.api import GitHubAPI

        api = GitHubAPI(options.github)
    executor = executor or for_jobs(options.jobs)
    planner = Planner(options, api=api, lookup=previous, checkpoint=checkpoint, load_files=keep_files)
    results: dict[int, tuple[str | None, RepoResult]] = {}

    def finish(index: int, key: str, target: Target, outcome: list[RepoResult], saved: bool) -> None:
        result = outcome[0]
        stored: str | None = key if saved and checkpoint is not None and checkpoint.has(key) else None
        if checkpoint is not None and not saved and result.status != Status.DEFERRED:
            checkpoint.save(key, result.repo, result.files)  # deferred ones are for the next run
            stored = key
        results[index] = (stored, result if keep_files else RepoResult(result.repo))

    try:
        _drive(planner, targets, executor, _task_fn(executor, _Single(run_task), progress), lambda t: t, finish,
               progress)
    finally:
        if own_api and api is not None:
            api.close()
        if notes is not None:
            notes.extend(planner.warnings)
    return [results[i] for i in sorted(results)]


def assemble(results: Iterable[RepoResult]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(repos, files, breakdown) frames from per-repository results."""
    results = list(results)
    repos = pl.DataFrame([r.repo for r in results], schema=REPOS_SCHEMA) if results else \
        pl.DataFrame(schema=REPOS_SCHEMA)
    files = pl.concat([r.files for r in results], how="vertical") if results else \
        pl.DataFrame(schema=FILES_SCHEMA)
    return repos, files, breakdown(files)


def _assemble_stored(results: list[tuple[str | None, RepoResult]], checkpoint: Checkpoint
                     ) -> tuple[pl.DataFrame, pl.LazyFrame, pl.DataFrame]:
    """(repos, files, breakdown) with the files read lazily from the checkpoint, in order: the
    driver never holds every file row of a population at once."""
    repos = pl.DataFrame([r.repo for _, r in results], schema=REPOS_SCHEMA) if results else \
        pl.DataFrame(schema=REPOS_SCHEMA)
    paths = [checkpoint.files_path(key) for key, _ in results if key is not None]
    files = pl.scan_parquet(paths, schema=FILES_SCHEMA) if paths else pl.DataFrame(schema=FILES_SCHEMA).lazy()
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


def _manifest_options(options: ScanOptions, label: str | None) -> dict[str, Any]:
    return {"worktree": options.worktree, "jobs": options.jobs, "label": label, "lines": options.lines,
            "clones": options.clones, "at": options.at.text if options.at else None,
            "api_url": scrub(options.github.api_url), "max_wait": options.github.max_wait, "reuse": options.reuse,
            "cross_check": options.cross_check}


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
    notes: list[str] = []
    results = _run(targets, options, progress=progress, previous=lookup, api=api, checkpoint=checkpoint,
                   executor=executor, keep_files=False, notes=notes)
    repos, files, table = _assemble_stored(results, checkpoint)
    described = options.at.when if options.at is not None else None
    snapshot = write_snapshot(out, repos=repos, files=files, breakdown=table, label=label,
                              config=config, options=_manifest_options(options, label), described_at=described,
                              work=checkpoint.identity, notes=notes)
    checkpoint.discard()
    return snapshot


def backfill(targets: Sequence[Target], days: Sequence[date], *, out: str = "output",
             options: ScanOptions = ScanOptions(), config: dict[str, Any] | None = None,
             progress: ProgressHook | None = None, api: GitHubAPI | None = None,
             on_snapshot: Callable[[date, Snapshot, bool], None] | None = None,
             executor: Executor | None = None) -> list[Snapshot]:
    """One snapshot per day of ``days`` (oldest first), each describing the repositories as they were
    at the end of that day. A snapshot already made for a day (same targets, and the same census,
    language data and line counting) is kept, so a backfill can be extended or resumed.

    The days still to make are planned once (one metadata request per named GitHub repository, for
    all days) and each repository is one task over all of them: its history is fetched once, and
    each date reads only the blobs that changed since the date before. Results are saved per
    repository and day as they arrive; each day's snapshot is then assembled from them."""
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
    ordered = sorted(days)
    todo = [day for day in ordered if day.isoformat() not in existing]
    made: dict[date, Snapshot] = {}
    if todo:
        made = _backfill_days(targets, ordered, todo, existing, out=out, options=options, config=config,
                              progress=progress, api=api, executor=executor)
    snapshots = []
    for day in ordered:
        kept = day.isoformat() in existing
        snap = existing[day.isoformat()] if kept else made[day]
        if on_snapshot:
            on_snapshot(day, snap, kept)
        snapshots.append(snap)
    return snapshots


def _backfill_days(targets: Sequence[Target], ordered: list[date], todo: list[date], existing: dict[str, Snapshot],
                   *, out: str, options: ScanOptions, config: dict[str, Any] | None,
                   progress: ProgressHook | None, api: GitHubAPI | None,
                   executor: Executor | None) -> dict[date, Snapshot]:
    ats = tuple(parse_at(day.isoformat()) for day in todo)
    request = {"backfill": describe(targets, options), "days": [day.isoformat() for day in todo]}
    checkpoint = Checkpoint.open(out, request)
    if work_finished(out, checkpoint.identity):
        checkpoint = Checkpoint.open(out, request, fresh=True)
    # The rows of the latest kept snapshot before the first day to make, for unchanged blobs.
    before = [existing[d.isoformat()] for d in ordered if d < todo[0] and d.isoformat() in existing]
    lookup = lookup_in(before[-1], options) if before else None
    sweep()
    sweep_scratch()
    own_api = api is None and _needs_api(targets)
    if own_api:
        from crawler.github.api import GitHubAPI

        api = GitHubAPI(options.github)
    executor = executor or for_jobs(options.jobs)
    # The checkpoint keeps the planner's listings (a resume lists nothing again); repositories are
    # saved per day below, under keys the planner does not look for.
    planner = Planner(replace(options, at=None), api=api, lookup=None, checkpoint=checkpoint, load_files=False)
    rows: dict[date, dict[int, tuple[str | None, dict[str, Any]]]] = {day: {} for day in todo}

    def day_key(key: str, day: date) -> str:
        return f"{key}@{day.isoformat()}"

    def finish(index: int, key: str, target: Target, results: list[RepoResult], saved: bool) -> None:
        if len(results) == 1 and len(todo) > 1:  # settled by the planner: the same at every date
            results = results * len(todo)
        for day, result in zip(todo, results, strict=True):
            stored = None
            if saved and checkpoint.has(day_key(key, day)):
                stored = day_key(key, day)
            elif result.status != Status.DEFERRED:
                checkpoint.save(day_key(key, day), result.repo, result.files)
                stored = day_key(key, day)
            rows[day][index] = (stored, result.repo)

    def make_task(task: Task) -> HistoryTask:
        return HistoryTask(task.index, task.key, task.target, options, ats,
                           lookup(task.target) if lookup is not None else None)

    fn = _task_fn(executor, run_history_task, progress)
    done_before = _saved_days(checkpoint, todo)
    try:
        _drive(_Resumed(planner, done_before, todo), targets, executor, fn, make_task, finish, progress)
    finally:
        if own_api and api is not None:
            api.close()
    made: dict[date, Snapshot] = {}
    for day, at in zip(todo, ats, strict=True):
        results = [(key, RepoResult(row)) for _, (key, row) in sorted(rows[day].items())]
        repos, files, table = _assemble_stored(results, checkpoint)
        made[day] = write_snapshot(out, repos=repos, files=files, breakdown=table, label=f"at-{at.text}",
                                   config=config, options=_manifest_options(replace(options, at=at), f"at-{at.text}"),
                                   described_at=at.when, work={**checkpoint.identity, "day": day.isoformat()},
                                   notes=planner.warnings)
    checkpoint.discard()
    return made


def _saved_days(checkpoint: Checkpoint, todo: list[date]) -> set[str]:
    """Repository keys whose every day is saved already (an interrupted backfill, resumed)."""
    names = checkpoint.done()
    counts: dict[str, int] = {}
    for name in names:
        key, _, day = name.rpartition("@")
        if key and day in {d.isoformat() for d in todo}:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n == len(todo)}


class _Resumed:
    """A planner whose repositories already saved for every day come out settled (``Done``)."""

    def __init__(self, planner: Planner, done: set[str], todo: list[date]) -> None:
        self.planner, self.done, self.todo = planner, done, todo

    def expand(self, targets: Sequence[Target]) -> int:
        return self.planner.expand(targets)

    def plan(self) -> Iterator[Task | Done]:
        for item in self.planner.plan():
            if isinstance(item, Task) and item.key in self.done:
                stored = self.planner.checkpoint.load(f"{item.key}@{self.todo[0].isoformat()}", files=False) \
                    if self.planner.checkpoint else None
                if stored is not None:
                    yield Done(item.index, item.key, item.target, RepoResult(stored[0]), saved=True)
                    continue
            yield item
