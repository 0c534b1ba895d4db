"""Reports people read: HTML (self-contained) and Markdown, from one model (``model.py``)."""

from __future__ import annotations

from pathlib import Path

from crawler.report.html import render_html
from crawler.report.markdown import render_markdown
from crawler.report.model import Report, build
from crawler.snapshot import Snapshot, open_snapshot, snapshot_dirs

__all__ = ["Report", "build", "make_report", "render_html", "render_markdown"]


def make_report(snapshot: Snapshot, *, fmt: str = "html", against: Snapshot | None = None,
                trend: bool | None = None, out: str | Path = "output") -> str:
    """The report text. ``trend``: None (the default) adds the trend when the output folder holds
    two snapshots or more; True always (saying so when there is no history); False never."""
    history = None
    dirs = snapshot_dirs(out)
    if trend or (trend is None and len(dirs) >= 2):
        history = [open_snapshot(path) for path in dirs]
    report = build(snapshot, against=against, history=history)
    from crawler.claims import check, claims_of

    verdicts = check(snapshot, claims_of(snapshot))
    if verdicts:
        rows = tuple({"verdict": v.verdict, "text": v.claim.text, "figures": v.figures} for v in verdicts)
        report = Report(**{**report.__dict__, "claims": rows})
    return render_html(report) if fmt == "html" else render_markdown(report)
