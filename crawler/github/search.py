"""Every repository a GitHub search matches, past GitHub's 1,000-result cap, for the fewest requests.

GitHub's repository search (``GET /search/repositories?q=…``) has limits that shape this module:

* it serves only the first 1,000 results of a query (10 pages of 100): a page past them answers
  422 whatever ``total_count`` says, so a query of more matches cannot be listed as it is;
* it has a rate limit of its own, apart from the core 5,000 an hour: 30 requests a minute with a
  token, 10 without (``X-RateLimit-Resource: search``);
* it leaves forks out unless the query says ``fork:true`` (or ``fork:only``).

The algorithm. The query is asked once. When ``total_count`` is at most 1,000 its pages are read,
100 a page, and that is all: ``ceil(n / 100)`` requests, the least possible. Otherwise the query is
cut into slices by creation time (``created:A..B``, to the second), which partition its matches:
each repository was created once, at one second. The whole range is what the query's own
``created:`` qualifiers allow (read and intersected; they are replaced by the slices' ranges) or,
without them, everything: the first slice is open below (``created:<…``) and the last open above
(``created:>=…``), so that no clock can lose a repository — not ours, not GitHub's, and not
GitHub's founding (2007-10-01), which only places the first cuts. A slice whose count is over
1,000 is cut into ``k`` spans of equal time, ``k = ceil(count / 800)`` (at least 2, so plain
bisection up to 1,600 matches; 800 rather than 1,000 leaves room for matches that are not spread
evenly in time, as a cut slice that is still over the cap costs a request more), and so on down to
one second. The first page of every slice is both its count and its first 100 results: a slice that
needs no cut costs exactly its pages, a cut one costs a single request, whose results are kept. A
one-second slice of more than 1,000 matches (impossible on GitHub) is listed as far as GitHub
allows, with a warning. Slices are asked depth first, oldest first.

Results are deduplicated by repository id across slices (a repository can move between slices or
pages while the search runs); the last answer that listed one wins: the freshest, and the
narrowest query. ``filters`` (``OwnerFilters``) apply after listing; what of them GitHub can apply
itself (archived, stars, pushed) is also added to the query when the query says nothing of it, so
there are fewer results to page through; forks are left out by GitHub already, so ``fork:true`` is
added only when ``filters.forks`` wants them.

The search budget is spent to its last request and no further: when an answer says none is left,
the next request waits for the reset (by the server's ``Date``, as ``rate_limit_wait`` reads it)
rather than being refused; a refusal all the same (another client spending the same budget) is
waited out by ``GitHubAPI``'s retry policy. A wait past ``max_wait`` is a ``DeferredError``.

Every answer is untrusted: an item that is not a repository is skipped with a warning, not the
whole search; an answer without a usable ``total_count`` or ``items`` is a ``SourceError`` for the
query; and a search is capped at ``max_requests`` requests, so that counts that never shrink (a
broken or hostile server) cannot make census cut slices for ever.

Known limits: the slices are added to the query with a space (an AND), so a query with ``OR`` or
``NOT`` between terms gets GitHub's precedence, not parentheses; and results come in GitHub's "best
match" order unless ``sort`` says otherwise, which GitHub may reorder between pages of one slice
(the final count check below warns when fewer repositories were listed than counted).
"""

from __future__ import annotations

import email.utils
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.errors import DeferredError, SourceError
from crawler.github.api import GitHubAPI, meta_from_json
from crawler.github.ratelimit import rate_limit_wait
from crawler.redact import scrub
from crawler.values import GitHubMeta, OwnerFilters

log = logging.getLogger(__name__)

RESULT_CAP = 1000            # GitHub serves the first 1,000 results of a query, no more
PER_PAGE = 100               # GitHub's largest page
MAX_PAGE = RESULT_CAP // PER_PAGE
SLICE_TARGET = 800           # matches a slice is cut to hold, on average
MAX_FANOUT = 32              # cuts of one slice at most: a hostile count cannot ask for millions at once
MAX_REQUESTS = 5000          # a search's requests at most: about 3 hours of the search budget

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FOUNDING = int((datetime(2007, 10, 1, tzinfo=UTC) - _EPOCH).total_seconds())
_FIRST = int((datetime(1, 1, 2, tzinfo=UTC) - _EPOCH).total_seconds())          # datetime's range, a day in
_LAST = int((datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH).total_seconds())
#: one term of a query: a word, a ``"phrase"``, a ``key:value`` or ``key:"value"`` (an unclosed quote runs to the end)
_TERM = re.compile(r'(?:[^\s"]+|"[^"]*"?)+')
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?")


