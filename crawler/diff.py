"""Two snapshots → what moved, by project, repository, component and language.

One row per (project, repo, component, language) present in either snapshot's breakdown::

    change      added | removed | changed | reclassified | unchanged
    bytes_*     old, new, delta;      share_* old, new (fractions) and share_delta_pp (points)
    files_*, code_*, commit_*         old and new (null where a side is missing)
    bytes_reclassified                the part of the delta due to files whose content did not change
    repo_change, component_change     added | removed | kept: the repository or component as a whole

A *reclassification* is a file with the same path and the same blob in both snapshots whose
language, flags or component differ (new language data, a new ``.gitattributes``, other
component settings). A row whose whole byte change comes from such files is ``reclassified``,
not ``changed``: the code did not move, its label did.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from crawler.snapshot import Snapshot

KEYS = ["project", "repo", "component", "language"]
COLUMNS = [
    *KEYS, "change", "bytes_old", "bytes_new", "bytes_delta", "bytes_reclassified", "share_old", "share_new",
    "share_delta_pp", "files_old", "files_new", "code_old", "code_new", "commit_old", "commit_new",
    "repo_change", "component_change",
]


@dataclass(frozen=True)
class DiffNotes:
    """What a reader of a diff must know about the two snapshots before trusting its rows."""

    warnings: tuple[str, ...]


def _reclassified(old_files: pl.DataFrame, new_files: pl.DataFrame) -> pl.DataFrame:
    """Net counted bytes moved by reclassified files, per (project, repo, component, language)."""
    cols = ["project", "repo", "path", "oid", "bytes", "counted", "group", "component"]
    old = old_files.select(cols).filter(pl.col("oid").is_not_null())
    new = new_files.select(cols).filter(pl.col("oid").is_not_null())
    same = old.join(new, on=["project", "repo", "path", "oid"], suffix="_new")
    moved = same.filter((pl.col("counted") != pl.col("counted_new"))
                        | (pl.col("counted") & (pl.col("group").fill_null("") != pl.col("group_new").fill_null("")))
                        | (pl.col("counted") & (pl.col("component") != pl.col("component_new"))))
    gained = moved.filter(pl.col("counted_new")).select(
        "project", "repo", pl.col("component_new").alias("component"), pl.col("group_new").alias("language"),
        pl.col("bytes_new").alias("moved"))
    lost = moved.filter(pl.col("counted")).select(
        "project", "repo", "component", pl.col("group").alias("language"), (-pl.col("bytes")).alias("moved"))
    both = pl.concat([gained, lost])
    return both.group_by(KEYS).agg(pl.col("moved").sum().alias("bytes_reclassified"))


def diff(old: Snapshot, new: Snapshot, *, min_change: float = 0.0) -> pl.DataFrame:
    """The rows described above, biggest change first; ``min_change`` (percentage points) hides
    rows whose share moved less."""
    side = ["bytes", "share", "files", "code", "commit"]
    a = old.breakdown.select([*KEYS, *side]).rename({c: f"{c}_old" for c in side})
    b = new.breakdown.select([*KEYS, *side]).rename({c: f"{c}_new" for c in side})
    rows = a.join(b, on=KEYS, how="full", coalesce=True)

    # Commits come from the repository rows, so a language present on one side only still shows both.
    commits_old = old.repos.select("project", "repo", pl.col("commit").alias("repo_commit_old"))
    commits_new = new.repos.select("project", "repo", pl.col("commit").alias("repo_commit_new"))
    rows = (rows.join(commits_old.unique(["project", "repo"]), on=["project", "repo"], how="left")
            .join(commits_new.unique(["project", "repo"]), on=["project", "repo"], how="left")
            .with_columns(pl.coalesce("commit_old", "repo_commit_old").alias("commit_old"),
                          pl.coalesce("commit_new", "repo_commit_new").alias("commit_new")))

    moved = _reclassified(old.files, new.files)
    rows = rows.join(moved, on=KEYS, how="left").with_columns(pl.col("bytes_reclassified").fill_null(0))

    rows = _presence(rows, old.repos, new.repos, ["project", "repo"], "repo_change")
    rows = _presence(rows, old.breakdown, new.breakdown, ["project", "repo", "component"], "component_change")
    rows = rows.with_columns(
        (pl.col("bytes_new").fill_null(0) - pl.col("bytes_old").fill_null(0)).alias("bytes_delta"),
        ((pl.col("share_new").fill_null(0.0) - pl.col("share_old").fill_null(0.0)) * 100).alias("share_delta_pp"),
    )
    content = pl.col("bytes_delta") - pl.col("bytes_reclassified")
    rows = rows.with_columns(
        pl.when((pl.col("bytes_reclassified") != 0) & (content == 0)).then(pl.lit("reclassified"))
        .when(pl.col("bytes_old").is_null()).then(pl.lit("added"))
        .when(pl.col("bytes_new").is_null()).then(pl.lit("removed"))
        .when((pl.col("bytes_delta") == 0) & (pl.col("files_old") == pl.col("files_new"))).then(pl.lit("unchanged"))
        .otherwise(pl.lit("changed")).alias("change"),
    )
    if min_change > 0:
        rows = rows.filter(pl.col("share_delta_pp").abs() >= min_change)
    return (rows.with_columns(pl.col("share_delta_pp").abs().alias("_size"), pl.col("bytes_delta").abs().alias("_b"))
            .sort(["_size", "_b", *KEYS], descending=[True, True, False, False, False, False])
            .select(COLUMNS))


def _presence(rows: pl.DataFrame, before: pl.DataFrame, after: pl.DataFrame, keys: list[str],
              name: str) -> pl.DataFrame:
    """``name``: whether the thing identified by ``keys`` was added, removed or kept."""
    a = before.select(keys).unique().with_columns(pl.lit(True).alias("_in_old"))
    b = after.select(keys).unique().with_columns(pl.lit(True).alias("_in_new"))
    rows = rows.join(a, on=keys, how="left").join(b, on=keys, how="left")
    return rows.with_columns(
        pl.when(pl.col("_in_old").is_null()).then(pl.lit("added"))
        .when(pl.col("_in_new").is_null()).then(pl.lit("removed"))
        .otherwise(pl.lit("kept")).alias(name)
    ).drop("_in_old", "_in_new")


def notes(old: Snapshot, new: Snapshot) -> DiffNotes:
    """Warnings: different language data or census versions, changed component settings."""
    warnings = []
    old_data, new_data = old.manifest.get("language_data"), new.manifest.get("language_data")
    if old_data != new_data:
        warnings.append(f"the snapshots use different language data ({_describe(old_data)} → {_describe(new_data)}): "
                        "rows marked 'reclassified' may come from it")
    old_tool = (old.manifest.get("tool") or {}).get("version")
    new_tool = (new.manifest.get("tool") or {}).get("version")
    if old_tool != new_tool:
        warnings.append(f"the snapshots were made by different census versions ({old_tool} → {new_tool})")
    settings = old.repos.select("project", "repo", pl.col("components").alias("before")).join(
        new.repos.select("project", "repo", pl.col("components").alias("after")), on=["project", "repo"])
    for project, repo, before, after in settings.filter(pl.col("before") != pl.col("after")).iter_rows():
        warnings.append(f"components of {project} / {repo} changed from '{before}' to '{after}': "
                        "its component rows compare different cuts")
    return DiffNotes(tuple(warnings))


def _describe(data: object) -> str:
    if isinstance(data, dict):
        return str(data.get("linguist") or data.get("detector") or data)
    return str(data)
