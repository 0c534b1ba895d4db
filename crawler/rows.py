"""The ``repos.parquet`` row of one repository, built in one place from what was resolved and read.

Every path that ends a repository's census — scanned, reused, failed, deferred, skipped as a
duplicate — goes through ``repo_row``, so the row's columns are listed once (``REPOS_SCHEMA``)
and filled the same way whatever the source.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import polars as pl

from crawler.schema import FILES_SCHEMA, REPOS_SCHEMA
from crawler.values import ComponentSetting, GitHubMeta, RepoResult, Resolution, Status, Target


def components_text(setting: ComponentSetting) -> str:
    if isinstance(setting, str):
        return setting
    return ", ".join(f"{k}={v}" for k, v in setting.items())


def _meta_columns(meta: GitHubMeta) -> dict[str, Any]:
    return {"canonical": meta.full_name, "github_id": meta.id, "default_branch": meta.default_branch,
            "stars": meta.stars, "archived": meta.archived, "fork": meta.fork, "pushed_at": meta.pushed_at,
            "clone_url": meta.clone_url, "created_at": meta.created_at, "topics": list(meta.topics),
            "primary_language": meta.language}


def meta_of_row(row: Mapping[str, Any]) -> GitHubMeta | None:
    """The GitHub metadata a repos row recorded (None when it has none)."""
    if row.get("canonical") is None or row.get("github_id") is None or not row.get("clone_url"):
        return None
    return GitHubMeta(str(row["canonical"]), int(row["github_id"]), str(row.get("default_branch") or "main"),
                      int(row.get("stars") or 0), bool(row.get("archived")), bool(row.get("fork")),
                      row.get("pushed_at"), str(row["clone_url"]), row.get("created_at"),
                      tuple(row.get("topics") or ()), row.get("primary_language"))


def cross_check(github_languages: str | None, files: pl.DataFrame) -> float | None:
    """The largest gap, in percentage points, between a language's share by GitHub's own
    ``/languages`` figures and by census (counted bytes by group): 0 when they agree."""
    if not github_languages or files.is_empty():
        return None
    try:
        theirs = {str(k): int(v) for k, v in json.loads(github_languages).items()}
    except (ValueError, TypeError, AttributeError):
        return None
    ours_frame = files.filter(pl.col("counted")).group_by("group").agg(pl.col("bytes").sum())
    ours = dict(zip(ours_frame["group"], ours_frame["bytes"], strict=True))
    total_theirs, total_ours = sum(theirs.values()), sum(ours.values())
    if not total_theirs or not total_ours:
        return None
    gaps = [abs(100 * theirs.get(k, 0) / total_theirs - 100 * ours.get(k, 0) / total_ours)
            for k in set(theirs) | set(ours)]
    return float(round(max(gaps), 2))


def repo_row(target: Target, resolution: Resolution | None, *, status: Status = Status.OK,
             error: str | None = None, files: pl.DataFrame | None = None, commit: str | None = None,
             duration_s: float = 0.0, scanned_at: datetime | None = None) -> dict[str, Any]:
    """The repos row of ``target``: its names, what ``resolution`` says of it, totals of ``files``."""
    row: dict[str, Any] = {name: None for name in REPOS_SCHEMA}
    row.update(project=target.project, repo=target.name, source=target.spec.text, ref=target.spec.ref,
               status=str(status), error=error, components=components_text(target.components),
               scanned_at=scanned_at or datetime.now(UTC), duration_s=round(duration_s, 3))
    if resolution is not None:
        row.update(kind=resolution.kind, ref=resolution.ref or target.spec.ref, commit=resolution.commit,
                   github_languages=resolution.languages, etags=resolution.etags, note=resolution.note,
                   clone_path=resolution.clone_path, found_by=resolution.found_by)
        if resolution.github is not None:
            row.update(_meta_columns(resolution.github))
        elif resolution.kind == "clone":
            row["canonical"] = target.spec.location
    elif target.spec.kind.startswith("github"):
        row["kind"] = "github"
    if commit is not None:
        row["commit"] = commit
    frame = files if files is not None else pl.DataFrame(schema=FILES_SCHEMA)
    regular = frame.filter(pl.col("kind") == "file")
    unreadable = regular.filter(pl.col("bytes").is_null()).height
    if unreadable and row["error"] is None:
        row["error"] = (f"{unreadable} file(s) could not be read (missing objects in a partial or damaged "
                        "clone): see their notes in files.parquet; the rest is counted")
    row["files"] = regular.height
    row["bytes"] = int(regular["bytes"].sum() or 0)
    row["counted_bytes"] = int(frame.filter(pl.col("counted"))["bytes"].sum() or 0)
    row["github_diff_pp"] = cross_check(row.get("github_languages"), frame)
    return row


def result_of(target: Target, resolution: Resolution | None, status: Status, error: str | None) -> RepoResult:
    """A result with no files: a repository that was not read (failed, deferred, skipped …)."""
    return RepoResult(repo_row(target, resolution, status=status, error=error))
