"""Snapshots on disk: the schema, an atomic write, reading with validation, listing.

``DIR/snapshots/<ID>/`` holds ``manifest.json``, ``repos.parquet``, ``files.parquet`` and
``breakdown.parquet``. A snapshot is written into a hidden sibling folder and renamed into place
when complete, so it appears whole or not at all; leftovers of an interrupted write are hidden
(their names start with ``.``) and removed by the next write.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from crawler.__version__ import __version__
from crawler.atomic import clean_leftovers, write_dir
from crawler.errors import SnapshotError
from crawler.linguist import languages
from crawler.schema import REQUIRED, TABLES, conform

__all__ = ["Snapshot", "conform", "list_snapshots", "open_snapshot", "series_of", "snapshot_dirs",
           "work_finished", "write_snapshot"]

SCHEMA_VERSION = 1

#: The manifest's keys census reads, and the JSON type each must have when present.
_MANIFEST_TYPES: dict[str, type] = {"id": str, "created_at": str, "described_at": str, "tool": dict,
                                    "options": dict, "counts": dict, "language_data": dict, "config": dict,
                                    "work": dict, "series": str}
#: Columns every row of a table must fill (a breakdown row is a language's figures).
_NOT_NULL = {"repos": ["project", "repo", "status"], "files": ["project", "repo", "path"],
             "breakdown": ["project", "repo", "component", "language", "bytes"]}
_ID = re.compile(r"^\d{8}T\d{6}Z(?:-[A-Za-z0-9._-]+)?$")


@dataclass
class Snapshot:
    """A snapshot: its manifest and its three tables (read lazily from disk)."""

    path: Path
    manifest: dict[str, Any]
    _tables: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        return str(self.manifest["id"])

    def table(self, name: str) -> pl.DataFrame:
        if name not in self._tables:
            self._tables[name] = _read_table(self.path, name)
        return self._tables[name]

    @property
    def repos(self) -> pl.DataFrame:
        return self.table("repos")

    @property
    def files(self) -> pl.DataFrame:
        return self.table("files")

    @property
    def breakdown(self) -> pl.DataFrame:
        return self.table("breakdown")


def slug(label: str) -> str:
    """A label as it may appear in a snapshot id."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", label.strip()).strip("-.")
    return text[:60]


def _conform_lazy(frame: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    names = frame.collect_schema().names()
    return frame.select([pl.col(name).cast(dtype) if name in names else pl.lit(None, dtype=dtype).alias(name)
                         for name, dtype in schema.items()])


def write_snapshot(out: str | Path, *, repos: pl.DataFrame, files: pl.DataFrame | pl.LazyFrame,
                   breakdown: pl.DataFrame, label: str | None = None,
                   config: dict[str, Any] | None = None, options: dict[str, Any] | None = None,
                   now: datetime | None = None, described_at: datetime | None = None,
                   work: dict[str, str] | None = None, notes: list[str] | None = None) -> Snapshot:
    """Write a snapshot atomically under ``out/snapshots/`` and return it. ``described_at`` is the
    point in time the snapshot describes when it is not now (a backfill of the past); ``work`` the
    identity of the checkpoint it was made from (see ``work_finished``). ``files`` may be lazy (the
    checkpoint's per-repository files): it is then streamed to disk, never held whole in memory."""
    root = Path(out) / "snapshots"
    root.mkdir(parents=True, exist_ok=True)
    clean_leftovers(root)
    created = (now or datetime.now(UTC)).astimezone(UTC)
    base = created.strftime("%Y%m%dT%H%M%SZ") + (f"-{slug(label)}" if label and slug(label) else "")
    snapshot_id, n = base, 1
    while (root / snapshot_id).exists():
        n += 1
        snapshot_id = f"{base}.{n}" if "-" in base else f"{base}-{n}"
    manifest = {
        "id": snapshot_id,
        "schema_version": SCHEMA_VERSION,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "described_at": (described_at or created).astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "tool": {"name": "census", "version": __version__},
        "language_data": languages.data_version(),
        "config": config,
        "options": options or {},
        "counts": {"repos": repos.height, "files": files.height if isinstance(files, pl.DataFrame) else
                   int(files.select(pl.len()).collect(engine="streaming").item())},
        "work": work,
        "series": series_key(config),
        "notes": list(notes or []),
    }
    tables = {"repos": repos, "files": files, "breakdown": breakdown}

    def fill(folder: Path) -> None:
        for name, frame in tables.items():
            if isinstance(frame, pl.LazyFrame):
                _conform_lazy(frame, TABLES[name]).sink_parquet(folder / f"{name}.parquet", compression="zstd",
                                                                statistics=True, engine="streaming")
            else:
                conform(frame, TABLES[name]).write_parquet(folder / f"{name}.parquet", compression="zstd",
                                                           statistics=True)
        with (folder / "manifest.json").open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=True, default=str)
            fh.write("\n")

    final = root / snapshot_id
    write_dir(final, fill)
    return Snapshot(final, manifest, {k: conform(v, TABLES[k]) for k, v in tables.items()
                                      if isinstance(v, pl.DataFrame)})


