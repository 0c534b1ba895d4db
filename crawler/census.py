"""The census of one repository, and of a list of them.

``scan_repo`` is a pure step from (target, options) to one ``repos`` row and per-file rows: it
reads nothing but its source and writes nothing, so a project list can be spread over many
machines and the results concatenated. ``scan`` runs it over a list (threads, bounded by
``jobs``), derives the breakdown and writes a snapshot.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from crawler import __version__, languages
from crawler.aggregate import breakdown
from crawler.checkpoint import Checkpoint, target_key
from crawler.classify import LINGUIST_ATTRIBUTES, classify
from crawler.components import Components, ComponentSetting
from crawler.errors import AbsentError, CensusError, EmptyRepositoryError, InputError, SourceError
from crawler.gitattributes import GitAttributes
from crawler.history import At, commit_at, parse_at
from crawler.lines import LINES_LIMIT, LineCounter, LineCounts
from crawler.snapshot import FILES_SCHEMA, REPOS_SCHEMA, Snapshot, open_snapshot, snapshot_dirs, write_snapshot
from crawler.sources import Content, Entry, GitSource, Source, open_source
from crawler.sources.git import run_git
from crawler.sources.github import GitHubClient, GitHubOptions, OwnerFilters, languages_json
from crawler.specs import RepoSpec

FileCallback = Callable[[int], None]
REUSABLE = ("ok", "unchanged")


@dataclass(frozen=True)
class Target:
    """One repository to scan, as a project list names it (``filters``: for ``github:OWNER``)."""

    project: str
    spec: RepoSpec
    name: str
    components: ComponentSetting = "auto"
    filters: OwnerFilters | None = None


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: ``worktree`` reads files on disk instead of the committed tree; ``reuse``
    takes the rows of a repository whose commit has not moved from the previous snapshot."""

    worktree: bool = False
    jobs: int = 4
    github: GitHubOptions = field(default_factory=GitHubOptions)
    reuse: bool = True
    lines: bool = True
    clones: str | None = None   # e.g. "~/src/github.com/{owner}/{name}": local clones before the API
    at: At | None = None        # a point in history (``--at``): a date or a ref


@dataclass(frozen=True)
class RepoResult:
    """The census of one repository: its ``repos.parquet`` row and its ``files.parquet`` rows."""

    repo: dict[str, Any]
    files: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FILES_SCHEMA))


@dataclass(frozen=True)
class Previous:
    """A repository's row and files in the previous snapshot, offered for reuse."""

    repo: dict[str, Any]
    files: pl.DataFrame


def _components_text(setting: ComponentSetting) -> str:
    if isinstance(setting, str):
        return setting
    return ", ".join(f"{k}={v}" for k, v in setting.items())


def _base_row(target: Target) -> dict[str, Any]:
    return {name: None for name in REPOS_SCHEMA} | {
        "project": target.project, "repo": target.name, "source": target.spec.text,
        "ref": target.spec.ref, "commit": None, "status": "ok", "error": None, "files": 0,
        "bytes": 0, "counted_bytes": 0, "kind": None, "components": _components_text(target.components),
        "scanned_at": datetime.now(UTC), "duration_s": 0.0,
    }


def clone_path(template: str, full_name: str) -> Path:
    """Where ``--clones TEMPLATE`` puts the clone of ``OWNER/NAME`` (``{owner}``, ``{name}``, ``{repo}``)."""
    owner, name = full_name.split("/", 1)
    return Path(template.format(owner=owner, name=name, repo=full_name)).expanduser()


def _at_commit(source: GitSource, at: At | None) -> GitSource:
    """``source`` moved to the commit ``--at`` names: the last commit at or before the date on the
    first-parent history of its ref, or the ref ``--at`` gives. ``AbsentError`` when there is none."""
    if at is None:
        return source
    if at.ref is not None:
        try:
            return GitSource(source.git_dir, at.ref)
        except SourceError:
            raise AbsentError(f"no {at.ref!r} in this repository") from None
    commit = commit_at(source.git_dir, source.commit or "HEAD", at.when)
    if commit is None:
        raise AbsentError(f"no commit on or before {at.text}")
    return GitSource(source.git_dir, source.ref, trusted_commit=commit)


