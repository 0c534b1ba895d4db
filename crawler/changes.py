"""Two snapshots → what moved, at the level asked for: project, repository, component or language.

One row per (level's keys, language) present in either snapshot::

    change      added | removed | changed | reclassified | unchanged | not compared
    bytes_*     old, new, delta;      share_* old, new (fractions) and share_delta_pp (points)
    files_*, code_*, commit_*         old and new (null where a side is missing)
    bytes_reclassified                the part of the delta due to files whose content did not change
    repo_change, component_change     added | removed | kept | not compared: the repository or
                                      component as a whole (null above that level)

A *reclassification* is a file with the same path and the same blob in both snapshots whose
language, flags or component differ (new language data, a new ``.gitattributes``, other
component settings). A row whose whole byte change comes from such files is ``reclassified``,
not ``changed``: the code did not move, its label did.

A repository that failed, was deferred or was not scanned on either side is *not compared*: its
rows say so, with no delta, and it is left out of every total above it (a project's shares are
those of its repositories compared on both sides). Missing data is never a removal or a zero.
Rows are ordered by the absolute byte change, biggest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from crawler.snapshot import Snapshot
from crawler.values import COUNTED

KEYS = ["project", "repo", "component", "language"]
LEVELS: dict[str, list[str]] = {"project": ["project"], "repo": ["project", "repo"],
                                "component": ["project", "repo", "component"], "language": []}
COLUMNS = [
    *KEYS, "change", "bytes_old", "bytes_new", "bytes_delta", "bytes_reclassified", "share_old", "share_new",
    "share_delta_pp", "files_old", "files_new", "code_old", "code_new", "commit_old", "commit_new",
    "repo_change", "component_change",
]
NOT_COMPARED = "not compared"
_OK = sorted(COUNTED)


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


def _repos(old: Snapshot, new: Snapshot) -> pl.DataFrame:
    """(project, repo) of either side: its commits and whether it is compared, added or removed."""
    a = old.repos.select("project", "repo", pl.col("commit").alias("commit_old"),
                         pl.col("status").alias("status_old")).unique(["project", "repo"])
    b = new.repos.select("project", "repo", pl.col("commit").alias("commit_new"),
                         pl.col("status").alias("status_new")).unique(["project", "repo"])
    both = a.join(b, on=["project", "repo"], how="full", coalesce=True)
    counted_old, counted_new = pl.col("status_old").is_in(_OK), pl.col("status_new").is_in(_OK)
    return both.with_columns(
        pl.when(pl.col("status_old").is_null() & counted_new).then(pl.lit("added"))
        .when(pl.col("status_new").is_null() & counted_old).then(pl.lit("removed"))
        .when(counted_old & counted_new).then(pl.lit("kept"))
        .otherwise(pl.lit(NOT_COMPARED)).alias("repo_change"))


def _components(old: Snapshot, new: Snapshot) -> pl.DataFrame:
    keys = ["project", "repo", "component"]
    a = old.breakdown.select(keys).unique().with_columns(pl.lit(True).alias("_in_old"))
    b = new.breakdown.select(keys).unique().with_columns(pl.lit(True).alias("_in_new"))
    return a.join(b, on=keys, how="full", coalesce=True).with_columns(
        pl.when(pl.col("_in_old").is_null()).then(pl.lit("added"))
        .when(pl.col("_in_new").is_null()).then(pl.lit("removed"))
        .otherwise(pl.lit("kept")).alias("component_change")).drop("_in_old", "_in_new")


def _sum_or_null(column: str) -> pl.Expr:
    return pl.when(pl.col(column).is_null().all()).then(None).otherwise(pl.col(column).sum()).alias(column)


def diff(old: Snapshot, new: Snapshot, *, by: str = "component", min_change: float = 0.0) -> pl.DataFrame:
    """The rows described above at level ``by``, biggest byte change first; ``min_change``
    (percentage points) hides rows whose share moved less."""
    if by not in LEVELS:
        raise ValueError(f"by must be one of {', '.join(LEVELS)}, not {by!r}")
    side = ["bytes", "files", "code"]
    a = old.breakdown.select([*KEYS, *side]).rename({c: f"{c}_old" for c in side})
    b = new.breakdown.select([*KEYS, *side]).rename({c: f"{c}_new" for c in side})
    rows = a.join(b, on=KEYS, how="full", coalesce=True)
    rows = rows.join(_reclassified(old.files, new.files), on=KEYS, how="left").with_columns(
        pl.col("bytes_reclassified").fill_null(0))
    repos = _repos(old, new)
    rows = rows.join(repos.select("project", "repo", "repo_change"), on=["project", "repo"], how="left")
    rows = rows.join(_components(old, new), on=["project", "repo", "component"], how="left")

    level = LEVELS[by]
    compared = pl.col("repo_change") != NOT_COMPARED
    apart = rows.filter(~compared)  # repositories not compared keep their own rows, at any level
    rows = rows.filter(compared)
    measures = ["bytes_old", "bytes_new", "files_old", "files_new", "code_old", "code_new"]
    if by != "component":
        keys = [*level, "language"]
        rows = rows.group_by(keys).agg(
            *[_sum_or_null(m) for m in measures], pl.col("bytes_reclassified").sum(),
            pl.col("repo_change").unique().alias("_repo_changes"),
            pl.col("component_change").unique().alias("_component_changes"))
        rows = rows.with_columns(
            *(_only(f"_{name}s", name) if name in _kept_levels(by) else pl.lit(None, pl.String).alias(name)
              for name in ("repo_change", "component_change"))).drop("_repo_changes", "_component_changes")
        apart = apart.group_by(["project", "repo", "language"]).agg(
            *[_sum_or_null(m) for m in measures], pl.col("bytes_reclassified").sum()).with_columns(
            pl.lit(NOT_COMPARED).alias("repo_change"), pl.lit(None, pl.String).alias("component_change"))
    totals = [pl.col(f"bytes_{s}").sum().over(level) if level else pl.col(f"bytes_{s}").sum() for s in ("old", "new")]
    rows = rows.with_columns(
        pl.when(totals[0] > 0).then(pl.col("bytes_old") / totals[0]).otherwise(None).alias("share_old"),
        pl.when(totals[1] > 0).then(pl.col("bytes_new") / totals[1]).otherwise(None).alias("share_new"),
        (pl.col("bytes_new").fill_null(0) - pl.col("bytes_old").fill_null(0)).alias("bytes_delta"),
    ).with_columns(
        ((pl.col("share_new").fill_null(0.0) - pl.col("share_old").fill_null(0.0)) * 100).alias("share_delta_pp"))
    content = pl.col("bytes_delta") - pl.col("bytes_reclassified")
    rows = rows.with_columns(
        pl.when((pl.col("bytes_reclassified") != 0) & (content == 0)).then(pl.lit("reclassified"))
        .when(pl.col("bytes_old").is_null()).then(pl.lit("added"))
        .when(pl.col("bytes_new").is_null()).then(pl.lit("removed"))
        .when((pl.col("bytes_delta") == 0) & (pl.col("files_old") == pl.col("files_new"))).then(pl.lit("unchanged"))
        .otherwise(pl.lit("changed")).alias("change"))
    apart = apart.with_columns(
        pl.lit(NOT_COMPARED).alias("change"), pl.lit(None, pl.Int64).alias("bytes_delta"),
        pl.lit(None, pl.Float64).alias("share_old"), pl.lit(None, pl.Float64).alias("share_new"),
        pl.lit(None, pl.Float64).alias("share_delta_pp"))
    if min_change > 0:
        rows = rows.filter(pl.col("share_delta_pp").abs() >= min_change)
    commits = repos.select("project", "repo", "commit_old", "commit_new")
    out = pl.concat([_shape(rows), _shape(apart)], how="vertical")
    out = out.drop("commit_old", "commit_new").join(commits, on=["project", "repo"], how="left")
    if not {"project", "repo"} <= set(level):  # commits belong to repositories
        out = out.with_columns(pl.lit(None, pl.String).alias("commit_old"), pl.lit(None, pl.String).alias("commit_new"))
    return (out.with_columns(pl.col("bytes_delta").abs().alias("_b"), (pl.col("change") == NOT_COMPARED).alias("_nc"))
            .sort(["_nc", "_b", *KEYS], descending=[False, True, False, False, False, False], nulls_last=True)
            .select(COLUMNS))


def _kept_levels(by: str) -> tuple[str, ...]:
    return {"project": (), "repo": ("repo_change",), "component": ("repo_change", "component_change"),
            "language": ()}[by]


def _only(column: str, name: str) -> pl.Expr:
    """The one value of a list column (all rows agreed), else None."""
    return pl.when(pl.col(column).list.len() == 1).then(pl.col(column).list.first()).otherwise(None).alias(name)


def _shape(frame: pl.DataFrame) -> pl.DataFrame:
    types = {"project": pl.String, "repo": pl.String, "component": pl.String, "language": pl.String,
             "change": pl.String, "bytes_old": pl.Int64, "bytes_new": pl.Int64, "bytes_delta": pl.Int64,
             "bytes_reclassified": pl.Int64, "share_old": pl.Float64, "share_new": pl.Float64,
             "share_delta_pp": pl.Float64, "files_old": pl.Int64, "files_new": pl.Int64, "code_old": pl.Int64,
             "code_new": pl.Int64, "commit_old": pl.String, "commit_new": pl.String, "repo_change": pl.String,
             "component_change": pl.String}
    return frame.select([pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                         for c, t in types.items()])


def not_compared(old: Snapshot, new: Snapshot) -> pl.DataFrame:
    """Repositories in both snapshots that one of them could not count: (project, repo, why)."""
    repos = _repos(old, new).filter(pl.col("repo_change") == NOT_COMPARED)
    return repos.select("project", "repo", pl.format("{} → {}", pl.col("status_old").fill_null("absent"),
                                                     pl.col("status_new").fill_null("absent")).alias("statuses"))


def notes(old: Snapshot, new: Snapshot) -> DiffNotes:
    """Warnings: repositories not compared, different language data or census versions, changed
    component settings."""
    warnings = []
    missing = not_compared(old, new)
    if missing.height:
        listed = ", ".join(f"{r} ({s})" for _, r, s in missing.head(5).iter_rows())
        more = f" and {missing.height - 5} more" if missing.height > 5 else ""
        are = "repository is" if missing.height == 1 else "repositories are"
        warnings.append(f"{missing.height} {are} not compared (failed, deferred or not scanned on one "
                        f"side): {listed}{more}; totals above them leave them out")
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
