"""census: what a project is really written in, part by part, traced to commits.

The library behind the ``census`` command. Functions return polars DataFrames or values that
hold them::

    import crawler
    targets = crawler.targets_for(None, ["./some/repo"])
    result = crawler.scan_repo(targets[0], crawler.ScanOptions())   # one repository: .repo, .files
    snap = crawler.scan_specs(["./some/repo"], out="output")        # a snapshot on disk
    snap.breakdown                                                  # per (project, repo, component, language)
    crawler.load().files                                            # the newest snapshot's per-file rows

The pipeline, module by module: ``config`` and ``specs`` → ``plan`` (driver: owners, searches,
GitHub metadata, reuse) → ``step`` (one repository: ``sources`` → ``linguist`` → ``components``
→ ``lines``) run by an ``executors`` engine → ``run`` (checkpoints, progress) → ``aggregate`` →
``snapshot`` → ``changes`` / ``claims`` / ``report``.

Names are loaded when first used, so that ``import crawler`` (and ``census --help``) costs nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from crawler.__version__ import __version__

if TYPE_CHECKING:
    from crawler.library import diff, load, scan_config, scan_specs, snapshots, targets_for
    from crawler.run import scan
    from crawler.status import Status
    from crawler.step import scan_repo
    from crawler.values import RepoResult, ScanOptions, Target

_WHERE = {"diff": "crawler.library", "load": "crawler.library", "scan_config": "crawler.library",
          "scan_specs": "crawler.library", "snapshots": "crawler.library", "targets_for": "crawler.library",
          "scan": "crawler.run", "scan_repo": "crawler.step", "Status": "crawler.status",
          "RepoResult": "crawler.values", "ScanOptions": "crawler.values", "Target": "crawler.values"}

__all__ = ["RepoResult", "ScanOptions", "Status", "Target", "__version__", "diff", "load", "scan", "scan_config",
           "scan_repo", "scan_specs", "snapshots", "targets_for"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'crawler' has no attribute {name!r}")