def _local_clone(options: ScanOptions, target: Target, row: dict[str, Any]) -> GitSource | None:
    """The local clone of a GitHub repository at the wanted ref, when ``--clones`` has one; else None
    (and a note when a clone is there but lacks the ref: GitHub is asked instead)."""
    if not options.clones:
        return None
    path = clone_path(options.clones, target.spec.location)
    if not path.exists():
        return None
    row["clone_path"] = str(path)
    try:
        source = GitSource(path, target.spec.ref)
    except SourceError as exc:
        row["note"] = f"local clone {path} not used ({exc}): scanned from GitHub"
        return None
    if source.commit is None:
        row["note"] = f"local clone {path} is empty: scanned from GitHub"
        return None
    if target.spec.ref is None:
        branch = run_git(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=source.git_dir, check=False)
        row["ref"] = branch.stdout.decode().strip() or "HEAD"
    row.update(kind="clone", canonical=target.spec.location)
    return _at_commit(source, options.at)


def _reusable(previous: Previous | None, row: dict[str, Any]) -> bool:
    if previous is None:
        return False
    old = previous.repo
    return (old.get("status") in REUSABLE and old.get("commit") is not None and old.get("commit") == row["commit"]
            and old.get("components") == row["components"] and old.get("kind") == row["kind"])


def _reuse(previous: Previous, target: Target) -> pl.DataFrame:
    return previous.files.with_columns(pl.lit(target.project).alias("project"), pl.lit(target.name).alias("repo"))


def scan_repo(target: Target, options: ScanOptions = ScanOptions(), *, previous: Previous | None = None,
              client: GitHubClient | None = None, on_files: FileCallback | None = None) -> RepoResult:
    """Scan one repository. Never raises for a repository problem: the row's status says it
    (``failed``, ``not_found``, ``empty``, ``blocked``, ``deferred``, ``absent``); ``unchanged``
    when the commit equals ``previous``'s and its rows are reused. Otherwise files whose blob is
    the same as in ``previous`` keep their rows without being read again."""
    started = time.monotonic()
    row = _base_row(target)
    files = pl.DataFrame(schema=FILES_SCHEMA)
    previous = previous if options.reuse else None
    try:
        with _open(target, options, row, previous, client) as source:
            has_commits = source.kind in ("git", "clone", "github")
            if has_commits and previous and _reusable(previous, row):
                row["status"], files = "unchanged", _reuse(previous, target)
            else:
                known = previous.files if previous and has_commits else None
                files = _scan_source(source, target, on_files, lines=options.lines, known=known)
    except SourceError as exc:
        row["status"], row["error"] = exc.status, str(exc)
    except CensusError as exc:
        row["status"], row["error"] = "failed", str(exc)
    except OSError as exc:  # the disk, not the repository: still this repository's failure
        row["status"], row["error"] = "failed", f"{exc.strerror or exc}"
    regular = files.filter(pl.col("kind") == "file")
    unreadable = regular.filter(pl.col("bytes").is_null()).height
    if unreadable and row["error"] is None:
        row["error"] = (f"{unreadable} file(s) could not be read (missing objects in a partial or damaged "
                        "clone): see their notes in files.parquet; the rest is counted")
    row["files"] = regular.height
    row["bytes"] = int(regular["bytes"].sum() or 0)
    row["counted_bytes"] = int(files.filter(pl.col("counted"))["bytes"].sum() or 0)
    row["github_diff_pp"] = _github_cross_check(row.get("github_languages"), files)
    row["duration_s"] = round(time.monotonic() - started, 3)
    return RepoResult(row, files)


def _github_cross_check(github_languages: str | None, files: pl.DataFrame) -> float | None:
    """The largest gap, in percentage points, between a language's share by GitHub's own
    ``/languages`` figures and by ours (counted bytes by group): 0 when census and GitHub agree."""
    if not github_languages or files.is_empty():
        return None
    theirs = {str(k): int(v) for k, v in json.loads(github_languages).items()}
    ours_frame = files.filter(pl.col("counted")).group_by("group").agg(pl.col("bytes").sum())
    ours = dict(zip(ours_frame["group"], ours_frame["bytes"], strict=True))
    total_theirs, total_ours = sum(theirs.values()), sum(ours.values())
    if not total_theirs or not total_ours:
        return None
    gaps = [abs(100 * theirs.get(k, 0) / total_theirs - 100 * ours.get(k, 0) / total_ours)
            for k in set(theirs) | set(ours)]
    return float(round(max(gaps), 2))


