"""The census of one repository: the step any engine runs, one task per repository.

``scan_repo(target, options, previous)`` reads one repository and returns its ``repos`` row and
per-file rows (``RepoResult``). It is a pure step: its inputs and output pickle, it holds no token
(the task reads one from its own environment when it fetches from GitHub), it shares nothing with
the process that called it (no client, no rate gate, no global git configuration), and it never
raises for a repository problem: the row's status says what happened. Run in a fresh process it
returns exactly the rows the CLI writes.

Per file: the first bytes are read (``sources``), Linguist's rules classify it (``linguist``),
tokei counts its lines (``lines``), and the component it belongs to is found (``components``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import polars as pl

from crawler.components import Components
from crawler.errors import AbsentError, CensusError, SourceError
from crawler.lines import LINES_LIMIT, LineCounter, LineCounts
from crawler.linguist import languages
from crawler.linguist.classify import LINGUIST_ATTRIBUTES, Classification, classify
from crawler.linguist.gitattributes import MAX_FILE_SIZE, GitAttributes
from crawler.rows import repo_row
from crawler.schema import FILES_SCHEMA
from crawler.sources.github import GitHubHistory, remote_commit
from crawler.sources.interface import Entry, Source
from crawler.sources.resolve import clone_path, open_resolution, resolve
from crawler.values import (
    COUNTED,
    At,
    HistoryTask,
    Previous,
    RepoResult,
    Resolution,
    ScanOptions,
    Status,
    Target,
    Task,
)

FileCallback = Callable[[int], None]
#: Source kinds whose content is identified by a commit, so that rows can be reused by commit or blob.
HAS_COMMITS = frozenset({"git", "clone", "github", "remote"})


def reusable(previous: Previous | None, resolution: Resolution, components: str) -> bool:
    """Whether ``previous``'s rows hold for ``resolution``: the same commit of the same kind of
    source with the same component settings, and every file of it read."""
    if previous is None or resolution.kind not in HAS_COMMITS or resolution.commit is None:
        return False
    old = previous.repo
    return (old.get("status") in COUNTED and old.get("commit") == resolution.commit
            and old.get("components") == components and old.get("kind") == resolution.kind
            and not previous.files.filter(pl.col("kind") == "file")["bytes"].is_null().any())


def reused_files(previous: Previous, target: Target) -> pl.DataFrame:
    """``previous``'s file rows, under ``target``'s project and name."""
    return previous.files.with_columns(pl.lit(target.project).alias("project"), pl.lit(target.name).alias("repo"))


def scan_repo(target: Target, options: ScanOptions = ScanOptions(), previous: Previous | None = None, *,
              on_files: FileCallback | None = None) -> RepoResult:
    """Scan one repository. Never raises for a repository problem: the row's status says it
    (``failed``, ``not_found``, ``empty``, ``blocked``, ``deferred``, ``absent``); ``unchanged``
    when the commit equals ``previous``'s and its rows are reused. Otherwise files whose blob is
    the same as in ``previous`` keep their rows without being read again. ``on_files`` (optional,
    for a progress bar in the same process) hears how many files were done."""
    if options.at is not None and options.at.when is not None and _on_github(target, options):
        return scan_history(target, [options.at], options, previous, on_files=on_files)[0]
    started = time.monotonic()
    previous = previous if options.reuse and not options.worktree else None
    resolution: Resolution | None = None
    files = pl.DataFrame(schema=FILES_SCHEMA)
    status, error, commit = Status.OK, None, None
    notes: list[str] = []
    try:
        resolution = resolve(target, options, previous=previous)
        if resolution.kind == "github" and resolution.commit is None and previous is not None:
            # Something to reuse: the commit asked of git first (ls-remote), so that an unchanged
            # repository downloads nothing. Without, the fetch of the ref tells the commit itself.
            resolution = replace(resolution, commit=remote_commit(resolution.location, resolution.ref or "HEAD",
                                                                  timeout=options.github.timeout))
        components = repo_row(target, None)["components"]
        if previous is not None and reusable(previous, resolution, components):
            status, files = Status.UNCHANGED, reused_files(previous, target)
        else:
            known = previous.files if previous is not None and resolution.kind in HAS_COMMITS else None
            with open_resolution(resolution, options) as source:
                commit = source.commit
                files = scan_source(source, target, on_files, lines=options.lines, known=known, notes=notes)
    except SourceError as exc:
        resolution = resolution or exc.resolution
        status, error = exc.status, str(exc)
    except CensusError as exc:
        status, error = Status.FAILED, str(exc)
    except OSError as exc:  # the disk, not the repository: still this repository's failure
        status, error = Status.FAILED, f"{exc.strerror or exc}"
    return _result(target, resolution, status, error, files, commit, started, notes)


def _result(target: Target, resolution: Resolution | None, status: Status, error: str | None, files: pl.DataFrame,
            commit: str | None, started: float, notes: Sequence[str] = ()) -> RepoResult:
    row = repo_row(target, resolution, status=status, error=error, files=files, commit=commit,
                   duration_s=time.monotonic() - started)
    if notes:
        said = "; ".join(notes)
        row["note"] = f"{row['note']}; {said}" if row.get("note") else said
    if status == Status.OK and not isinstance(target.components, str):
        missing = Components.build(target.components, ()).unmatched(files["path"].to_list())
        if missing:
            said = "; ".join(f"component {name} = {prefix}/ matches no file at this commit" for name, prefix in missing)
            row["note"] = f"{row['note']}; {said}" if row.get("note") else said
    return RepoResult(row, files)


def _on_github(target: Target, options: ScanOptions) -> bool:
    """Whether ``target`` is read from GitHub (not from a local clone ``--clones`` has)."""
    if target.resolved is not None and not target.resolved.listed:
        return target.resolved.kind == "github"
    if target.spec.kind != "github":
        return False
    return not (options.clones and clone_path(options.clones, target.spec.location).exists())


def _needed(known: pl.DataFrame | None) -> Callable[[list[tuple[str, str]]], list[str]]:
    """Which blobs of a tree must be downloaded: those whose (path, blob) rows ``known`` cannot give
    (all of them when the ``.gitattributes`` changed), and the ``.gitattributes`` themselves."""
    def needed(entries: list[tuple[str, str]]) -> list[str]:
        attrs = {(p, o) for p, o in entries if p == ".gitattributes" or p.endswith("/.gitattributes")}
        rows = _known_rows(known, [Entry(p.encode(), "file", None, o) for p, o in attrs])
        return [o for p, o in entries if (p, o) in attrs or (p, o) not in rows]
    return needed


def scan_history(target: Target, ats: Sequence[At], options: ScanOptions = ScanOptions(),
                 previous: Previous | None = None, *, on_files: FileCallback | None = None) -> list[RepoResult]:
    """One repository at several points in history, oldest first: one result per ``At``. A GitHub
    repository's history is fetched once (``GitHubHistory``): each date's commit is chosen locally,
    and only the blobs that changed since the date before are downloaded and read. Elsewhere each
    date is a ``scan_repo`` that reuses the rows of the date before for unchanged blobs."""
    results: list[RepoResult] = []
    before = previous if options.reuse else None
    if not _on_github(target, options):
        for at in ats:
            result = scan_repo(target, replace(options, at=at), before, on_files=on_files)
            results.append(result)
            before = Previous(result.repo, result.files) if result.status in COUNTED else before
        return results
    started = time.monotonic()
    try:
        resolution = resolve(target, replace(options, at=None, clones=None), previous=previous)
        history = GitHubHistory(resolution.location, resolution.ref or "HEAD", timeout=options.github.timeout)
    except SourceError as exc:
        return [_result(target, exc.resolution, exc.status, str(exc), pl.DataFrame(schema=FILES_SCHEMA), None,
                        started) for _ in ats]
    components = repo_row(target, None)["components"]
    with history:
        for at in ats:
            started = time.monotonic()
            dated = replace(resolution, ref=resolution.ref, commit=None)
            files = pl.DataFrame(schema=FILES_SCHEMA)
            status, error = Status.OK, None
            notes: list[str] = []
            try:
                commit = history.commit_at(at.when) if at.when is not None else remote_commit(
                    resolution.location, at.ref or "HEAD", timeout=options.github.timeout)
                if commit is None:
                    raise AbsentError(f"no commit on or before {at.text}")
                dated = replace(dated, commit=commit, ref=at.ref or resolution.ref)
                if before is not None and reusable(before, dated, components):
                    status, files = Status.UNCHANGED, reused_files(before, target)
                else:
                    known = before.files if before is not None else None
                    with history.prepare(commit, _needed(known)) as source:
                        files = scan_source(source, target, on_files, lines=options.lines, known=known,
                                            notes=notes)
            except SourceError as exc:
                status, error = exc.status, str(exc)
            except CensusError as exc:
                status, error = Status.FAILED, str(exc)
            except OSError as exc:
                status, error = Status.FAILED, f"{exc.strerror or exc}"
            result = _result(target, dated, status, error, files, None, started, notes)
            results.append(result)
            if result.status in COUNTED:
                before = Previous(result.repo, result.files)
    return results


def _known_rows(known: pl.DataFrame | None, attr_entries: list[Entry]) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows of an earlier scan, by (path, blob id), that still hold for this tree: a file with the same
    path and the same blob gets the same answer, unless the ``.gitattributes`` changed."""
    if known is None or known.is_empty():
        return {}
    is_attr = (pl.col("path") == ".gitattributes") | pl.col("path").str.ends_with("/.gitattributes")
    before = set(known.filter(is_attr & (pl.col("kind") == "file")).select("path", "oid").iter_rows())
    if before != {(e.path, e.oid) for e in attr_entries}:
        return {}
    usable = known.filter((pl.col("kind") == "file") & pl.col("oid").is_not_null() & pl.col("bytes").is_not_null())
    return {(r["path"], r["oid"]): r for r in usable.iter_rows(named=True)}


