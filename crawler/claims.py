"""Claims about what projects are written in, checked against a snapshot.

A claim is a sentence, a scope and an expectation in a small grammar::

    [[claim]]
    text = "Hugging Face's Transformers includes a Rust implementation"
    scope = "huggingface/transformers"   # a project, a repository, repository:component, or "*"
    expect = "Rust present"
    by = "bytes"                         # or "code" (lines of code), or "repos"; default bytes
    where = { created_since = 2024-01-01, min_stars = 100 }   # optional: narrows the repositories
    tolerance = 0                        # repositories left out before the verdict is UNKNOWN

Expectations (language names as Linguist writes them, or any alias: ``rust``, ``cpp``, ``c#``)::

    X is the top language        X has the largest share in the scope
    X >= N%                      X's share is at least N percent (also >, <=, <, =); 0 <= N <= 100
    X > Y                        X has more than Y (also >=, <, <=)
    X present                    X has any counted bytes (lines of code; repositories it tops)
    X absent                     X has none

``by = "bytes"`` and ``"code"`` measure the scope's counted bytes (Linguist's bar) or lines of
code, languages summed by Linguist's group. ``by = "repos"`` counts repositories: each repository
in scope counts once, for its top language (the group with the most counted bytes, ties broken by
name); shares are of the repositories in scope that have counted code.

``where`` narrows the repositories by GitHub's metadata: ``created_since`` / ``created_before``
(dates), ``min_stars``, ``topic``. Repositories that failed, were deferred or were not scanned are
never counted as anything: the verdict says how many were left out, and is ``UNKNOWN`` when more
than ``tolerance`` were (a number of repositories, or a percentage such as ``"5%"``; default 0).
A scope that names nothing in the snapshot is bad input (exit 2), with the nearest names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from crawler.aggregate import repos_by_top_language
from crawler.errors import InputError
from crawler.linguist import languages
from crawler.snapshot import Snapshot
from crawler.values import COUNTED

OK_STATUSES = sorted(COUNTED)
MEASURES = ("bytes", "code", "repos")
WHERE_KEYS = ("created_since", "created_before", "min_stars", "topic")
_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b, "=": lambda a, b: abs(a - b) < 1e-9}
_LANG = r"(?P<{}>[^<>=%]+?)"
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_PATTERNS = [
    ("top", re.compile(rf"^{_LANG.format('x')}\s+is\s+the\s+top\s+language$", re.I)),
    ("share", re.compile(rf"^{_LANG.format('x')}\s*(?P<op>>=|<=|>|<|=)\s*(?P<n>\d+(?:\.\d+)?)\s*%$", re.I)),
    ("compare", re.compile(rf"^{_LANG.format('x')}\s*(?P<op>>=|<=|>|<)\s*{_LANG.format('y')}$", re.I)),
    ("present", re.compile(rf"^{_LANG.format('x')}\s+present$", re.I)),
    ("absent", re.compile(rf"^{_LANG.format('x')}\s+absent$", re.I)),
]


class ClaimError(InputError):
    """A claim that cannot be understood, or whose scope names nothing; the message names the claim."""


@dataclass(frozen=True)
class Expectation:
    kind: str                 # top | share | compare | present | absent
    language: str             # Linguist group name
    other: str | None = None  # compare: the other language
    op: str | None = None
    percent: float | None = None


@dataclass(frozen=True)
class Where:
    """Which repositories of the scope a claim is about, by GitHub's metadata."""

    created_since: date | None = None
    created_before: date | None = None
    min_stars: int | None = None
    topic: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.created_since, self.created_before, self.min_stars, self.topic))

    def describe(self) -> str:
        parts = []
        if self.created_since:
            parts.append(f"created since {self.created_since}")
        if self.created_before:
            parts.append(f"created before {self.created_before}")
        if self.min_stars is not None:
            parts.append(f"{self.min_stars:,}+ stars")
        if self.topic:
            parts.append(f"topic {self.topic}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Claim:
    text: str
    scope: str
    expect: Expectation
    expect_text: str
    by: str = "bytes"
    where: Where = Where()
    tolerance: int | None = 0          # repositories left out before UNKNOWN (None: see tolerance_pct)
    tolerance_pct: float | None = None


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    verdict: str              # HOLDS | FAILS | UNKNOWN
    figures: str
    left_out: int = 0

    def line(self) -> str:
        return f"{self.verdict:7} {self.claim.text} — {self.figures}"


def _language(name: str, claim_text: str) -> str:
    text = name.strip()
    if _NUMBER.match(text):
        raise ClaimError(f"claim {claim_text!r}: {text} is a number, not a language; a share needs a percent "
                         f"sign (\"X >= {text}%\")")
    found = languages.find_by_alias(text)
    if found is None:
        raise ClaimError(f"claim {claim_text!r}: unknown language {text!r}")
    return found.group


def parse_expectation(text: str, claim_text: str) -> Expectation:
    """An ``expect`` string in the grammar above, or a ``ClaimError`` naming the claim."""
    cleaned = " ".join(text.split())
    for kind, pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if not match:
            continue
        x = _language(match["x"], claim_text)
        if kind == "share":
            percent = float(match["n"])
            if not 0 <= percent <= 100:
                raise ClaimError(f"claim {claim_text!r}: a share lies between 0% and 100%, not {match['n']}%")
            return Expectation(kind, x, op=match["op"], percent=percent)
        if kind == "compare":
            return Expectation(kind, x, other=_language(match["y"], claim_text), op=match["op"])
        return Expectation(kind, x)
    raise ClaimError(f"claim {claim_text!r}: cannot understand expect = {text!r} (use \"X is the top language\", "
                     "\"X >= N%\", \"X > Y\", \"X present\" or \"X absent\")")


def _day(value: Any, key: str, label: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ClaimError(f"claim {label!r}: where.{key} must be a date such as 2024-01-01, not {value!r}")


def _where(raw: Any, label: str) -> Where:
    if raw is None:
        return Where()
    if not isinstance(raw, Mapping):
        raise ClaimError(f"claim {label!r}: where must be a table, e.g. where = {{ created_since = 2024-01-01 }}")
    unknown = sorted(set(raw) - set(WHERE_KEYS))
    if unknown:
        raise ClaimError(f"claim {label!r}: unknown key(s) in where: {', '.join(unknown)} "
                         f"(expected {', '.join(WHERE_KEYS)})")
    stars = raw.get("min_stars")
    if stars is not None and (not isinstance(stars, int) or isinstance(stars, bool) or stars < 0):
        raise ClaimError(f"claim {label!r}: where.min_stars must be a whole number, 0 or more")
    topic = raw.get("topic")
    if topic is not None and (not isinstance(topic, str) or not topic.strip()):
        raise ClaimError(f"claim {label!r}: where.topic must be a topic name")
    return Where(_day(raw["created_since"], "created_since", label) if "created_since" in raw else None,
                 _day(raw["created_before"], "created_before", label) if "created_before" in raw else None,
                 stars, topic.strip().lower() if topic else None)


def _tolerance(raw: Any, label: str) -> tuple[int | None, float | None]:
    if raw is None:
        return 0, None
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw, None
    if isinstance(raw, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", raw)
        if match and float(match.group(1)) <= 100:
            return None, float(match.group(1))
    raise ClaimError(f"claim {label!r}: tolerance must be a number of repositories (0 or more) or a "
                     f"percentage such as \"5%\", not {raw!r}")


def parse_claims(raw: Any) -> list[Claim]:
    """``[[claim]]`` tables as given in a config (any other shape is a ``ClaimError``)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise ClaimError("claims must be [[claim]] tables")
    claims = []
    for index, table in enumerate(raw):
        if not isinstance(table, Mapping):
            raise ClaimError(f"claim[{index}] must be a [[claim]] table, not {type(table).__name__}")
        text = table.get("text")
        label = text if isinstance(text, str) and text else f"claim[{index}]"
        unknown = set(table) - {"text", "scope", "expect", "by", "where", "tolerance"}
        if unknown:
            raise ClaimError(f"claim {label!r}: unknown key(s) {', '.join(sorted(unknown))}")
        for key in ("text", "scope", "expect"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                raise ClaimError(f"claim {label!r}: {key} must be a non-empty string")
        by = table.get("by", "bytes")
        if by not in MEASURES:
            raise ClaimError(f"claim {label!r}: by must be \"bytes\", \"code\" or \"repos\", not {by!r}")
        tolerance, tolerance_pct = _tolerance(table.get("tolerance"), label)
        claims.append(Claim(table["text"], table["scope"].strip(), parse_expectation(table["expect"], label),
                            table["expect"], by, _where(table.get("where"), label), tolerance, tolerance_pct))
    return claims


# --- scope ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a claim's scope names: breakdown rows, the repositories, and how to say it."""

    rows: pl.DataFrame
    repos: pl.DataFrame
    where: str


def _config_projects(snapshot: Snapshot) -> set[str]:
    """The project names of the config the snapshot was made with."""
    config = snapshot.manifest.get("config") or {}
    toml = config.get("toml") if isinstance(config, dict) else None
    projects = toml.get("project") if isinstance(toml, dict) else None
    return {p["name"] for p in projects if isinstance(p, dict) and isinstance(p.get("name"), str)} \
        if isinstance(projects, list) else set()


def _names(snapshot: Snapshot) -> list[str]:
    repos = snapshot.repos
    names = set(repos["project"].to_list()) | set(repos["repo"].to_list())
    names |= {c for c in repos["canonical"].to_list() if c}
    comps = snapshot.breakdown.select("repo", "component").unique()
    names |= {f"{r}:{c}" for r, c in comps.iter_rows()}
    return sorted(names)


def scope_of(snapshot: Snapshot, claim: Claim) -> Scope:
    """The rows and repositories ``claim.scope`` names; ``ClaimError`` (exit 2) when it names nothing."""
    b, repos, scope = snapshot.breakdown, snapshot.repos, claim.scope
    if scope in ("*", "all"):
        return Scope(b, repos, "all repositories")
    names = pl.col("repo").str.to_lowercase()
    canonical = pl.col("canonical").fill_null("").str.to_lowercase()
    projects = repos.filter(pl.col("project") == scope)
    if projects.height or scope in _config_projects(snapshot):  # a project of the list, even with no repository
        return Scope(b.filter(pl.col("project") == scope), projects, f"project {scope}")
    chosen = repos.filter((names == scope.lower()) | (canonical == scope.lower()))
    if chosen.height:
        keys = chosen.select("project", "repo")
        return Scope(b.join(keys, on=["project", "repo"]), chosen, ", ".join(sorted(set(chosen["repo"]))))
    if ":" in scope:
        repo, _, component = scope.rpartition(":")
        chosen = repos.filter((names == repo.lower()) | (canonical == repo.lower()))
        rows = b.join(chosen.select("project", "repo"), on=["project", "repo"]).filter(
            pl.col("component") == component)
        known = snapshot.files.join(chosen.select("project", "repo"), on=["project", "repo"]).filter(
            pl.col("component") == component)
        unread = chosen.filter(~pl.col("status").is_in(OK_STATUSES)).height  # its components are unknown
        if chosen.height and (rows.height or known.height or unread):
            return Scope(rows, chosen, f"{repo}:{component}")
    near = difflib.get_close_matches(scope, _names(snapshot), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else \
        " (a scope is a project, a repository, repository:component or \"*\")"
    raise ClaimError(f"claim {claim.text!r}: scope {scope!r} names nothing in snapshot {snapshot.id}{hint}")


def _narrow(repos: pl.DataFrame, where: Where) -> pl.DataFrame:
    """The repositories ``where`` keeps (a repository without the metadata asked for is not kept)."""
    if not where:
        return repos
    created = pl.col("created_at").str.slice(0, 10)
    keep = pl.lit(True)
    if where.created_since:
        keep = keep & created.is_not_null() & (created >= where.created_since.isoformat())
    if where.created_before:
        keep = keep & created.is_not_null() & (created < where.created_before.isoformat())
    if where.min_stars is not None:
        keep = keep & (pl.col("stars").fill_null(-1) >= where.min_stars)
    if where.topic:
        keep = keep & pl.col("topics").fill_null([]).list.eval(pl.element().str.to_lowercase()).list.contains(
            where.topic)
    return repos.filter(keep)


# --- verdicts ------------------------------------------------------------------------------------


def evaluate(claim: Claim, snapshot: Snapshot) -> Verdict:
    scope = scope_of(snapshot, claim)
    # A repository in two projects (or found by two searches) is one repository: counted once.
    ident = pl.coalesce(pl.col("github_id").cast(pl.String), pl.col("canonical"),
                        pl.concat_str([pl.col("project"), pl.col("repo")], separator="\0"))
    repos = _narrow(scope.repos, claim.where).with_columns(ident.alias("_id")).unique(
        "_id", keep="first", maintain_order=True).drop("_id")
    where = scope.where + (f" ({claim.where.describe()})" if claim.where else "")
    rows = scope.rows.join(repos.select("project", "repo").unique(), on=["project", "repo"])
    scanned = repos.filter(pl.col("status").is_in(OK_STATUSES))
    broken = repos.filter(~pl.col("status").is_in(OK_STATUSES))
    kept = rows.join(scanned.select("project", "repo"), on=["project", "repo"])
    measure = _by_repos if claim.by == "repos" else _measure
    verdict = measure(claim, kept, scanned, where)
    if not broken.height:
        return verdict
    allowed = claim.tolerance if claim.tolerance is not None else \
        (claim.tolerance_pct or 0.0) * repos.height / 100
    reasons = "; ".join(f"{r['repo']}: {r['status']} ({r['error'] or 'no detail'})"
                        for r in broken.head(3).to_dicts()) + ("; …" if broken.height > 3 else "")
    left_out = f"{broken.height} of {repos.height} repositories left out ({reasons})"
    if broken.height > allowed:
        partial = ""
        if scanned.height and verdict.verdict != "UNKNOWN":
            partial = (f"; over the {scanned.height} scanned it would {verdict.verdict[:-1].lower()}: "
                       f"{verdict.figures}")
        return Verdict(claim, "UNKNOWN", left_out + partial, broken.height)
    return Verdict(claim, verdict.verdict, f"{verdict.figures}; {left_out}, within the claim's tolerance",
                   broken.height)


def _commits(repos: pl.DataFrame) -> str:
    named = repos.unique("repo", keep="first").sort("repo")
    pinned = [f"{r['repo']}@{(r['commit'] or '?')[:10]}" for r in named.head(5).to_dicts()]
    more = named.height - 4
    return ", ".join(pinned[:4]) + (f", and {more:,} more (commits in repos.parquet)" if more > 0 else "")


def _judge(claim: Claim, amounts: dict[str, int], fig: Any) -> tuple[bool, str]:
    e = claim.expect
    total = sum(amounts.values())
    top = max(amounts.items(), key=lambda kv: (kv[1], kv[0]))[0] if amounts else None
    if e.kind == "top":
        holds = top == e.language
        detail = f"{fig(e.language)}; top: {fig(top)}" if top and top != e.language else fig(e.language)
    elif e.kind == "share":
        share = 100 * amounts.get(e.language, 0) / total if total else 0.0
        holds = _OPS[e.op or ">="](share, e.percent or 0.0)
        detail = f"{fig(e.language)}, expected {e.op} {e.percent:g}%"
    elif e.kind == "compare":
        other = e.other or ""
        holds = _OPS[e.op or ">"](amounts.get(e.language, 0), amounts.get(other, 0))
        detail = f"{fig(e.language)} vs {fig(other)}"
    elif e.kind == "present":
        holds = amounts.get(e.language, 0) > 0
        detail = fig(e.language) + (f"; top: {fig(top)}" if top and top != e.language else "")
    else:
        holds = amounts.get(e.language, 0) == 0
        detail = fig(e.language)
    return holds, detail


def _measure(claim: Claim, rows: pl.DataFrame, repos: pl.DataFrame, where: str) -> Verdict:
    measure = "bytes" if claim.by == "bytes" else "code"
    if not repos.height:
        return Verdict(claim, "UNKNOWN", f"no scanned repository in {where}")
    if measure == "code" and rows["code"].is_null().all() and rows.height:
        return Verdict(claim, "UNKNOWN", f"no lines of code were counted in {where} (scanned with --no-lines?)")
    totals = rows.group_by("language").agg(pl.col(measure).fill_null(0).sum().alias("amount"))
    amounts = {str(k): int(v) for k, v in zip(totals["language"], totals["amount"], strict=True)}
    total = sum(amounts.values())
    unit = "bytes" if measure == "bytes" else "lines of code"

    def fig(lang: str) -> str:
        amount = amounts.get(lang, 0)
        share = 100 * amount / total if total else 0.0
        return f"{lang} {share:.1f}% ({amount:,} {unit})"

    holds, detail = _judge(claim, amounts, fig)
    return Verdict(claim, "HOLDS" if holds else "FAILS", f"{detail} in {where} [{_commits(repos)}]")


def _by_repos(claim: Claim, rows: pl.DataFrame, repos: pl.DataFrame, where: str) -> Verdict:
    if not repos.height:
        return Verdict(claim, "UNKNOWN", f"no scanned repository in {where}")
    table = repos_by_top_language(repos, rows)
    tops = table.filter(pl.col("language").is_not_null())
    empty, counted = table.height - tops.height, tops.height
    amounts = {str(k): int(v) for k, v in tops.group_by("language").len().iter_rows()}

    def fig(lang: str) -> str:
        n = amounts.get(lang, 0)
        return f"{lang} tops {n:,} of {counted:,} repositories ({100 * n / counted if counted else 0:.1f}%)"

    holds, detail = _judge(claim, amounts, fig)
    extra = f"; {empty:,} without counted code" if empty else ""
    return Verdict(claim, "HOLDS" if holds else "FAILS", f"{detail} in {where}{extra} [{_commits(repos)}]")


def check(snapshot: Snapshot, claims: Sequence[Claim]) -> list[Verdict]:
    return [evaluate(c, snapshot) for c in claims]


def claims_of(snapshot: Snapshot) -> list[Claim]:
    """The claims of the config the snapshot was made with (none when it had no config)."""
    config = snapshot.manifest.get("config") or {}
    toml = config.get("toml") or {}
    return parse_claims(toml.get("claim", []))