def _open(target: Target, options: ScanOptions, row: dict[str, Any], previous: Previous | None,
          client: GitHubClient | None) -> Source:
    """The source of ``target`` at the wanted commit, with ``row`` filled (kind, ref, commit, and
    GitHub's metadata). A GitHub repository is fetched only if its content is read."""
    if target.spec.kind == "github-owner":
        raise SourceError(f"{target.spec.text} names a whole owner: expand it first (census.expand)")
    if target.spec.kind == "github":
        clone = _local_clone(options, target, row)
        if clone is None:
            return _github(target, options, row, previous, client or GitHubClient(options.github))
        source: Source = clone
    else:
        source = open_source(target.spec, worktree=options.worktree)
        if isinstance(source, GitSource):
            if source.commit is None:
                raise EmptyRepositoryError("empty repository (no commits)")
            source = _at_commit(source, options.at)
        elif options.at is not None:
            raise SourceError(f"--at needs history: {target.spec.text} is a {source.kind}, not a git repository")
        row["kind"] = source.kind
    row["commit"] = source.commit
    row["ref"] = row.get("ref") or source.ref
    return source


class _Fetch(Source):
    """A GitHub commit whose content is fetched only when first read."""

    kind = "github"

    def __init__(self, client: GitHubClient, clone_url: str, commit: str) -> None:
        self.client, self.clone_url, self.commit = client, clone_url, commit
        self._inner: Source | None = None

    def _source(self) -> Source:
        if self._inner is None:
            self._inner = self.client.fetch(self.clone_url, self.commit or "")
        return self._inner

    def entries(self) -> Iterator[Entry]:
        return self._source().entries()

    def read(self, entries: Iterable[Entry], limit: int) -> Iterator[Content]:
        return self._source().read(entries, limit)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


def _github(target: Target, options: ScanOptions, row: dict[str, Any], previous: Previous | None,
            client: GitHubClient) -> Source:
    row["kind"] = "github"
    old = previous.repo if previous else {}
    etags = json.loads(old["etags"]) if old.get("etags") else {}
    # One request at a time, each recorded as it comes: an empty or blocked repository still has a name.
    meta, repo_etag = client.repository(target.spec.location, etags.get("repo"))
    if meta is not None:
        row.update(canonical=meta.full_name, github_id=meta.id, default_branch=meta.default_branch,
                   stars=meta.stars, archived=meta.archived, fork=meta.fork, pushed_at=meta.pushed_at,
                   clone_url=meta.clone_url)
    else:  # not modified since the previous snapshot
        for key in ("canonical", "github_id", "default_branch", "stars", "archived", "fork", "pushed_at",
                    "clone_url"):
            row[key] = old.get(key)
    canonical = row.get("canonical") or target.spec.location
    at = options.at
    row["ref"] = (at.ref if at and at.ref else None) or target.spec.ref or row.get("default_branch") or "HEAD"
    found = {"repo": repo_etag, "ref": row["ref"]}
    row["etags"] = json.dumps({k: v for k, v in found.items() if v}, sort_keys=True)
    if at is not None and at.ref is None:
        row["commit"] = client.commit_at(canonical, row["ref"], at.when)  # one request
        if row["commit"] is None:
            raise AbsentError(f"no commit on or before {at.text}")
    else:
        same_ref = etags.get("ref") == row["ref"]
        commit, found["commit"] = client.commit(canonical, row["ref"], etags.get("commit") if same_ref else None)
        row["commit"] = commit or (old.get("commit") if same_ref else None)
    if at is None:  # GitHub's own figures describe today, not the past
        figures, found["languages"] = client.languages(canonical, etags.get("languages"))
        row["github_languages"] = languages_json(figures) if figures is not None else old.get("github_languages")
    row["etags"] = json.dumps({k: v for k, v in found.items() if v}, sort_keys=True)
    if row["commit"] is None:
        raise SourceError(f"GitHub gave no commit for {target.spec.location}@{row['ref']}")
    if not row.get("clone_url"):
        raise SourceError(f"GitHub gave no clone URL for {target.spec.location}")
    return _Fetch(client, row["clone_url"], row["commit"])


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


def _scan_source(source: Source, target: Target, on_files: FileCallback | None, *,
                 lines: bool = True, known: pl.DataFrame | None = None) -> pl.DataFrame:
    entries = list(source.entries())
    attr_entries = [e for e in entries if e.kind == "file" and
                    (e.path == ".gitattributes" or e.path.endswith("/.gitattributes"))]
    reusable = _known_rows(known, attr_entries)
    attr_texts = {c.entry.path: c.prefix.decode("utf-8", "replace")
                  for c in source.read(attr_entries, 1 << 20) if c.prefix is not None}
    attributes = GitAttributes(attr_texts, wanted=LINGUIST_ATTRIBUTES)

    def vendored_manifest(path: str) -> bool:
        value = attributes.lookup(path).get("linguist-vendored")
        if value is not None:
            return value is not False and value != "false"
        return languages.is_vendored(path)

    components = Components.build(target.components, (e.path for e in entries if e.kind == "file"),
                                  vendored_manifest)
    rows = _Rows()
    commit = source.commit
    base = (target.project, target.name, commit)

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
        old = reusable.get((entry.path, entry.oid or ""))
        if old is None:
            to_read.append(entry)
        else:  # the same blob at the same path: its classification and line counts still hold
            old.update(project=target.project, repo=target.name, commit=commit, component=components(entry.path))
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
            self._chunks.append(pl.DataFrame(self._rows, schema=FILES_SCHEMA, orient="row"))
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
             "blanks": [c.blanks for c in counts.values()], "_counted": [True] * len(counts)},
            schema={"_i": pl.UInt32, "lines": pl.Int64, "code": pl.Int64, "comments": pl.Int64, "blanks": pl.Int64,
                    "_counted": pl.Boolean})
        merged = files.with_row_index("_i").join(table, on="_i", how="left", maintain_order="left", suffix="_new")
        # Files counted now take the new figures; reused rows keep theirs.
        return merged.with_columns(
            [pl.when(pl.col("_counted")).then(pl.col(f"{m}_new")).otherwise(pl.col(m)).alias(m) for m in measures]
        ).select(list(FILES_SCHEMA))