def _attributes(source: Source, attr_entries: list[Entry]) -> GitAttributes:
    """The ``.gitattributes`` of a tree, each distinct blob read once and whole (up to git's limit,
    past which git and libgit2 ignore the file), parsed once (cached by blob id)."""
    first: dict[str, Entry] = {}
    for entry in attr_entries:
        first.setdefault(entry.oid or entry.path, entry)
    contents = {c.entry.oid or c.entry.path: c.prefix for c in source.read(list(first.values()), MAX_FILE_SIZE)
                if c.prefix is not None}
    files = {e.path: (e.oid, contents[e.oid or e.path]) for e in attr_entries if (e.oid or e.path) in contents}
    return GitAttributes.from_files(files, wanted=LINGUIST_ATTRIBUTES)


def scan_source(source: Source, target: Target, on_files: FileCallback | None = None, *,
                lines: bool = True, known: pl.DataFrame | None = None, notes: list[str] | None = None
                ) -> pl.DataFrame:
    """Per-file rows of an opened source: classified, counted, each in its component. What the
    repository's ``.gitattributes`` held that could not be used goes to ``notes``."""
    entries = list(source.entries())
    attr_entries = [e for e in entries if e.kind == "file" and
                    (e.path == ".gitattributes" or e.path.endswith("/.gitattributes"))]
    reusable_rows = _known_rows(known, attr_entries)
    attributes = _attributes(source, attr_entries)
    if notes is not None:
        notes.extend(attributes.warnings[:5])

    def vendored_manifest(path: str) -> bool:
        value = attributes.lookup(path).get("linguist-vendored")
        if value is not None:
            return value is not False and value != "false"
        return languages.is_vendored(path)

    components = Components.build(target.components, (e.path for e in entries if e.kind == "file"),
                                  vendored_manifest)
    rows = _Rows()
    base = (target.project, target.name, source.commit)

    for entry in entries:
        if entry.kind != "file":
            note = ("symlink: skipped, as Linguist does" if entry.kind == "symlink"
                    else "submodule: skipped")
            rows.append(_row(base, entry, components(entry.path), None, note))
    pending = 0
    to_read = []
    for entry in entries:
        if entry.kind != "file":
            continue
        old = reusable_rows.get((entry.path, entry.oid or ""))
        if old is None:
            to_read.append(entry)
        else:  # the same blob at the same path: its classification and line counts still hold
            old.update(project=target.project, repo=target.name, commit=source.commit,
                       component=components(entry.path))
            rows.append([old[name] for name in FILES_SCHEMA])
    limit = LINES_LIMIT if lines else languages.CONTENT_PREFIX
    with LineCounter() as counter:
        for content in source.read(to_read, limit):
            entry = content.entry
            notes = [] if entry.utf8_path else ["path is not valid UTF-8: its bytes are in path_bytes"]
            if content.prefix is None:
                notes.append(content.error or "unreadable")
                rows.append(_row(base, entry, components(entry.path), None, "; ".join(notes)))
            else:
                prefix = content.prefix[: languages.CONTENT_PREFIX]
                result = classify(entry.path, prefix, attributes.lookup(entry.path), entry.size)
                if result.lfs:
                    notes.append("Git LFS pointer: counted as the pointer file, as Linguist does")
                if lines and entry.size is not None and entry.size > len(content.prefix):
                    notes.append(f"over {LINES_LIMIT // (1024 * 1024)} MiB: lines not counted")
                elif lines:
                    counter.add(len(rows), content.prefix, result.language, binary=result.binary)
                rows.append(_row(base, entry, components(entry.path), result, "; ".join(notes) or None))
            pending += 1
            if on_files and pending >= 200:
                on_files(pending)
                pending = 0
    if on_files and pending:
        on_files(pending)
    # Classification runs in this thread: two threads were measured no faster on two cores (git's
    # inflating and go-enry already keep both busy), and one is simpler.
    return rows.frame(counter.results)


