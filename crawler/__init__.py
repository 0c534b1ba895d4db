"""census: what a project is really written in, part by part, traced to commits.

The library behind the ``census`` command. Functions return polars DataFrames or values that
hold them::

    import crawler
    targets = crawler.targets_for(None, ["./some/repo"])
    result = crawler.scan_repo(targets[0], crawler.ScanOptions())   # one repository: .repo, .files
    snap = crawler.scan_specs(["./some/repo"], out="output")        # a snapshot on disk
    snap.breakdown                                                  # per (project, repo, component, language)
    crawler.load().files                                            # the newest snapshot's per-file rows

The pipeline, module by module: ``config`` and ``specs`` → ``plan`` (driver: owners, GitHub
metadata, reuse) → ``step`` (one repository: ``sources`` → ``linguist`` → ``components`` →
``lines``) run by an ``executors`` engine → ``run`` (checkpoints, progress) → ``aggregate`` →
``snapshot`` → ``diff`` / ``claims`` / ``report``.
"""

from __future__ import annotations

# ``crawler.diff`` is both a module (``crawler/diff.py``) and the function users call; import the
# module first so that the function, bound after it, is what ``crawler.diff`` names.
import crawler.diff as _diff_module  # noqa: F401
from crawler.__version__ import __version__
from crawler.library import diff, load, scan_config, scan_specs, snapshots, targets_for
from crawler.run import scan
from crawler.step import scan_repo
from crawler.values import RepoResult, ScanOptions, Status, Target

__all__ = ["RepoResult", "ScanOptions", "Status", "Target", "__version__", "diff", "load", "scan", "scan_config",
           "scan_repo", "scan_specs", "snapshots", "targets_for"]