@dataclass(frozen=True)
class SearchHit:
    """A repository a search found, and the query text (as sent) whose answer listed it."""

    meta: GitHubMeta
    query: str


@dataclass(frozen=True)
class SearchResult:
    """A search, done: ``hits`` (filtered, by full name), GitHub's count for the whole query,
    the distinct repositories listed before filtering, the requests it took (retries included)
    and what went wrong without stopping it."""

    query: str
    hits: tuple[SearchHit, ...]
    reported: int
    listed: int
    requests: int
    warnings: tuple[str, ...] = ()

    @property
    def metas(self) -> list[GitHubMeta]:
        return [hit.meta for hit in self.hits]


@dataclass(frozen=True)
class Slice:
    """A span of creation times, [lo, hi) in seconds since 1970 (UTC); None: unbounded on that side."""

    lo: int | None = None
    hi: int | None = None

    @property
    def empty(self) -> bool:
        return self.lo is not None and self.hi is not None and self.lo >= self.hi

    def qualifier(self) -> str:
        """The ``created:`` qualifier that asks for this span (none for all time)."""
        if self.lo is not None and self.hi is not None:
            return f"created:{_iso(self.lo)}..{_iso(self.hi - 1)}"  # GitHub's ranges include both ends
        if self.lo is not None:
            return f"created:>={_iso(self.lo)}"
        if self.hi is not None:
            return f"created:<{_iso(self.hi)}"
        return ""

    def intersect(self, other: Slice) -> Slice:
        los = [x for x in (self.lo, other.lo) if x is not None]
        his = [x for x in (self.hi, other.hi) if x is not None]
        return Slice(max(los) if los else None, min(his) if his else None)

    def cut(self, parts: int, now: int) -> list[Slice]:
        """This span as up to ``parts`` spans of equal time, in order; [] when it cannot be cut (one second).

        An open side is cut as if it ended at ``now`` (above) or at GitHub's founding (below), or
        further out when the span lies beyond them, by the span's own distance from the founding, so
        that repeated cuts of an open end move out geometrically, never a second at a time."""
        lo, hi = self.lo, self.hi
        if lo is not None and hi is not None:
            a, b = lo, hi
        elif lo is not None:
            a, b = lo, max(now, lo + max(parts, lo - FOUNDING))
        elif hi is not None:
            a, b = min(FOUNDING, hi - max(parts, FOUNDING - hi)), hi
        else:
            a, b = FOUNDING, max(now, FOUNDING + parts)
        a, b = max(a, _FIRST), min(b, _LAST)  # within what a date can say
        parts = min(parts, b - a)
        cuts = [c for c in (a + (b - a) * i // parts for i in range(1, parts))
                if (lo is None or c > lo) and (hi is None or c < hi)] if parts >= 2 else []
        if not cuts:
            return []
        edges = [lo, *cuts, hi]
        return [Slice(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def _iso(seconds: int) -> str:
    # not datetime.fromtimestamp: it refuses times before 1970 on some systems
    return (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moment(text: str) -> tuple[int, int]:
    """The seconds a date (the whole day, UTC) or a moment (its second) stands for: [start, end).
    ``ValueError`` for anything else."""
    try:
        if _DAY.fullmatch(text):
            start = int((datetime.fromisoformat(text).replace(tzinfo=UTC) - _EPOCH).total_seconds())
            span = 86400
        elif _MOMENT.fullmatch(text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            start, span = math.floor((moment - _EPOCH).total_seconds()), 1
        else:
            raise ValueError(text)
    except OverflowError:
        raise ValueError(text) from None
    if start < _FIRST - 86400 or start + span > _LAST:  # every bound it gives must be writable as a date
        raise ValueError(text)
    return start, start + span


def created_span(value: str) -> Slice:
    """What one ``created:`` value allows, as GitHub reads it: ``>=X``, ``>X``, ``<=X``, ``<X``,
    ``X..Y`` (``*`` for an open end) or ``X``, where a date stands for its whole day (UTC) and a
    moment for its second. ``ValueError`` when census cannot read it."""
    if ".." in value:
        first, _, second = value.partition("..")
        return Slice(None if first == "*" else _moment(first)[0], None if second == "*" else _moment(second)[1])
    if value.startswith(">="):
        return Slice(_moment(value[2:])[0], None)
    if value.startswith(">"):
        return Slice(_moment(value[1:])[1], None)
    if value.startswith("<="):
        return Slice(None, _moment(value[2:])[1])
    if value.startswith("<"):
        return Slice(None, _moment(value[1:])[0])
    return Slice(*_moment(value))


def split_created(query: str) -> tuple[str, Slice]:
    """``query`` without its ``created:`` qualifiers, and the span they allow together (intersected).
    A negated ``-created:`` stays in the query: it is not a range. ``SourceError`` for a value
    census cannot read (it could not slice the query without losing or adding matches)."""
    rest: list[str] = []
    span = Slice()
    for term in _TERM.findall(query):
        key, colon, value = term.partition(":")
        if not (colon and key.lower() == "created"):
            rest.append(term)
            continue
        try:
            span = span.intersect(created_span(value.strip('"')))
        except ValueError:
            raise SourceError(f"cannot read {scrub(term)[:80]!r} in the search {_quote(query)}: to list more than "
                              f"{RESULT_CAP:,} results census slices a search by creation time and needs dates as "
                              "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ") from None
    return " ".join(rest), span


def query_for(query: str, filters: OwnerFilters) -> str:
    """The query census sends: ``query`` and what of ``filters`` GitHub can apply itself, each only
    where ``query`` says nothing of it (two qualifiers of one kind are GitHub's to reconcile, not ours)."""
    said = {term.partition(":")[0].lower().lstrip("-") for term in _TERM.findall(query) if ":" in term}
    extra = []
    if filters.forks and "fork" not in said:
        extra.append("fork:true")  # GitHub leaves forks out unless asked; census's filters leave them out too
    if not filters.archived and "archived" not in said:
        extra.append("archived:false")
    if filters.min_stars > 0 and "stars" not in said:
        extra.append(f"stars:>={filters.min_stars}")
    if filters.pushed_since is not None and "pushed" not in said:
        extra.append(f"pushed:>={filters.pushed_since.isoformat()}")
    return " ".join([" ".join(_TERM.findall(query)), *extra]).strip()


def search(api: GitHubAPI, query: str, filters: OwnerFilters | None = None, *, now: datetime | None = None,
           sort: str | None = None, order: str | None = None, max_requests: int = MAX_REQUESTS) -> SearchResult:
    """Every repository ``query`` matches that ``filters`` accepts (see the module's docstring).

    ``now`` bounds the cuts of the newest slice (default: the server's ``Date``); ``sort`` and
    ``order`` are GitHub's (default: best match). ``SourceError`` when the search cannot be done;
    what it could do despite a problem is in ``warnings``."""
    filters = filters or OwnerFilters()
    text = query_for(query, filters)
    if not text:
        raise SourceError("an empty search: GitHub needs a query")
    before = api.requests["search"]
    run = _Search(api, now=now, sort=sort, order=order, max_requests=max_requests)
    run.run(text)
    hits = sorted((hit for hit in run.found.values() if filters.accepts(hit.meta)),
                  key=lambda hit: (hit.meta.full_name.lower(), hit.meta.id))
    return SearchResult(text, tuple(hits), run.reported, len(run.found), api.requests["search"] - before,
                        tuple(run.warnings))


def search_repositories(api: GitHubAPI, query: str, filters: OwnerFilters | None = None, *,
                        warn: Callable[[str], None] | None = None, now: datetime | None = None,
                        sort: str | None = None, order: str | None = None,
                        max_requests: int = MAX_REQUESTS) -> list[SearchHit]:
    """The hits of ``search``, sorted by full name (case-insensitive); its warnings go to ``warn``
    (default: this module's logger)."""
    result = search(api, query, filters, now=now, sort=sort, order=order, max_requests=max_requests)
    for message in result.warnings:
        (warn or log.warning)(message)
    return list(result.hits)


def _quote(query: str) -> str:
    return repr(scrub(query)[:200])


class _Search:
    """One search's state: what was found, what went wrong, and when the search budget reopens."""

    def __init__(self, api: GitHubAPI, *, now: datetime | None, sort: str | None, order: str | None,
                 max_requests: int) -> None:
        self.api = api
        self.now = now
        self.params: dict[str, str | int] = {k: v for k, v in (("sort", sort), ("order", order)) if v}
        self.max_requests = max_requests
        self.found: dict[int, SearchHit] = {}
        self.warnings: list[str] = []
        self.reported = 0
        self.sent = 0
        self.counted = 0         # matches the slices listed were counted to hold
        self.skipped = 0
        self.server_now: float | None = None
        self.open_at: float | None = None  # the gate's clock: when the search budget is back

    def run(self, query: str) -> None:
        total, count = self.page(query, 1)
        self.reported = total
        if total <= RESULT_CAP:
            self.read(query, total, count)
        else:
            base, whole = split_created(query)
            if whole.empty:
                raise SourceError(f"GitHub counts {total:,} results for {_quote(query)}, whose created: "
                                  "qualifiers allow no time at all as census reads them")
            self.slice(query, base, whole, total, count)
        if len(self.found) < self.counted - self.skipped:
            self.warn(f"GitHub counted {self.counted:,} results for {_quote(query)} and listed {len(self.found):,}: "
                      "repositories moved between pages while the search ran, or were hidden")

    def slice(self, query: str, base: str, whole: Slice, total: int, count: int) -> None:
        """Cut ``whole`` (already asked, as ``query``) until every slice fits under GitHub's cap."""
        now = int(self.now.timestamp() if self.now else self.server_now or time.time())
        todo: list[tuple[Slice, str, tuple[int, int] | None]] = [(whole, query, (total, count))]
        while todo:  # a stack, not recursion: a hostile server could make the cuts deep
            span, text, probed = todo.pop()
            total, count = probed or self.page(text, 1)
            if total <= RESULT_CAP:
                self.read(text, total, count)
                continue
            pieces = span.cut(min(MAX_FANOUT, max(2, math.ceil(total / SLICE_TARGET))), now)
            if not pieces:
                self.warn(f"GitHub counts {total:,} results for {_quote(text)}, which cannot be cut further by "
                          f"creation time: only the first {RESULT_CAP:,} are listed")
                self.read(text, total, count)
                continue
            todo.extend((piece, " ".join(filter(None, (base, piece.qualifier()))), None)
                        for piece in reversed(pieces))

    def read(self, query: str, total: int, count: int) -> None:
        """The pages after the first of a query that fits under the cap (or of one that cannot be cut).

        Driven by ``total_count`` and the page sizes, never by ``Link``: a page past the cap is
        never asked, and an answer without links loses nothing."""
        page, seen = 1, count
        self.counted += min(total, RESULT_CAP)
        while count and page < MAX_PAGE and seen < min(total, RESULT_CAP):
            page += 1
            total, count = self.page(query, page)
            seen += count

    def page(self, query: str, page: int) -> tuple[int, int]:
        """One page of ``query``: its items recorded; GitHub's count and the number of items."""
        what = f"the search {_quote(query)}"
        if self.sent >= self.max_requests:
            raise SourceError(f"{what} needs more than {self.max_requests:,} requests (GitHub counts "
                              f"{self.reported:,} results): narrow it")
        self.wait()
        self.sent += 1
        answer = self.api.get("search/repositories", kind="search", what=what,
                              params={"q": query, **self.params, "per_page": PER_PAGE, "page": page})
        self.pace(answer.headers)
        data = answer.data
        if not isinstance(data, dict):
            raise SourceError(f"unexpected answer from GitHub for {what}: not a search result")
        total, items = data.get("total_count"), data.get("items")
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            shown = "missing" if total is None else f"not a count ({scrub(repr(total))[:40]})"
            raise SourceError(f"unexpected answer from GitHub for {what}: 'total_count' is {shown}")
        if not isinstance(items, list):
            raise SourceError(f"unexpected answer from GitHub for {what}: 'items' is not a list")
        if data.get("incomplete_results") is True:
            self.warn(f"GitHub's search timed out on page {page} of {_quote(query)}: it may have left results out")
        for number, item in enumerate(items, 1):
            try:
                meta = meta_from_json(item, what)
            except SourceError as exc:
                self.skipped += 1
                self.warn(f"{exc} (result {number} of page {page}: skipped)")
                continue
            self.found[meta.id] = SearchHit(meta, query)  # the last answer wins: the freshest, the narrowest
        return total, len(items)

    def wait(self) -> None:
        """Before a request: wait for the search budget, if the last answer said it was spent."""
        if self.open_at is None:
            return
        gate, delay, self.open_at = self.api.search_gate, self.open_at - self.api.search_gate.clock(), None
        if delay > gate.max_wait:
            raise DeferredError(f"the search rate limit resets in {delay:.0f}s, more than --max-wait "
                                f"{gate.max_wait:.0f}s")
        # this thread's pause, not the shared gate's: the core budget other requests spend is not spent
        gate.pause(delay)

    def pace(self, headers: Mapping[str, str]) -> None:
        """After an answer: note the server's clock, and when the search budget is back if it is spent."""
        date = headers.get("date")
        parsed = _parse_date(date) if date else None
        if parsed is not None:
            self.server_now = parsed
        if headers.get("x-ratelimit-remaining") != "0" or headers.get("x-ratelimit-resource", "search") != "search":
            return
        signal = rate_limit_wait(403, headers)  # a refusal's arithmetic: until the reset, by the server's Date
        if signal is not None:
            self.open_at = self.api.search_gate.clock() + signal.wait

    def warn(self, message: str) -> None:
        self.warnings.append(message)


def _parse_date(text: str) -> float | None:
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
