"""Totals derived from per-file rows, with polars. Nothing is summed anywhere else.

The breakdown has one row per (project, repo, component, language group) of counted files;
``share`` is the group's bytes over the component's counted bytes, as Linguist's bar shows it.
"""

from __future__ import annotations

import polars as pl

from crawler.linguist import languages

_KEYS = ["project", "repo", "commit", "component"]
_SUMS = ["bytes", "lines", "code", "comments", "blanks"]


def _group_type(group: str | None) -> str | None:
    return languages.language(group).type if group else None


def breakdown(files: pl.DataFrame | pl.LazyFrame, by: list[str] | None = None) -> pl.DataFrame:
    """Counted files summed per ``by`` (default: project, repo, commit, component) and language group.
    ``files`` may be lazy (a scan of Parquet files): it is then read in a streaming pass, so the
    per-file rows of a whole population are never in memory at once."""
    keys = by if by is not None else _KEYS
    counted = files.lazy().filter(pl.col("counted"))
    # Line counts stay null where no file of the group has them (lines are a later measure).
    sums = [pl.when(pl.col(c).is_null().all()).then(None).otherwise(pl.col(c).sum()).alias(c) for c in _SUMS]
    table = (
        counted.group_by([*keys, "group"])
        .agg(pl.len().cast(pl.Int64).alias("files"), *sums)
        .rename({"group": "language"})
        .collect(engine="streaming")
    )
    total = pl.col("bytes").sum().over(keys) if keys else pl.col("bytes").sum()
    types = {g: _group_type(g) for g in table["language"].unique().to_list()}
    table = table.with_columns(
        pl.col("language").replace_strict(types, default=None, return_dtype=pl.String).alias("type"),
        pl.when(total > 0).then(pl.col("bytes") / total).otherwise(0.0).alias("share"),
    )
    return table.select([*keys, "language", "type", "files", *_SUMS, "share"]).sort(
        [*keys, "bytes", "language"], descending=[False] * len(keys) + [True, False])


def top_languages(rows: pl.DataFrame) -> pl.DataFrame:
    """(project, repo, language): each repository's top language — the group with the most counted
    bytes over all its components, ties broken by name."""
    summed = rows.group_by("project", "repo", "language").agg(pl.col("bytes").sum())
    return (summed.filter(pl.col("bytes") > 0).sort(["project", "repo", "bytes", "language"],
                                                     descending=[False, False, True, False])
            .unique(["project", "repo"], keep="first", maintain_order=True).select("project", "repo", "language"))


def repos_by_top_language(repos: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """One row per counted repository — the same repository in two projects (or found by two
    searches) once — with its top language (null when it has no counted code) and its GitHub
    metadata: project, repo, id, created_at, stars, language."""
    counted = repos.filter(pl.col("status").is_in(["ok", "unchanged"]))
    ident = pl.coalesce(pl.col("github_id").cast(pl.String), pl.col("canonical"),
                        pl.concat_str([pl.col("project"), pl.col("repo")], separator="\0")).alias("id")
    table = counted.select("project", "repo", ident, "created_at", "stars").join(
        top_languages(rows), on=["project", "repo"], how="left")
    return table.sort(pl.col("language").is_null()).unique("id", keep="first", maintain_order=True)


def top_language_counts(repos: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """Repositories per top language (language, repos, share of the repositories with counted code)."""
    table = repos_by_top_language(repos, rows).filter(pl.col("language").is_not_null())
    counts = table.group_by("language").agg(pl.len().cast(pl.Int64).alias("repos"))
    total = counts["repos"].sum() or 0
    return counts.with_columns((pl.col("repos") / max(int(total), 1)).alias("share")).sort(
        ["repos", "language"], descending=[True, False])


def regroup(table: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """A breakdown summed again at a coarser level (``by``: a subset of its keys), shares recomputed:
    the same figures as ``breakdown(files, by)`` without reading the per-file rows."""
    sums = [pl.when(pl.col(c).is_null().all()).then(None).otherwise(pl.col(c).sum()).alias(c)
            for c in ("files", *_SUMS)]
    summed = table.group_by([*by, "language"]).agg(pl.col("type").first(), *sums)
    total = pl.col("bytes").sum().over(by) if by else pl.col("bytes").sum()
    summed = summed.with_columns(pl.when(total > 0).then(pl.col("bytes") / total).otherwise(0.0).alias("share"))
    return summed.select([*by, "language", "type", "files", *_SUMS, "share"]).sort(
        [*by, "bytes", "language"], descending=[False] * len(by) + [True, False])
