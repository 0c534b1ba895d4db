"""What a report shows, as plain values: assembled from snapshots with polars, rendered by
``html.py`` and ``markdown.py`` (which hold no logic of their own beyond layout)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from crawler.aggregate import repos_by_top_language
from crawler.changes import diff as diff_snapshots
from crawler.changes import not_compared, notes
from crawler.linguist import languages
from crawler.snapshot import Snapshot
from crawler.values import COUNTED

OTHER = "Other"
OTHER_COLOR = "#ededed"  # GitHub's colour for what its bar lumps together
NO_COLOR = "#cccccc"
BAR_LIMIT = 8            # languages named on a bar; the rest are "Other", as on GitHub
CARDS_LIMIT = 60         # repositories drawn per project (the largest); the rest are counted
LIST_LIMIT = 30          # items of a list (appeared, disappeared, not counted) before "and N more"
POPULATION_MIN = 5       # repositories with a top language before the population section shows


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
    moments: tuple[datetime, ...] = ()
    marks: tuple[tuple[datetime, str], ...] = ()   # where the set of repositories changed, and how
    kind: str = "bytes"                            # shares of bytes, or of repositories ("repos")


@dataclass(frozen=True)
class Cohort:
    """Repositories created in one year, by top language: (language, repositories, colour)."""

    label: str
    parts: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class Population:
    """Repositories counted by their top language (each repository once)."""

    repos: int                      # repositories with a top language
    without_code: int               # counted repositories without counted code
    left_out: int                   # repositories not counted (failed, deferred …)
    bar: Bar                        # segments: share of repositories; ``bytes`` and ``files`` hold counts
    cohorts: tuple[Cohort, ...]     # by creation year (GitHub's created_at), oldest first
    trend: Trend | None = None      # share of repositories topped by each language, over snapshots


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
    counted: int = 0                                 # repositories counted (ok or unchanged)
    more: dict[str, int] = field(default_factory=dict)   # list name → items left off it
    not_compared: tuple[dict[str, Any], ...] = ()
    population: Population | None = None
    hidden_repos: dict[str, int] = field(default_factory=dict)  # project → repositories not drawn


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
    if not clone or not commit or not str(clone).startswith(("https://", "http://")):
        return None
    base = clone[:-4] if clone.endswith(".git") else clone
    return f"{base}/tree/{commit}"


_EMPTY = pl.DataFrame(schema={"project": pl.String, "repo": pl.String, "component": pl.String,
                              "language": pl.String, "bytes": pl.Int64, "files": pl.Int64, "code": pl.Int64})


def _repo(row: dict[str, Any], mine: pl.DataFrame) -> Repo:
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
    (snapshots of its series, oldest first), the share of each language over time, per project."""
    table = snapshot.breakdown
    by_repo = table.partition_by(["project", "repo"], as_dict=True)
    repos = snapshot.repos.sort(["project", "repo"]).to_dicts()
    projects = []
    hidden: dict[str, int] = {}
    for name in sorted({r["project"] for r in repos}):
        members = [r for r in repos if r["project"] == name and r["status"] in COUNTED]
        members.sort(key=lambda r: -int(r.get("counted_bytes") or 0))
        if len(members) > CARDS_LIMIT:
            hidden[name] = len(members) - CARDS_LIMIT
        cards = tuple(_repo(r, by_repo.get((r["project"], r["repo"]), _EMPTY))
                      for r in sorted(members[:CARDS_LIMIT], key=lambda r: str(r["repo"]).lower()))
        projects.append(Project(name, make_bar(table.filter(pl.col("project") == name)), cards))
    problem_rows = [r for r in repos if r["status"] not in COUNTED]
    problems = tuple(_repo(r, _EMPTY) for r in problem_rows[:200])
    manifest = snapshot.manifest
    counted = sum(1 for r in repos if r["status"] in COUNTED)
    report = Report(
        snapshot_id=snapshot.id, created_at=str(manifest.get("described_at") or manifest.get("created_at")),
        tool_version=str((manifest.get("tool") or {}).get("version")),
        language_data=dict(manifest.get("language_data") or {}), projects=tuple(projects), problems=problems,
        totals={"projects": len(projects), "repos": len(repos), "files": int(snapshot.repos["files"].sum() or 0),
                "bytes": int(table["bytes"].sum() or 0)},
        counted=counted, hidden_repos=hidden,
        more={"problems": max(0, len(problem_rows) - len(problems))},
        population=population(snapshot, history),
    )
    extra: dict[str, Any] = {}
    if against is not None:
        changes = diff_snapshots(against, snapshot, by="repo")
        # Movers within repositories compared on both sides, the biggest move of code first; whole
        # repositories that came or went are listed apart (appeared / disappeared), once each.
        moved = changes.filter((pl.col("change") != "unchanged") & (pl.col("repo_change") == "kept"))
        appeared, disappeared = _came_and_went(changes)
        extra.update(
            against=against.id,
            movers=tuple(moved.head(movers).to_dicts()),
            appeared=tuple(appeared[:LIST_LIMIT]), disappeared=tuple(disappeared[:LIST_LIMIT]),
            more={**report.more, "movers": max(0, moved.height - movers),
                  "appeared": max(0, len(appeared) - LIST_LIMIT), "disappeared": max(0, len(disappeared) - LIST_LIMIT)},
            not_compared=tuple(not_compared(against, snapshot).to_dicts()),
            diff_notes=notes(against, snapshot).warnings,
        )
    if history is not None:
        trends, note = trend(history)
        extra.update(trends=trends, trend_note=note)
    if extra:
        report = Report(**{**report.__dict__, **extra})
    return report


