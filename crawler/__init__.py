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

from crawler.api import load, scan_config, scan_specs, snapshots

__all__ = ["__version__", "load", "scan_config", "scan_specs", "snapshots"]
