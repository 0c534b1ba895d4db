"""What a report shows, as plain values: assembled from snapshots with polars, rendered by
``html.py`` and ``markdown.py`` (which hold no logic of their own beyond layout)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from crawler.diff import diff as diff_snapshots
from crawler.linguist import languages
from crawler.snapshot import Snapshot
from crawler.values import COUNTED

OTHER = "Other"
OTHER_COLOR = "#ededed"  # GitHub's colour for what its bar lumps together
NO_COLOR = "#cccccc"
BAR_LIMIT = 8            # languages named on a bar; the rest are "Other", as on GitHub


@dataclass(frozen=True)
class Segment:
    """One language on a bar."""

    language: str
    share: float          # 0..1
    bytes: int
    files: int
    code: int | None
    color: str

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.1f}%"


@dataclass(frozen=True)
class Bar:
    segments: tuple[Segment, ...]
    total_bytes: int

    @property
    def empty(self) -> bool:
        return not self.segments


@dataclass(frozen=True)
class Component:
    name: str
    bar: Bar


@dataclass(frozen=True)
class Repo:
    project: str
    name: str
    status: str
    error: str | None
    commit: str | None
    commit_url: str | None
    source: str
    files: int
    bar: Bar
    components: tuple[Component, ...]
    github_languages: str | None = None


@dataclass(frozen=True)
class Project:
    name: str
    bar: Bar
    repos: tuple[Repo, ...]


@dataclass(frozen=True)
class TrendSeries:
    language: str
    color: str
    points: tuple[tuple[str, float | None], ...]   # (snapshot date, share 0..1; None: not in that snapshot)


@dataclass(frozen=True)
class Trend:
    project: str
    dates: tuple[str, ...]
    series: tuple[TrendSeries, ...]


@dataclass(frozen=True)
class Report:
    """Everything a report shows."""

    snapshot_id: str
    created_at: str
    tool_version: str
    language_data: dict[str, str]
    projects: tuple[Project, ...]
    problems: tuple[Repo, ...]
    totals: dict[str, int]
    against: str | None = None
    movers: tuple[dict[str, Any], ...] = ()
    appeared: tuple[dict[str, Any], ...] = ()
    disappeared: tuple[dict[str, Any], ...] = ()
    diff_notes: tuple[str, ...] = ()
    trends: tuple[Trend, ...] = ()
    trend_note: str | None = None
    claims: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def color(language: str) -> str:
    if language == OTHER:
        return OTHER_COLOR
    return languages.color(language) or NO_COLOR


def make_bar(rows: pl.DataFrame, limit: int = BAR_LIMIT) -> Bar:
    """A bar from breakdown-like rows (language, bytes, files, code), largest first."""
    if rows.is_empty():
        return Bar((), 0)
    summed = (rows.group_by("language").agg(pl.col("bytes").sum(), pl.col("files").sum(),
                                            pl.when(pl.col("code").is_null().all()).then(None)
                                            .otherwise(pl.col("code").sum()).alias("code"))
              .sort(["bytes", "language"], descending=[True, False]))
    total = int(summed["bytes"].sum())
    if total <= 0:
        return Bar((), 0)
    items = summed.to_dicts()
    shown, rest = items[:limit], items[limit:]
    segments = [Segment(r["language"], r["bytes"] / total, int(r["bytes"]), int(r["files"]), r["code"],
                        color(r["language"])) for r in shown]
    if rest:
        other_bytes = sum(int(r["bytes"]) for r in rest)
        codes = [r["code"] for r in rest if r["code"] is not None]
        segments.append(Segment(OTHER, other_bytes / total, other_bytes, sum(int(r["files"]) for r in rest),
                                sum(codes) if codes else None, OTHER_COLOR))
    return Bar(tuple(segments), total)


def commit_url(repo: dict[str, Any]) -> str | None:
    """A link to the commit on GitHub (or GitHub Enterprise), when the repository came from there."""
    clone = repo.get("clone_url")
    commit = repo.get("commit")
    if not clone or not commit:
        return None
    base = clone[:-4] if clone.endswith(".git") else clone
    return f"{base}/tree/{commit}"


def _repo(row: dict[str, Any], table: pl.DataFrame) -> Repo:
    mine = table.filter((pl.col("project") == row["project"]) & (pl.col("repo") == row["repo"]))
    components = tuple(
        Component(name, make_bar(mine.filter(pl.col("component") == name)))
        for name in sorted(mine["component"].unique().to_list(), key=lambda c: (c != ".", c))
    )
    return Repo(row["project"], row["repo"], row["status"], row.get("error"), row.get("commit"), commit_url(row),
                row.get("source") or "", int(row.get("files") or 0), make_bar(mine), components,
                row.get("github_languages"))


def build(snapshot: Snapshot, *, against: Snapshot | None = None, history: list[Snapshot] | None = None,
          movers: int = 20) -> Report:
    """The report of ``snapshot``; with ``against``, what moved since; with ``history``
    (snapshots oldest first), the share of each language over time, per project."""
    table = snapshot.breakdown
    repos = snapshot.repos.sort(["project", "repo"]).to_dicts()
    projects = []
    for name in sorted({r["project"] for r in repos}):
        members = tuple(_repo(r, table) for r in repos if r["project"] == name and r["status"] in COUNTED)
        projects.append(Project(name, make_bar(table.filter(pl.col("project") == name)), members))
    problems = tuple(_repo(r, table) for r in repos if r["status"] not in COUNTED)
    manifest = snapshot.manifest
    report = Report(
        snapshot_id=snapshot.id, created_at=str(manifest.get("described_at") or manifest.get("created_at")),
        tool_version=str((manifest.get("tool") or {}).get("version")),
        language_data=dict(manifest.get("language_data") or {}), projects=tuple(projects), problems=problems,
        totals={"projects": len(projects), "repos": len(repos), "files": int(snapshot.repos["files"].sum() or 0),
                "bytes": int(table["bytes"].sum() or 0)},
    )
    extra: dict[str, Any] = {}
    if against is not None:
        from crawler.diff import notes

        changes = diff_snapshots(against, snapshot)
        # Movers within what both snapshots have; whole repositories and components that came or
        # went are listed apart (appeared / disappeared).
        moved = changes.filter((pl.col("change") != "unchanged") & (pl.col("repo_change") == "kept")
                               & (pl.col("component_change") == "kept"))
        extra.update(
            against=against.id,
            movers=tuple(moved.head(movers).to_dicts()),
            appeared=tuple(_appeared(changes, "added")),
            disappeared=tuple(_appeared(changes, "removed")),
            diff_notes=notes(against, snapshot).warnings,
        )
    if history is not None:
        trends, note = trend(history)
        extra.update(trends=trends, trend_note=note)
    if extra:
        report = Report(**{**report.__dict__, **extra})
    return report


def _appeared(changes: pl.DataFrame, kind: str) -> list[dict[str, Any]]:
    """Repositories, components and languages that appeared (or disappeared), each named once."""
    out: list[dict[str, Any]] = []
    repos = changes.filter(pl.col("repo_change") == kind).select("project", "repo").unique(maintain_order=True)
    out += [{"what": "repository", "name": f"{p} / {r}"} for p, r in repos.iter_rows()]
    comps = changes.filter((pl.col("component_change") == kind) & (pl.col("repo_change") == "kept")) \
        .select("project", "repo", "component").unique(maintain_order=True)
    out += [{"what": "component", "name": f"{p} / {r} / {c}"} for p, r, c in comps.iter_rows()]
    langs = changes.filter((pl.col("change") == kind) & (pl.col("component_change") == "kept"))
    out += [{"what": "language", "name": f"{p} / {r} / {c}: {lang}"}
            for p, r, c, lang in langs.select("project", "repo", "component", "language").iter_rows()]
    return out


def _date(snapshot: Snapshot) -> str:
    text = str(snapshot.manifest.get("described_at") or snapshot.manifest.get("created_at") or snapshot.id)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def trend(history: list[Snapshot], top: int = 6) -> tuple[tuple[Trend, ...], str | None]:
    """Per project, the share of its top languages in each snapshot of ``history``."""
    if len(history) < 2:
        return (), "one snapshot only: a trend needs two or more (census backfill makes past ones)"
    frames = []
    dates: list[str] = []
    for snap in history:
        day = _date(snap)
        if day in dates:  # two snapshots in the same minute: tell them apart
            day = f"{day} ({snap.id})"
        dates.append(day)
        totals = snap.breakdown.group_by("project", "language").agg(pl.col("bytes").sum())
        if not totals.is_empty():
            frames.append(totals.with_columns(pl.lit(day).alias("date")))
    if not frames:
        return (), "no counted files in these snapshots"
    data = pl.concat(frames).with_columns(
        (pl.col("bytes") / pl.col("bytes").sum().over("project", "date")).alias("share"))
    trends = []
    for project in sorted(data["project"].unique().to_list()):
        mine = data.filter(pl.col("project") == project)
        present = set(mine["date"].to_list())
        leaders = (mine.group_by("language").agg(pl.col("share").max().alias("peak"))
                   .sort(["peak", "language"], descending=[True, False])["language"].head(top).to_list())
        series = []
        for language in leaders:
            rows = dict(mine.filter(pl.col("language") == language).select("date", "share").iter_rows())
            points = tuple((d, float(rows.get(d, 0.0)) if d in present else None) for d in dates)
            series.append(TrendSeries(language, color(language), points))
        trends.append(Trend(project, tuple(dates), tuple(series)))
    return tuple(trends), None
