"""The snapshot's tables as one constant each: column names and types, and ``conform``.

At the bottom of the import graph (polars only): the per-repository step, checkpoints, snapshots
and reports all agree on these columns by importing them from here.
"""

from __future__ import annotations

from typing import Any

import polars as pl


def _columns(columns: dict[str, Any]) -> dict[str, pl.DataType]:
    return {name: dtype() if isinstance(dtype, type) else dtype for name, dtype in columns.items()}


REPOS_SCHEMA = pl.Schema(_columns({
    "project": pl.String, "repo": pl.String, "source": pl.String, "ref": pl.String,
    "commit": pl.String, "status": pl.String, "error": pl.String, "files": pl.Int64,
    "bytes": pl.Int64, "counted_bytes": pl.Int64, "kind": pl.String, "components": pl.String,
    "scanned_at": pl.Datetime("us", "UTC"), "duration_s": pl.Float64,
    # GitHub repositories: what GitHub says of them, and its own /languages figures as a cross-check
    "canonical": pl.String, "github_id": pl.Int64, "default_branch": pl.String, "stars": pl.Int64,
    "archived": pl.Boolean, "fork": pl.Boolean, "pushed_at": pl.String, "clone_url": pl.String,
    "github_languages": pl.String, "github_diff_pp": pl.Float64, "etags": pl.String,
    # --clones: the local clone scanned instead of GitHub (kind "clone"), and remarks on the choice
    "clone_path": pl.String, "note": pl.String,
    # GitHub listings and searches: when the repository was created, its topics, GitHub's primary
    # language, and the search query (or owner listing) that found it
    "created_at": pl.String, "topics": pl.List(pl.String), "primary_language": pl.String, "found_by": pl.String,
}))
FILES_SCHEMA = pl.Schema(_columns({
    "project": pl.String, "repo": pl.String, "commit": pl.String, "path": pl.String,
    "component": pl.String, "language": pl.String, "group": pl.String, "type": pl.String,
    "bytes": pl.Int64, "lines": pl.Int64, "code": pl.Int64, "comments": pl.Int64, "blanks": pl.Int64,
    "vendored": pl.Boolean, "generated": pl.Boolean, "documentation": pl.Boolean,
    "binary": pl.Boolean, "counted": pl.Boolean, "kind": pl.String, "lfs": pl.Boolean,
    "oid": pl.String, "note": pl.String,
    # the path's exact bytes when they are not valid UTF-8 (``path`` then shows them as \xNN); else null
    "path_bytes": pl.Binary,
}))
BREAKDOWN_SCHEMA = pl.Schema(_columns({
    "project": pl.String, "repo": pl.String, "commit": pl.String, "component": pl.String,
    "language": pl.String, "type": pl.String, "files": pl.Int64, "bytes": pl.Int64,
    "lines": pl.Int64, "code": pl.Int64, "comments": pl.Int64, "blanks": pl.Int64,
    "share": pl.Float64,
}))
TABLES = {"repos": REPOS_SCHEMA, "files": FILES_SCHEMA, "breakdown": BREAKDOWN_SCHEMA}
# The columns the contract promises; a snapshot lacking one is damaged. Columns added since (GitHub
# metadata, cross-checks, notes) are read as null from snapshots written before them.
REQUIRED = {
    "repos": ["project", "repo", "source", "ref", "commit", "status", "error", "files", "bytes", "scanned_at"],
    "files": ["project", "repo", "commit", "path", "component", "language", "group", "type", "bytes", "lines",
              "code", "comments", "blanks", "vendored", "generated", "documentation", "binary", "counted"],
    "breakdown": ["project", "repo", "commit", "component", "language", "type", "files", "bytes", "lines", "code",
                  "comments", "blanks", "share"],
}


def conform(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """``frame`` with exactly ``schema``'s columns, in its order and types (missing ones null)."""
    return frame.select([pl.col(name).cast(dtype) if name in frame.columns else
                         pl.lit(None, dtype=dtype).alias(name) for name, dtype in schema.items()])


def empty(schema: pl.Schema) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
