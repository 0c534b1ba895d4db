"""census: what a project is really written in, part by part, traced to commits.

The library behind the ``census`` command. Every function returns polars DataFrames or values
that hold them::

    import crawler
    snap = crawler.scan_specs(["./some/repo"], out="output")
    snap.breakdown            # per (project, repo, component, language)
    crawler.load().files      # the newest snapshot's per-file rows
"""

from __future__ import annotations

__version__ = "0.1.0"

# ``crawler.diff`` is both a module (``crawler/diff.py``) and the function users call; import the
# module first so that the function, bound after it, is what ``crawler.diff`` names.
import crawler.diff as _diff_module  # noqa: F401
from crawler.api import diff, load, scan_config, scan_specs, snapshots

__all__ = ["__version__", "diff", "load", "scan_config", "scan_specs", "snapshots"]