def _row(base: tuple[Any, ...], entry: Entry, component: str, result: Any, note: str | None) -> list[Any]:
    project, repo, commit = base
    raw = None if entry.utf8_path else entry.raw_path  # the exact bytes, when ``path`` had to escape some
    if result is None:
        return [project, repo, commit, entry.path, component, None, None, None,
                entry.size if entry.kind == "file" else None, None, None, None, None,
                False, False, False, False, False, entry.kind, False, entry.oid, note, raw]
    return [project, repo, commit, entry.path, component, result.language, result.group, result.type,
            entry.size, None, None, None, None, result.vendored, result.generated, result.documentation,
            result.binary, result.counted, entry.kind, result.lfs, entry.oid, note, raw]


ProgressHook = Callable[[str, Any], None]
PreviousLookup = Callable[[Target], "Previous | None"]


def expand(targets: Sequence[Target], client: GitHubClient | None) -> tuple[list[Target], list[RepoResult]]:
    """Replace each ``github:OWNER`` target by its repositories (filtered, sorted by name).
    An owner that cannot be listed becomes one result row saying why."""
    out: list[Target] = []
    failures: list[RepoResult] = []
    for target in targets:
        if target.spec.kind != "github-owner":
            out.append(target)
            continue
        assert client is not None
        try:
            metas = client.owner_repos(target.spec.location, target.filters or OwnerFilters())
        except SourceError as exc:
            row = _base_row(target)
            row.update(status=exc.status, error=str(exc), kind="github")
            failures.append(RepoResult(row))
            continue
        for meta in metas:
            spec = RepoSpec(f"github:{meta.full_name}", "github", meta.full_name, None, meta.full_name)
            out.append(Target(target.project, spec, meta.full_name, target.components))
    return out, failures


