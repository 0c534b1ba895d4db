"""Claims about what projects are written in, checked against a snapshot.

A claim is a sentence, a scope and an expectation in a small grammar::

    [[claim]]
    text = "Hugging Face's Transformers includes a Rust implementation"
    scope = "huggingface/transformers"   # a project, a repository, repository:component, or "*"
    expect = "Rust present"
    by = "bytes"                         # or "code" (lines of code); default bytes

Expectations (language names as Linguist writes them, or any alias: ``rust``, ``cpp``, ``c#``)::

    X is the top language        X has the largest share in the scope
    X >= N%                      X's share is at least N percent (also >, <=, <, =)
    X > Y                        X has more than Y (also >=, <, <=)
    X present                    X has any counted bytes (or lines of code)
    X absent                     X has none

Shares are of the scope's counted bytes (Linguist's bar) or lines of code, languages summed by
Linguist's group, as on GitHub's bar. A verdict is ``HOLDS``, ``FAILS`` or ``UNKNOWN`` (the scope
is not in the snapshot, one of its repositories could not be scanned, or no lines were counted).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from crawler.errors import InputError
from crawler.linguist import languages
from crawler.snapshot import Snapshot
from crawler.values import COUNTED

OK_STATUSES = sorted(COUNTED)
_OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b, "=": lambda a, b: abs(a - b) < 1e-9}
_LANG = r"(?P<{}>[^<>=%]+?)"
_PATTERNS = [
    ("top", re.compile(rf"^{_LANG.format('x')}\s+is\s+the\s+top\s+language$", re.I)),
    ("share", re.compile(rf"^{_LANG.format('x')}\s*(?P<op>>=|<=|>|<|=)\s*(?P<n>\d+(?:\.\d+)?)\s*%$", re.I)),
    ("compare", re.compile(rf"^{_LANG.format('x')}\s*(?P<op>>=|<=|>|<)\s*{_LANG.format('y')}$", re.I)),
    ("present", re.compile(rf"^{_LANG.format('x')}\s+present$", re.I)),
    ("absent", re.compile(rf"^{_LANG.format('x')}\s+absent$", re.I)),
]


class ClaimError(InputError):
    """A claim that cannot be understood; the message names the claim."""


@dataclass(frozen=True)
class Expectation:
    kind: str                 # top | share | compare | present | absent
    language: str             # Linguist group name
    other: str | None = None  # compare: the other language
    op: str | None = None
    percent: float | None = None


@dataclass(frozen=True)
class Claim:
    text: str
    scope: str
    expect: Expectation
    expect_text: str
    by: str = "bytes"


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    verdict: str              # HOLDS | FAILS | UNKNOWN
    figures: str

    def line(self) -> str:
        return f"{self.verdict:7} {self.claim.text} — {self.figures}"


def _language(name: str, claim_text: str) -> str:
    found = languages.find_by_alias(name.strip())
    if found is None:
        raise ClaimError(f"claim {claim_text!r}: unknown language {name.strip()!r}")
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
            return Expectation(kind, x, op=match["op"], percent=float(match["n"]))
        if kind == "compare":
            return Expectation(kind, x, other=_language(match["y"], claim_text), op=match["op"])
        return Expectation(kind, x)
    raise ClaimError(f"claim {claim_text!r}: cannot understand expect = {text!r} (use \"X is the top language\", "
                     "\"X >= N%\", \"X > Y\", \"X present\" or \"X absent\")")


def parse_claims(raw: Sequence[Mapping[str, Any]]) -> list[Claim]:
    """``[[claim]]`` tables as given in a config."""
    claims = []
    for index, table in enumerate(raw):
        text = table.get("text")
        label = text if isinstance(text, str) and text else f"claim[{index}]"
        unknown = set(table) - {"text", "scope", "expect", "by"}
        if unknown:
            raise ClaimError(f"claim {label!r}: unknown key(s) {', '.join(sorted(unknown))}")
        for key in ("text", "scope", "expect"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                raise ClaimError(f"claim {label!r}: {key} must be a non-empty string")
        by = table.get("by", "bytes")
        if by not in ("bytes", "code"):
            raise ClaimError(f"claim {label!r}: by must be \"bytes\" or \"code\", not {by!r}")
        claims.append(Claim(table["text"], table["scope"].strip(), parse_expectation(table["expect"], label),
                            table["expect"], by))
    return claims


def _scope_rows(snapshot: Snapshot, scope: str) -> tuple[pl.DataFrame, pl.DataFrame, str] | None:
    """(breakdown rows, repos rows, description) of a scope, or None when it is not in the snapshot."""
    b, repos = snapshot.breakdown, snapshot.repos
    if scope in ("*", "all"):
        return b, repos, "all repositories"
    names = pl.col("repo").str.to_lowercase()
    canonical = pl.col("canonical").fill_null("").str.to_lowercase()
    wanted = scope.lower()
    projects = repos.filter(pl.col("project") == scope)
    if projects.height:
        return b.filter(pl.col("project") == scope), projects, f"project {scope}"
    chosen = repos.filter((names == wanted) | (canonical == wanted))
    if chosen.height:
        keys = chosen.select("project", "repo")
        return b.join(keys, on=["project", "repo"]), chosen, ", ".join(sorted(set(chosen["repo"])))
    if ":" in scope:
        repo, _, component = scope.rpartition(":")
        chosen = repos.filter((names == repo.lower()) | (canonical == repo.lower()))
        if chosen.height:
            rows = b.join(chosen.select("project", "repo"), on=["project", "repo"])
            rows = rows.filter(pl.col("component") == component)
            return rows, chosen, f"{repo}:{component}"
    return None


def evaluate(claim: Claim, snapshot: Snapshot) -> Verdict:
    found = _scope_rows(snapshot, claim.scope)
    if found is None:
        return Verdict(claim, "UNKNOWN", f"{claim.scope} is not in snapshot {snapshot.id}")
    rows, repos, where = found
    broken = repos.filter(~pl.col("status").is_in(OK_STATUSES))
    if broken.height:
        reasons = "; ".join(f"{r['repo']}: {r['status']} ({r['error'] or 'no detail'})" for r in broken.to_dicts())
        scanned = repos.filter(pl.col("status").is_in(OK_STATUSES))
        partial = ""
        if scanned.height:
            kept = rows.join(scanned.select("project", "repo"), on=["project", "repo"])
            figures = _measure(claim, kept, scanned, f"the {scanned.height} scanned")
            partial = f"; over the {scanned.height} scanned it would {figures.verdict[:-1].lower()}: {figures.figures}"
        return Verdict(claim, "UNKNOWN",
                       f"{broken.height} of {repos.height} repositories not scanned ({reasons}){partial}")
    return _measure(claim, rows, repos, where)


def _measure(claim: Claim, rows: pl.DataFrame, repos: pl.DataFrame, where: str) -> Verdict:
    pinned = [f"{r['repo']}@{(r['commit'] or '?')[:10]}" for r in repos.sort("repo").to_dicts()]
    more = len(pinned) - 4
    commits = ", ".join(pinned[:4]) + (f", and {more} more (commits in repos.parquet)" if more > 0 else "")
    measure = "bytes" if claim.by == "bytes" else "code"
    if measure == "code" and rows["code"].is_null().all() and rows.height:
        return Verdict(claim, "UNKNOWN", f"no lines of code were counted in {where} (scanned with --no-lines?)")
    totals = rows.group_by("language").agg(pl.col(measure).fill_null(0).sum().alias("amount"))
    amounts = dict(zip(totals["language"], totals["amount"], strict=True))
    total = sum(amounts.values())
    unit = "bytes" if measure == "bytes" else "lines of code"

    def fig(lang: str) -> str:
        amount = amounts.get(lang, 0)
        share = 100 * amount / total if total else 0.0
        return f"{lang} {share:.1f}% ({amount:,} {unit})"

    e = claim.expect
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
    return Verdict(claim, "HOLDS" if holds else "FAILS", f"{detail} in {where} [{commits}]")


def check(snapshot: Snapshot, claims: Sequence[Claim]) -> list[Verdict]:
    return [evaluate(c, snapshot) for c in claims]


def claims_of(snapshot: Snapshot) -> list[Claim]:
    """The claims of the config the snapshot was made with (none when it had no config)."""
    config = snapshot.manifest.get("config") or {}
    toml = config.get("toml") or {}
    return parse_claims(toml.get("claim", []))