def _came_and_went(changes: pl.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Repositories that appeared or disappeared, each named once with its counted bytes."""
    out: dict[str, list[dict[str, Any]]] = {"added": [], "removed": []}
    whole = changes.filter(pl.col("repo_change").is_in(["added", "removed"]))
    for (project, repo, kind), group in whole.group_by(["project", "repo", "repo_change"], maintain_order=True):
        size = group["bytes_new" if kind == "added" else "bytes_old"].fill_null(0).sum()
        out[str(kind)].append({"what": "repository", "name": f"{project} / {repo}", "bytes": int(size)})
    for items in out.values():
        items.sort(key=lambda a: -int(a["bytes"]))
    return out["added"], out["removed"]


def _moment(snapshot: Snapshot) -> datetime:
    text = str(snapshot.manifest.get("described_at") or snapshot.manifest.get("created_at") or "")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.strptime(snapshot.id[:16], "%Y%m%dT%H%M%SZ")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(snapshot: Snapshot) -> str:
    return _moment(snapshot).strftime("%Y-%m-%d %H:%M")


def _counted_repos(snapshot: Snapshot) -> pl.DataFrame:
    return snapshot.repos.filter(pl.col("status").is_in(sorted(COUNTED))).select("project", "repo")


def trend(history: list[Snapshot], top: int = 6) -> tuple[tuple[Trend, ...], str | None]:
    """Per project, the share of its top languages in each snapshot of ``history``, with a mark
    wherever the set of counted repositories changed (a language may rise only because one came)."""
    if len(history) < 2:
        return (), "one snapshot only: a trend needs two or more (census backfill makes past ones)"
    frames = []
    dates: list[str] = []
    moments: list[datetime] = []
    members: list[dict[str, set[str]]] = []
    for snap in history:
        day = _date(snap)
        if day in dates:  # two snapshots in the same minute: tell them apart
            day = f"{day} ({snap.id})"
        dates.append(day)
        moments.append(_moment(snap))
        counted = _counted_repos(snap)
        members.append({p: set(g["repo"].to_list()) for (p,), g in counted.group_by(["project"])})
        totals = snap.breakdown.join(counted, on=["project", "repo"]).group_by("project", "language").agg(
            pl.col("bytes").sum())
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
        marks = []
        for k in range(1, len(history)):
            before, after = members[k - 1].get(project, set()), members[k].get(project, set())
            came, went = len(after - before), len(before - after)
            if (came or went) and before:
                text = " / ".join(t for t in (f"+{came}" if came else "", f"−{went}" if went else "") if t)
                marks.append((moments[k], f"{text} repositories"))
        trends.append(Trend(project, tuple(dates), tuple(series), tuple(moments), tuple(marks)))
    return tuple(trends), None


def _top_counts(snapshot: Snapshot) -> tuple[pl.DataFrame, int, int]:
    """(repositories with their top language and creation year, counted without code, left out);
    a repository found in two projects counts once."""
    table = repos_by_top_language(snapshot.repos, snapshot.breakdown).with_columns(
        pl.col("created_at").str.slice(0, 4).alias("year"))
    tops = table.filter(pl.col("language").is_not_null())
    left_out = snapshot.repos.filter(~pl.col("status").is_in(sorted(COUNTED))).height
    return tops, table.height - tops.height, left_out


def _count_bar(counts: dict[str, int], limit: int = BAR_LIMIT) -> Bar:
    total = sum(counts.values())
    if not total:
        return Bar((), 0)
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown, rest = items[:limit], items[limit:]
    segments = [Segment(lang, n / total, n, n, None, color(lang)) for lang, n in shown]
    if rest:
        other = sum(n for _, n in rest)
        segments.append(Segment(OTHER, other / total, other, other, None, OTHER_COLOR))
    return Bar(tuple(segments), total)


def population(snapshot: Snapshot, history: list[Snapshot] | None = None, top: int = 7) -> Population | None:
    """Repositories by top language, per creation year, and over the snapshots of ``history``."""
    tops, without, left_out = _top_counts(snapshot)
    if tops.height < POPULATION_MIN:
        return None
    counts = {str(k): int(v) for k, v in tops.group_by("language").len().iter_rows()}
    bar = _count_bar(counts)
    leaders = [s.language for s in bar.segments if s.language != OTHER][:top]
    cohorts = []
    for (year,), group in tops.with_columns(pl.col("year").fill_null("unknown")).group_by(["year"]):
        per = {str(k): int(v) for k, v in group.group_by("language").len().iter_rows()}
        parts = [(lang, per[lang], color(lang)) for lang in leaders if per.get(lang)]
        other = sum(n for lang, n in per.items() if lang not in leaders)
        if other:
            parts.append((OTHER, other, OTHER_COLOR))
        cohorts.append(Cohort(str(year), tuple(parts)))
    cohorts.sort(key=lambda c: (c.label == "unknown", c.label))
    over_time = None
    if history is not None and len(history) >= 2:
        dates, moments, shares = [], [], []
        for snap in history:
            snap_tops = _top_counts(snap)[0]
            total = snap_tops.height
            per = {str(k): int(v) for k, v in snap_tops.group_by("language").len().iter_rows()}
            dates.append(_date(snap))
            moments.append(_moment(snap))
            shares.append({lang: per.get(lang, 0) / total for lang in leaders} if total else {})
        series = tuple(TrendSeries(lang, color(lang), tuple((d, s.get(lang) if s else None)
                                                            for d, s in zip(dates, shares, strict=True)))
                       for lang in leaders[:6])
        over_time = Trend("all repositories", tuple(dates), series, tuple(moments), kind="repos")
    return Population(tops.height, without, left_out, bar, tuple(cohorts), over_time)