def _deduplicate(results: list[RepoResult]) -> list[RepoResult]:
    """One row per GitHub repository and project: a renamed or transferred repository named twice
    (old and new name, or once through its owner) is scanned once; later mentions say so."""
    seen: dict[tuple[str, int | None], str] = {}
    out = []
    for result in results:
        row = result.repo
        key = (row["project"], row.get("github_id"))
        if row.get("github_id") is not None and key in seen:
            row = {**row, "status": "skipped", "error": f"same repository as {seen[key]}", "files": 0,
                   "bytes": 0, "counted_bytes": 0}
            out.append(RepoResult(row))
            continue
        if row.get("github_id") is not None:
            seen[key] = row["repo"]
        out.append(result)
    return out


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during a scan: ``finished`` repositories are saved for the next run."""

    def __init__(self, finished: int, total: int) -> None:
        super().__init__(f"interrupted after {finished} of {total} repositories")
        self.finished, self.total = finished, total


def run(targets: Sequence[Target], options: ScanOptions = ScanOptions(), progress: ProgressHook | None = None,
        previous: PreviousLookup | None = None, client: GitHubClient | None = None,
        checkpoint: Checkpoint | None = None) -> list[RepoResult]:
    """Scan every target (``options.jobs`` at a time); results in the targets' order. With a
    ``checkpoint``, repositories it already holds are taken from it and each new one is saved to
    it as soon as it is done."""
    if client is None and any(t.spec.kind.startswith("github") for t in targets):
        client = GitHubClient(options.github)
    targets, failures = expand(targets, client)
    if progress:
        progress("total", len(targets) + len(failures))
        for failure in failures:
            progress("done", failure)
    stop = threading.Event()
    finished = [0]

    def one(target: Target) -> RepoResult:
        key = target_key(target.project, target.spec.text, target.name)
        saved = checkpoint.load(key) if checkpoint else None
        if saved is not None:
            result = RepoResult(*saved)
        else:
            if stop.is_set():
                raise KeyboardInterrupt
            if progress:
                progress("start", target)
            result = scan_repo(target, options, previous=previous(target) if previous else None, client=client,
                               on_files=(lambda n: progress("files", n)) if progress else None)
            if checkpoint and result.repo["status"] != "deferred":  # deferred ones are for the next run
                checkpoint.save(key, result.repo, result.files)
        finished[0] += 1
        if progress:
            progress("done", result)
        return result

    try:
        if options.jobs <= 1 or len(targets) <= 1:
            results = [one(t) for t in targets]
        else:
            pool = ThreadPoolExecutor(max_workers=options.jobs)
            try:
                results = list(pool.map(one, targets))
            finally:
                stop.set()
                pool.shutdown(wait=True, cancel_futures=True)  # repositories under way finish and are saved
    except KeyboardInterrupt:
        stop.set()
        raise Interrupted(finished[0], len(targets)) from None
    return failures + _deduplicate(results)


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


def lookup_in(snapshot: Snapshot, options: ScanOptions) -> PreviousLookup | None:
    """Rows of ``snapshot`` offered for reuse, by project and repository: only when it was made by
    this census with the same language data and the same line counting."""
    if not options.reuse or options.worktree:
        return None
    try:
        if snapshot.manifest.get("tool", {}).get("version") != __version__ or \
                snapshot.manifest.get("language_data") != languages.data_version() or \
                bool((snapshot.manifest.get("options") or {}).get("lines")) != options.lines:
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
        "targets": [[t.project, t.spec.text, t.spec.location, t.spec.ref, t.name, _components_text(t.components),
                     repr(t.filters)] for t in targets],
        "options": {"worktree": options.worktree, "lines": options.lines, "reuse": options.reuse,
                    "api_url": options.github.api_url, "clones": options.clones,
                    "at": options.at.text if options.at else None},
    }


def scan(targets: Sequence[Target], *, out: str = "output", options: ScanOptions = ScanOptions(),
         label: str | None = None, config: dict[str, Any] | None = None,
         progress: ProgressHook | None = None, client: GitHubClient | None = None,
         request: dict[str, Any] | None = None, resume: bool = True,
         previous: PreviousLookup | None = None) -> Snapshot:
    """Scan ``targets`` and write one snapshot under ``out/snapshots/``; return it.

    Each finished repository is saved under ``out/.census-work/`` first: if the scan is killed, the
    same call (same ``request``, by default the targets and options) continues where it stopped.
    ``resume=False`` starts afresh."""
    if not targets:
        raise InputError("nothing to scan: give a config with repositories or --repo")
    checkpoint = Checkpoint.open(out, {**(request or describe(targets, options)), "label": label}, fresh=not resume)
    lookup = previous if previous is not None else previous_lookup(out, options)
    results = run(targets, options, progress, lookup, client, checkpoint)
    repos, files, table = assemble(results)
    manifest_options = {"worktree": options.worktree, "jobs": options.jobs, "label": label,
                        "lines": options.lines, "clones": options.clones,
                        "at": options.at.text if options.at else None,
                        "api_url": options.github.api_url, "max_wait": options.github.max_wait,
                        "reuse": options.reuse}
    described = options.at.when if options.at is not None else None
    snapshot = write_snapshot(out, repos=repos, files=files, breakdown=table, label=label,
                              config=config, options=manifest_options, described_at=described)
    checkpoint.discard()
    return snapshot


def backfill(targets: Sequence[Target], days: Sequence[date], *, out: str = "output",
             options: ScanOptions = ScanOptions(), config: dict[str, Any] | None = None,
             progress: ProgressHook | None = None, client: GitHubClient | None = None,
             on_snapshot: Callable[[date, Snapshot, bool], None] | None = None) -> list[Snapshot]:
    """One snapshot per day of ``days`` (oldest first), each describing the repositories as they were
    at the end of that day. A snapshot already made for a day (same targets) is kept, so a backfill
    can be extended or resumed; each scan reuses the rows of the day before for unchanged blobs."""
    existing: dict[str, Snapshot] = {}
    for path in snapshot_dirs(out):
        try:
            snap = open_snapshot(path)
        except CensusError:
            continue
        at = (snap.manifest.get("options") or {}).get("at")
        if at and snap.manifest.get("config") == config:
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
                        progress=progress, client=client, previous=lookup)
        else:
            snap = found
        if on_snapshot:
            on_snapshot(day, snap, reused)
        made.append(snap)
        before = snap
    return made
