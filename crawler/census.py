"""The census of one repository, and of a list of them.

``scan_repo`` is a pure step from (target, options) to one ``repos`` row and per-file rows: it
reads nothing but its source and writes nothing, so a project list can be spread over many
machines and the results concatenated. ``scan`` runs it over a list (threads, bounded by
``jobs``), derives the breakdown and writes a snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from crawler import languages
from crawler.aggregate import breakdown
from crawler.classify import LINGUIST_ATTRIBUTES, classify
from crawler.components import Components, ComponentSetting
from crawler.errors import CensusError, InputError
from crawler.gitattributes import GitAttributes
from crawler.snapshot import FILES_SCHEMA, REPOS_SCHEMA, Snapshot, write_snapshot
from crawler.sources import Entry, Source, open_source
from crawler.specs import RepoSpec

FileCallback = Callable[[int], None]


@dataclass(frozen=True)
class Target:
    """One repository to scan, as a project list names it."""

    project: str
    spec: RepoSpec
    name: str
    components: ComponentSetting = "auto"


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: ``worktree`` reads files on disk instead of the committed tree."""

    worktree: bool = False
    jobs: int = 4


@dataclass(frozen=True)
class RepoResult:
    """The census of one repository: its ``repos.parquet`` row and its ``files.parquet`` rows."""

    repo: dict[str, Any]
    files: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FILES_SCHEMA))


def _components_text(setting: ComponentSetting) -> str:
    if isinstance(setting, str):
        return setting
    return ", ".join(f"{k}={v}" for k, v in setting.items())


def scan_repo(target: Target, options: ScanOptions = ScanOptions(),
              on_files: FileCallback | None = None) -> RepoResult:
    """Scan one repository. Never raises for a repository problem: the row says ``failed``."""
    started = time.monotonic()
    row: dict[str, Any] = {
        "project": target.project, "repo": target.name, "source": target.spec.text,
        "ref": target.spec.ref, "commit": None, "status": "ok", "error": None, "files": 0,
        "bytes": 0, "counted_bytes": 0, "kind": None, "components": _components_text(target.components),
        "scanned_at": datetime.now(UTC), "duration_s": 0.0,
    }
    try:
        with open_source(target.spec, worktree=options.worktree) as source:
            row["kind"], row["commit"], row["ref"] = source.kind, source.commit, source.ref
            if source.kind == "git" and source.commit is None:
                row["status"], row["error"] = "empty", "empty repository (no commits)"
                files = pl.DataFrame(schema=FILES_SCHEMA)
            else:
                files = _scan_source(source, target, on_files)
    except CensusError as exc:
        row["status"], row["error"] = "failed", str(exc)
        files = pl.DataFrame(schema=FILES_SCHEMA)
    except OSError as exc:  # the disk, not the repository: still this repository's failure
        row["status"], row["error"] = "failed", f"{exc.strerror or exc}"
        files = pl.DataFrame(schema=FILES_SCHEMA)
    regular = files.filter(pl.col("kind") == "file")
    row["files"] = regular.height
    row["bytes"] = int(regular["bytes"].sum() or 0)
    row["counted_bytes"] = int(files.filter(pl.col("counted"))["bytes"].sum() or 0)
    row["duration_s"] = round(time.monotonic() - started, 3)
    return RepoResult(row, files)


def _scan_source(source: Source, target: Target, on_files: FileCallback | None) -> pl.DataFrame:
    entries = list(source.entries())
    attr_entries = [e for e in entries if e.kind == "file" and
                    (e.path == ".gitattributes" or e.path.endswith("/.gitattributes"))]
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
    rows: list[tuple[Any, ...]] = []
    commit = source.commit
    base = (target.project, target.name, commit)

    for entry in entries:
        if entry.kind != "file":
            note = ("symlink: skipped, as Linguist does" if entry.kind == "symlink"
                    else "submodule: skipped")
            rows.append(_row(base, entry, components(entry.path), None, note))
    pending = 0
    for content in source.read((e for e in entries if e.kind == "file"), languages.CONTENT_PREFIX):
        entry = content.entry
        notes = [] if entry.utf8_path else ["path is not valid UTF-8"]
        if content.prefix is None:
            notes.append(content.error or "unreadable")
            rows.append(_row(base, entry, components(entry.path), None, "; ".join(notes)))
        else:
            result = classify(entry.path, content.prefix, attributes.lookup(entry.path))
            if result.lfs:
                notes.append("Git LFS pointer: counted as the pointer file, as Linguist does")
            rows.append(_row(base, entry, components(entry.path), result, "; ".join(notes) or None))
        pending += 1
        if on_files and pending >= 200:
            on_files(pending)
            pending = 0
    if on_files and pending:
        on_files(pending)
    return pl.DataFrame(rows, schema=FILES_SCHEMA, orient="row")


def _row(base: tuple[Any, ...], entry: Entry, component: str, result: Any, note: str | None) -> tuple[Any, ...]:
    project, repo, commit = base
    if result is None:
        return (project, repo, commit, entry.path, component, None, None, None,
                entry.size if entry.kind == "file" else None, None, None, None, None,
                False, False, False, False, False, entry.kind, False, entry.oid, note)
    return (project, repo, commit, entry.path, component, result.language, result.group, result.type,
            entry.size, None, None, None, None, result.vendored, result.generated, result.documentation,
            result.binary, result.counted, entry.kind, result.lfs, entry.oid, note)


ProgressHook = Callable[[str, Any], None]


def run(targets: Sequence[Target], options: ScanOptions = ScanOptions(),
        progress: ProgressHook | None = None) -> list[RepoResult]:
    """Scan every target (``options.jobs`` at a time); results in the targets' order."""
    def one(target: Target) -> RepoResult:
        if progress:
            progress("start", target)
        result = scan_repo(target, options, (lambda n: progress("files", n)) if progress else None)
        if progress:
            progress("done", result)
        return result

    if options.jobs <= 1 or len(targets) <= 1:
        return [one(t) for t in targets]
    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        return list(pool.map(one, targets))


def assemble(results: Iterable[RepoResult]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(repos, files, breakdown) frames from per-repository results."""
    results = list(results)
    repos = pl.DataFrame([r.repo for r in results], schema=REPOS_SCHEMA) if results else \
        pl.DataFrame(schema=REPOS_SCHEMA)
    files = pl.concat([r.files for r in results], how="vertical") if results else \
        pl.DataFrame(schema=FILES_SCHEMA)
    return repos, files, breakdown(files)


def scan(targets: Sequence[Target], *, out: str = "output", options: ScanOptions = ScanOptions(),
         label: str | None = None, config: dict[str, Any] | None = None,
         progress: ProgressHook | None = None) -> Snapshot:
    """Scan ``targets`` and write one snapshot under ``out/snapshots/``; return it."""
    if not targets:
        raise InputError("nothing to scan: give a config with repositories or --repo")
    results = run(targets, options, progress)
    repos, files, table = assemble(results)
    manifest_options = {"worktree": options.worktree, "jobs": options.jobs, "label": label}
    return write_snapshot(out, repos=repos, files=files, breakdown=table, label=label,
                          config=config, options=manifest_options)