def _read_manifest(path: Path) -> dict[str, Any]:
    manifest_path = path / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"not a snapshot (no manifest.json): {path}") from None
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"unreadable manifest {manifest_path}: {exc}") from None
    if not isinstance(manifest, dict) or "id" not in manifest:
        raise SnapshotError(f"not a census manifest: {manifest_path}")
    version = manifest.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise SnapshotError(f"snapshot {path.name} has schema version {version!r}; this census reads "
                            f"up to {SCHEMA_VERSION} (upgrade census)")
    for key, kind in _MANIFEST_TYPES.items():
        if key in manifest and manifest[key] is not None and not isinstance(manifest[key], kind):
            raise SnapshotError(f"snapshot {path.name}: manifest.json's {key!r} is a {type(manifest[key]).__name__}, "
                                f"not {'an object' if kind is dict else 'a string'} (a damaged or foreign snapshot)")
    return manifest


def _read_table(path: Path, name: str) -> pl.DataFrame:
    target = path / f"{name}.parquet"
    if not target.exists():
        raise SnapshotError(f"snapshot {path.name} is missing {name}.parquet")
    if not target.is_file():  # a FIFO or a device would block or never end
        raise SnapshotError(f"snapshot {path.name}: {name}.parquet is not a regular file")
    try:
        frame = pl.read_parquet(target)
    except Exception as exc:  # polars raises several kinds for a damaged file
        raise SnapshotError(f"snapshot {path.name}: {name}.parquet is not readable Parquet "
                            f"({type(exc).__name__})") from None
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise SnapshotError(f"snapshot {path.name}: {name}.parquet lacks column(s) {', '.join(missing)}")
    try:
        frame = conform(frame, TABLES[name])
    except pl.exceptions.PolarsError as exc:
        raise SnapshotError(f"snapshot {path.name}: {name}.parquet has columns of the wrong type "
                            f"({exc.__class__.__name__})") from None
    for column in _NOT_NULL[name]:
        if frame[column].null_count():
            raise SnapshotError(f"snapshot {path.name}: {name}.parquet has rows without a {column}")
    return frame


def _moments(path: Path) -> tuple[str, str]:
    """(described, created) times of a snapshot, from its manifest; a snapshot of now describes
    its creation time, a backfilled one the past date it was made for."""
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        created = str(manifest.get("created_at") or "")
        return str(manifest.get("described_at") or created), created
    except (OSError, ValueError, AttributeError):
        return "", ""


def snapshot_dirs(out: str | Path) -> list[Path]:
    """The snapshot folders under ``out/snapshots``, oldest first: by the time they describe, then
    by creation time, then id (ids alone tie within a second)."""
    root = Path(out) / "snapshots"
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and _ID.match(p.name)]
    return sorted(found, key=lambda p: (*_moments(p), p.name))


