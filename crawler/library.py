"""The library's front door: name targets, scan them, load, list and compare snapshots."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from crawler.changes import diff as diff_snapshots
from crawler.config import Config, load_config
from crawler.run import ProgressHook, scan
from crawler.snapshot import Snapshot, list_snapshots, open_snapshot
from crawler.specs import parse_spec
from crawler.values import RepoSpec, ScanOptions, Target

__all__ = ["diff", "load", "scan_config", "scan_specs", "snapshots", "targets_for"]


def _distinct_names(specs: list[RepoSpec]) -> list[str]:
    """Names for ``--repo`` specs; local folders that share a name get their parents' too
    (``a/repo`` and ``b/repo``), so that no two become one project."""
    names = [s.name for s in specs]
    for depth in range(2, 8):
        clashes = {n for n in names if names.count(n) > 1}
        if not clashes:
            break
        for i, spec in enumerate(specs):
            if names[i] in clashes and spec.kind in ("local", "remote"):
                parts = [p for p in spec.location.rstrip("/").split("/") if p]
                names[i] = "/".join([*parts[-depth:-1], spec.name])
    return names


def targets_for(config: Config | None, specs: Iterable[str] = (), *, base_dir: Path | None = None) -> list[Target]:
    """The repositories to scan: the config's, then ``--repo`` specs (each its own project);
    relative paths among ``specs`` resolve against ``base_dir`` (default: the current folder)."""
    targets = config.targets() if config else []
    parsed = [parse_spec(text, base_dir=base_dir) for text in specs]
    for spec, name in zip(parsed, _distinct_names(parsed), strict=True):
        targets.append(Target(name, spec, name))
    return targets


def scan_config(path: str | Path, *, out: str | Path = "output", specs: Iterable[str] = (),
                options: ScanOptions = ScanOptions(), label: str | None = None,
                progress: ProgressHook | None = None) -> Snapshot:
    """Scan every repository of the config at ``path`` (plus ``specs``); write a snapshot."""
    config = load_config(path)
    manifest_config = {"path": str(path), "toml": dict(config.raw)}
    return scan(targets_for(config, specs), out=str(out), options=options, label=label,
                config=manifest_config, progress=progress)


def scan_specs(specs: Iterable[str], *, out: str | Path = "output", options: ScanOptions = ScanOptions(),
               label: str | None = None, progress: ProgressHook | None = None) -> Snapshot:
    """Scan repositories named by specs (``./path``, ``git+file:///…``); write a snapshot."""
    specs = list(specs)
    return scan(targets_for(None, specs), out=str(out), options=options, label=label,
                config={"path": None, "repos": specs}, progress=progress)


def load(snapshot: str | Path | None = None, *, out: str | Path = "output") -> Snapshot:
    """A snapshot by id or path (the newest when None): ``.repos``, ``.files``, ``.breakdown``."""
    return open_snapshot(snapshot, out=out)


def diff(old: str | Path | Snapshot, new: str | Path | Snapshot, *, out: str | Path = "output",
         min_change: float = 0.0) -> pl.DataFrame:
    """What changed between two snapshots (ids, folders or loaded snapshots): see ``crawler.diff``."""
    a = old if isinstance(old, Snapshot) else open_snapshot(old, out=out)
    b = new if isinstance(new, Snapshot) else open_snapshot(new, out=out)
    return diff_snapshots(a, b, min_change=min_change)


def snapshots(out: str | Path = "output") -> pl.DataFrame:
    """The snapshots under ``out``, oldest first."""
    return list_snapshots(out)