class _Rows:
    """Per-file rows, kept as columnar chunks: 200,000 files must not cost gigabytes of tuples."""

    CHUNK = 20_000

    def __init__(self) -> None:
        self._chunks: list[pl.DataFrame] = []
        self._rows: list[list[Any]] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, row: list[Any]) -> None:
        self._rows.append(row)
        self._count += 1
        if len(self._rows) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            columns = zip(*self._rows, strict=True)  # by column: a third of the time polars takes by row
            self._chunks.append(pl.DataFrame([pl.Series(name, values, dtype=dtype) for (name, dtype), values
                                              in zip(FILES_SCHEMA.items(), columns, strict=True)]))
            self._rows = []

    def frame(self, counts: dict[int, LineCounts]) -> pl.DataFrame:
        self._flush()
        files = pl.concat(self._chunks, how="vertical") if self._chunks else pl.DataFrame(schema=FILES_SCHEMA)
        if not counts:
            return files
        measures = ["lines", "code", "comments", "blanks"]
        table = pl.DataFrame(
            {"_i": list(counts), "lines": [c.lines for c in counts.values()],
             "code": [c.code for c in counts.values()], "comments": [c.comments for c in counts.values()],
             "blanks": [c.blanks for c in counts.values()], "_counted": [True] * len(counts),
             "_note": [c.note for c in counts.values()]},
            schema={"_i": pl.UInt32, "lines": pl.Int64, "code": pl.Int64, "comments": pl.Int64, "blanks": pl.Int64,
                    "_counted": pl.Boolean, "_note": pl.String})
        merged = files.with_row_index("_i").join(table, on="_i", how="left", maintain_order="left", suffix="_new")
        # Files counted now take the new figures; reused rows keep theirs. A file tokei could not count
        # in its time budget says so beside any note it had.
        return merged.with_columns(
            *[pl.when(pl.col("_counted")).then(pl.col(f"{m}_new")).otherwise(pl.col(m)).alias(m) for m in measures],
            pl.when(pl.col("_note").is_null()).then(pl.col("note"))
            .otherwise(pl.concat_str([pl.col("note"), pl.col("_note")], separator="; ", ignore_nulls=True))
            .alias("note"),
        ).select(list(FILES_SCHEMA))


