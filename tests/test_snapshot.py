"""Snapshots: schema, atomic write, validated reads, listing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crawler import snapshot as snapmod
from crawler.errors import SnapshotError
from crawler.schema import BREAKDOWN_SCHEMA, FILES_SCHEMA, REPOS_SCHEMA
from crawler.snapshot import list_snapshots, open_snapshot, write_snapshot

NOW = datetime(2026, 11, 30, 6, 15, 0, tzinfo=UTC)


def frames() -> dict[str, pl.DataFrame]:
    repos = pl.DataFrame([{"project": "p", "repo": "r", "source": "./r", "ref": "HEAD", "commit": "c" * 40,
                           "status": "ok", "files": 1, "bytes": 10, "scanned_at": NOW}])
    files = pl.DataFrame([{"project": "p", "repo": "r", "commit": "c" * 40, "path": "a.py", "component": ".",
                           "language": "Python", "group": "Python", "type": "programming", "bytes": 10,
                           "counted": True, "kind": "file"}])
    breakdown = pl.DataFrame([{"project": "p", "repo": "r", "commit": "c" * 40, "component": ".",
                               "language": "Python", "type": "programming", "files": 1, "bytes": 10, "share": 1.0}])
    return {"repos": repos, "files": files, "breakdown": breakdown}


def test_write_and_read_back(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path, **frames(), config={"path": "x.toml"}, options={"jobs": 1}, now=NOW)
    assert snap.id == "20261130T061500Z"
    assert sorted(p.name for p in snap.path.iterdir()) == ["breakdown.parquet", "files.parquet", "manifest.json",
                                                          "repos.parquet"]
    manifest = json.loads((snap.path / "manifest.json").read_text())
    assert manifest["created_at"] == "2026-11-30T06:15:00Z" and manifest["config"] == {"path": "x.toml"}
    assert manifest["tool"]["name"] == "census" and "go-enry" in manifest["language_data"]["detector"]
    again = open_snapshot(snap.id, out=tmp_path)
    assert again.repos.schema == REPOS_SCHEMA and again.files.schema == FILES_SCHEMA
    assert again.breakdown.schema == BREAKDOWN_SCHEMA
    assert_frame_equal(again.files, snap.files)
    assert again.files["lines"].to_list() == [None]  # filled by the lines-of-code issue


def test_ids_with_labels_and_collisions(tmp_path: Path) -> None:
    a = write_snapshot(tmp_path, **frames(), now=NOW)
    b = write_snapshot(tmp_path, **frames(), now=NOW)
    c = write_snapshot(tmp_path, **frames(), label="before release!", now=NOW)
    d = write_snapshot(tmp_path, **frames(), label="before release!", now=NOW)
    assert [a.id, b.id, c.id, d.id] == ["20261130T061500Z", "20261130T061500Z-2", "20261130T061500Z-before-release",
                                        "20261130T061500Z-before-release.2"]
    assert list_snapshots(tmp_path)["id"].to_list() == sorted([a.id, b.id, c.id, d.id])


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write_snapshot(tmp_path, **frames(), now=NOW)
    before = {p: p.read_bytes() for p in first.path.iterdir()}
    calls = {"n": 0}
    original = pl.DataFrame.write_parquet

    def failing(self: pl.DataFrame, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_parquet", failing)
    with pytest.raises(OSError, match="No space"):
        write_snapshot(tmp_path, **frames(), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert [p.name for p in (tmp_path / "snapshots").iterdir()] == [first.id]
    assert {p: p.read_bytes() for p in first.path.iterdir()} == before


def test_leftovers_of_a_killed_write_are_hidden_and_cleaned(tmp_path: Path) -> None:
    leftover = tmp_path / "snapshots" / ".tmp-20261130T000000Z-999999999"
    leftover.mkdir(parents=True)
    (leftover / "repos.parquet").write_bytes(b"half")
    assert list_snapshots(tmp_path).is_empty()
    write_snapshot(tmp_path, **frames(), now=NOW)
    assert not leftover.exists()


def test_open_newest_by_path_and_by_prefix(tmp_path: Path) -> None:
    write_snapshot(tmp_path, **frames(), now=NOW)
    newest = write_snapshot(tmp_path, **frames(), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert open_snapshot(out=tmp_path).id == newest.id
    assert open_snapshot(newest.path).id == newest.id
    assert open_snapshot("20261201", out=tmp_path).id == newest.id


@pytest.mark.parametrize("damage", ["no-manifest", "bad-json", "newer", "missing-table", "not-parquet",
                                    "missing-column", "wrong-type"])
def test_damaged_snapshots_are_clear_errors(tmp_path: Path, damage: str) -> None:
    snap = write_snapshot(tmp_path, **frames(), now=NOW)
    manifest = snap.path / "manifest.json"
    if damage == "no-manifest":
        manifest.unlink()
    elif damage == "bad-json":
        manifest.write_text("{not json")
    elif damage == "newer":
        manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "schema_version": 99}))
    elif damage == "missing-table":
        (snap.path / "files.parquet").unlink()
    elif damage == "not-parquet":
        (snap.path / "files.parquet").write_bytes(b"PAR1 truncated")
    elif damage == "missing-column":
        pl.DataFrame({"path": ["a"]}).write_parquet(snap.path / "files.parquet")
    elif damage == "wrong-type":
        frames()["files"].with_columns(pl.lit("many").alias("bytes")).write_parquet(snap.path / "files.parquet")
    with pytest.raises(SnapshotError) as info:
        open_snapshot(snap.id, out=tmp_path).files  # noqa: B018 - reading is the point
    assert "\n" not in str(info.value)


def test_no_snapshot_errors(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no snapshots"):
        open_snapshot(out=tmp_path)
    write_snapshot(tmp_path, **frames(), now=NOW)
    with pytest.raises(SnapshotError, match="no snapshot 'zzz'"):
        open_snapshot("zzz", out=tmp_path)


def test_slug() -> None:
    assert snapmod.slug("  Q3 / 2026 ") == "Q3-2026"


def test_columns_added_since_read_as_null(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path, **frames(), now=NOW)
    repos = pl.read_parquet(snap.path / "repos.parquet").drop("github_diff_pp", "note")
    repos.write_parquet(snap.path / "repos.parquet")
    again = open_snapshot(snap.id, out=tmp_path).repos
    assert again.schema == REPOS_SCHEMA and again["note"].to_list() == [None]
