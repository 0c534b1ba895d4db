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


def breakdown(files: pl.DataFrame, by: list[str] | None = None) -> pl.DataFrame:
    """Counted files summed per ``by`` (default: project, repo, commit, component) and language group."""
    keys = by if by is not None else _KEYS
    counted = files.filter(pl.col("counted"))
    # Line counts stay null where no file of the group has them (lines are a later measure).
    sums = [pl.when(pl.col(c).is_null().all()).then(None).otherwise(pl.col(c).sum()).alias(c) for c in _SUMS]
    table = (
        counted.group_by([*keys, "group"])
        .agg(pl.len().cast(pl.Int64).alias("files"), *sums)
        .rename({"group": "language"})
    )
    total = pl.col("bytes").sum().over(keys) if keys else pl.col("bytes").sum()
    types = {g: _group_type(g) for g in table["language"].unique().to_list()}
    table = table.with_columns(
        pl.col("language").replace_strict(types, default=None, return_dtype=pl.String).alias("type"),
        pl.when(total > 0).then(pl.col("bytes") / total).otherwise(0.0).alias("share"),
    )
    return table.select([*keys, "language", "type", "files", *_SUMS, "share"]).sort(
        [*keys, "bytes", "language"], descending=[False] * len(keys) + [True, False])