def _row(base: tuple[Any, ...], entry: Entry, component: str, result: Classification | None,
         note: str | None) -> list[Any]:
    project, repo, commit = base
    raw = None if entry.utf8_path else entry.raw_path  # the exact bytes, when ``path`` had to escape some
    if result is None:
        return [project, repo, commit, entry.path, component, None, None, None,
                entry.size if entry.kind == "file" else None, None, None, None, None,
                False, False, False, False, False, entry.kind, False, entry.oid, note, raw]
    return [project, repo, commit, entry.path, component, result.language, result.group, result.type,
            entry.size, None, None, None, None, result.vendored, result.generated, result.documentation,
            result.binary, result.counted, entry.kind, result.lfs, entry.oid, note, raw]


def run_task(task: Task, on_files: FileCallback | None = None) -> RepoResult:
    """``scan_repo`` for an executor: anything the step did not foresee becomes this repository's
    failure (one line), never an exception that would stop the run or be retried forever."""
    try:
        return scan_repo(task.target, task.options, task.previous, on_files=on_files)
    except Exception as exc:  # a bug or an unforeseen answer: this repository's failure, said in one line
        message = " ".join(str(exc).split())[:300]
        return RepoResult(repo_row(task.target, task.target.resolved, status=Status.FAILED,
                                   error=f"census could not scan this repository ({type(exc).__name__}: {message})"))


def run_history_task(task: HistoryTask, on_files: FileCallback | None = None) -> list[RepoResult]:
    """``scan_history`` for an executor: one result per date, and anything unforeseen is this
    repository's failure at every date, in one line."""
    try:
        return scan_history(task.target, task.ats, task.options, task.previous, on_files=on_files)
    except Exception as exc:  # a bug or an unforeseen answer: this repository's failure, said in one line
        message = " ".join(str(exc).split())[:300]
        row = repo_row(task.target, task.target.resolved, status=Status.FAILED,
                       error=f"census could not scan this repository ({type(exc).__name__}: {message})")
        return [RepoResult(dict(row)) for _ in task.ats]