def series_of(manifest: dict[str, Any]) -> str:
    """The series a snapshot belongs to: snapshots of the same project list (config text and
    ``--repo`` specs) form one series, which trends and dates are read within."""
    series = manifest.get("series")
    if isinstance(series, str):
        return series
    return series_key(manifest.get("config"))


def series_key(config: Any) -> str:
    ident = {"toml": config.get("toml"), "repos": sorted(map(str, config.get("repos") or []))} \
        if isinstance(config, dict) else None
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _described_day(path: Path) -> str:
    return _moments(path)[0][:10]


def open_snapshot(ref: str | Path | None = None, *, out: str | Path = "output") -> Snapshot:
    """A snapshot by folder, id (or a unique prefix of one), the date it describes (``2024-06-30``),
    ``latest``, or ``-1``, ``-2`` … (newest, the one before …); the newest when ``ref`` is None."""
    text = None if ref is None else str(ref)
    if text is not None and (len(text) > 4096 or "\0" in text):
        raise SnapshotError("no such snapshot: the name given is not a snapshot id, date or folder")
    root = Path(out) / "snapshots"
    try:
        if text is None or text == "latest" or re.fullmatch(r"-\d{1,6}", text):
            dirs = snapshot_dirs(out)
            back = 1 if text in (None, "latest") else int(text[1:])
            if not dirs:
                raise SnapshotError(f"no snapshots under {root} (run census scan first)")
            if not 1 <= back <= len(dirs):
                raise SnapshotError(f"there are {len(dirs)} snapshots under {root}: {text} names none of them")
            path = dirs[-back]
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) and not Path(text).is_dir():
            matches = [p for p in snapshot_dirs(out) if _described_day(p) == text]
            if len(matches) != 1:
                raise SnapshotError(f"no snapshot under {root} describes {text}" if not matches else
                                    f"{len(matches)} snapshots describe {text}: "
                                    + ", ".join(p.name for p in matches) + "; give an id")
            path = matches[0]
        elif (Path(text) / "manifest.json").exists() or Path(text).is_dir():
            path = Path(text)
        else:
            path = root / text
            if not path.is_dir():
                matches = [p for p in snapshot_dirs(out) if p.name.startswith(text)]
                if len(matches) != 1:
                    raise SnapshotError(f"no snapshot {text!r} (neither a folder, an id, a date, latest nor -N "
                                        f"under {root})" if not matches else
                                        f"snapshot id {text!r} is ambiguous: " + ", ".join(p.name for p in matches))
                path = matches[0]
    except OSError as exc:
        raise SnapshotError(f"cannot look for snapshot {text!r}: {exc.strerror or exc}") from None
    return Snapshot(path, _read_manifest(path))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def list_snapshots(out: str | Path = "output") -> pl.DataFrame:
    """One row per snapshot, oldest first: id, the moment it describes, when it was made, its label,
    its series (snapshots of the same project list), repositories, files and folder."""
    rows = []
    for path in snapshot_dirs(out):
        with contextlib.suppress(SnapshotError):
            manifest = _read_manifest(path)
            counts = manifest.get("counts") or {}
            rows.append({
                "id": manifest["id"], "describes": manifest.get("described_at") or manifest.get("created_at"),
                "created_at": manifest.get("created_at"),
                "label": str((manifest.get("options") or {}).get("label") or "") or None,
                "series": series_of(manifest)[:8],
                "repos": _count(counts.get("repos")), "files": _count(counts.get("files")), "path": str(path),
            })
    return pl.DataFrame(rows, schema={"id": pl.String, "describes": pl.String, "created_at": pl.String,
                                      "label": pl.String, "series": pl.String,
                                      "repos": pl.Int64, "files": pl.Int64, "path": pl.String})


def work_finished(out: str | Path, identity: dict[str, str]) -> bool:
    """Whether a snapshot under ``out`` was made from the checkpoint ``identity`` (key and start
    time): its work is then finished, whatever is left of it on disk."""
    for path in reversed(snapshot_dirs(out)):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("work") == identity:
                return True
    return False
