"""Reports people read: HTML (self-contained) and Markdown, from one model (``model.py``)."""

from __future__ import annotations

from pathlib import Path

from crawler.errors import SnapshotError
from crawler.report.html import render_html
from crawler.report.markdown import render_markdown
from crawler.report.model import Report, build
from crawler.snapshot import Snapshot, open_snapshot, series_of, snapshot_dirs

__all__ = ["Report", "build", "make_report", "render_html", "render_markdown"]


def series_history(snapshot: Snapshot, out: str | Path) -> list[Snapshot]:
    """The snapshots under ``out`` of ``snapshot``'s series (the same project list), oldest first:
    a one-off scan of other repositories into the same folder never enters its trend."""
    mine = series_of(snapshot.manifest)
    history = []
    for path in snapshot_dirs(out):
        try:
            other = open_snapshot(path)
        except SnapshotError:
            continue
        if series_of(other.manifest) == mine:
            history.append(other)
    if not any(s.path.resolve() == snapshot.path.resolve() for s in history):
        history.append(snapshot)
    return history


def make_report(snapshot: Snapshot, *, fmt: str = "html", against: Snapshot | None = None,
                trend: bool | None = None, out: str | Path = "output") -> str:
    """The report text. ``trend``: None (the default) adds the trend when the snapshot's series
    holds two snapshots or more; True always (saying so when there is no history); False never."""
    history = series_history(snapshot, out) if trend is not False else None
    if trend is None and history is not None and len(history) < 2:
        history = None
    report = build(snapshot, against=against, history=history)
    from crawler.claims import ClaimError, claims_of, evaluate

    rows = []
    for claim in claims_of(snapshot):
        try:
            verdict = evaluate(claim, snapshot)
            rows.append({"verdict": verdict.verdict, "text": claim.text, "figures": verdict.figures})
        except ClaimError as exc:  # a report still shows what it can; the claim says what is wrong with it
            rows.append({"verdict": "INVALID", "text": claim.text, "figures": str(exc)})
    if rows:
        report = Report(**{**report.__dict__, "claims": tuple(rows)})
    return render_html(report) if fmt == "html" else render_markdown(report)
