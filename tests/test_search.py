"""GitHub repository search past the 1,000-result cap, against the fake GitHub on loopback.

Populations of a thousand repositories and more share one small bare repository (or none): the
fake holds them as metadata. One fake clock drives the server's ``Date`` and rate-limit resets and
the client's waits, so a minute's wait for the search budget takes no time.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.errors import DeferredError, SourceError
from crawler.github.api import GitHubAPI
from crawler.github.ratelimit import RateGate
from crawler.github.search import (
    FOUNDING,
    RESULT_CAP,
    SearchResult,
    Slice,
    created_span,
    query_for,
    search,
    search_repositories,
    split_created,
)
from crawler.values import GitHubOptions, OwnerFilters
from tests.conftest import MakeRepo
from tests.fake_github import Clock, FakeGitHub, FakeRepo, FakeTime

TOKEN = "ghp_search0123456789"
START = 1_800_000_000.0  # 2027-01-15T08:00:00Z: whole seconds, so the server's Date is exact
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fake(clock: FakeTime) -> Iterator[FakeGitHub]:
    with FakeGitHub(clock=Clock(clock.time), search_limit=10_000, search_limit_anonymous=10_000) as server:
        yield server


def api_for(fake: FakeGitHub, clock: FakeTime, *, token: str | None = TOKEN, max_wait: float = 900.0) -> GitHubAPI:
    options = GitHubOptions(api_url=fake.api_url, max_wait=max_wait, timeout=5)
    return GitHubAPI(options, token=token, gate=RateGate(clock=clock.time, sleep=clock.sleep, max_wait=max_wait),
                     jitter=lambda: 0.5)


def iso(seconds: float) -> str:
    return (EPOCH + timedelta(seconds=int(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


def seconds(text: str) -> int:
    return int((datetime.fromisoformat(text.replace("Z", "+00:00")) - EPOCH).total_seconds())


def populate(fake: FakeGitHub, count: int, *, owner: str = "ml", seed: int = 1, first: str = "2010-01-01",
             last: str = "2025-01-01", git_dir: Path | None = None, **meta: Any) -> list[FakeRepo]:
    """``count`` repositories created at random moments between ``first`` and ``last``."""
    rng = random.Random(seed)
    lo, hi = seconds(first + "T00:00:00Z"), seconds(last + "T00:00:00Z")
    return [fake.add_repo(f"{owner}{i % 37}/repo-{owner}-{i}", git_dir, created_at=iso(rng.uniform(lo, hi)), **meta)
            for i in range(count)]


def sent(fake: FakeGitHub) -> list[dict[str, str]]:
    """The parameters of every search request the fake received, in order."""
    return [params for _entry, params in fake.searches()]


def created_range(q: str) -> tuple[int, int] | None:
    """The [lo, hi) seconds of a slice's ``created:A..B`` (both ends inclusive, to the second)."""
    match = re.search(r"created:(\S+Z)\.\.(\S+Z)", q)
    return (seconds(match.group(1)), seconds(match.group(2)) + 1) if match else None


def names(result: SearchResult | list[Any]) -> list[str]:
    hits = result.hits if isinstance(result, SearchResult) else result
    return [hit.meta.full_name for hit in hits]


# --- past the cap -------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "cheapest", "most"), [(1100, 13, 14), (2000, 22, 24)])
def test_a_population_past_the_cap_is_listed_completely_and_cheaply(make_repo: MakeRepo, fake: FakeGitHub,
                                                                   clock: FakeTime, count: int, cheapest: int,
                                                                   most: int) -> None:
    bare = make_repo({"a.py": "1\n"}, name="shared", bare=True)
    wanted = populate(fake, count, topics=["ml"], git_dir=bare)
    populate(fake, 300, owner="other", topics=["web"], git_dir=bare)                  # another topic
    populate(fake, 40, owner="forked", topics=["ml"], fork=True, git_dir=bare)        # GitHub leaves forks out
    populate(fake, 30, owner="old", topics=["ml"], archived=True, git_dir=bare)       # the filters leave these out
    populate(fake, 20, owner="hidden", topics=["ml"], private=True, git_dir=bare)     # never in a search
    api = api_for(fake, clock)
    result = search(api, "topic:ml")

    listed = names(result)
    assert sorted(listed) == sorted(r.full_name for r in wanted) and len(set(listed)) == count
    assert len({hit.meta.id for hit in result.hits}) == count
    assert listed == sorted(listed, key=str.lower)
    assert result.reported == count and result.warnings == ()
    # the requests: counted by census and by the server alike, close to the least possible
    # (one for the whole query, then the pages of slices of at most 1,000: ceil(n/100) + one a slice)
    requests = sent(fake)
    assert result.requests == api.requests["search"] == len(requests) == sum(api.requests.values())
    assert cheapest <= len(requests) <= most, len(requests)
    # never a page past GitHub's cap, never a refusal, always pages of 100
    assert all(int(p["page"]) <= 10 and p["per_page"] == "100" for p in requests)
    assert {entry.status for entry, _ in fake.searches()} == {200}
    assert requests[0]["q"] == "topic:ml archived:false" and "created:" not in requests[0]["q"]
    # slices: the whole query's base with a created: range; together they cover all time
    slices = [p["q"] for p in requests if p["page"] == "1"][1:]
    assert all(q.startswith("topic:ml archived:false created:") for q in slices)
    assert "created:<" in slices[0] and "created:>=" in slices[-1]
    # each result is recorded with the query that found it: a slice whose range holds its creation
    sent_queries = {p["q"] for p in requests}
    for hit in result.hits:
        assert hit.query in sent_queries
        lo_hi = created_range(hit.query)
        if lo_hi:
            assert lo_hi[0] <= seconds(hit.meta.created_at or "") < lo_hi[1]


def test_a_search_within_the_cap_is_paged_without_slices(fake: FakeGitHub, clock: FakeTime) -> None:
    populate(fake, 250, topics=["small"])
    populate(fake, RESULT_CAP, owner="exact", topics=["exact"], seed=2)
    api = api_for(fake, clock)
    assert len(search(api, "topic:small").hits) == 250
    assert [(p["q"], p["page"]) for p in sent(fake)] == [("topic:small archived:false", str(n)) for n in (1, 2, 3)]
    fake.log.clear()
    assert len(search(api, "topic:exact").hits) == RESULT_CAP  # 1,000 fits: ten pages, no slice, no page 11
    assert [p["page"] for p in sent(fake)] == [str(n) for n in range(1, 11)]
    fake.log.clear()
    nothing = search(api, "topic:nothing")
    assert nothing.hits == () and nothing.reported == 0 and len(sent(fake)) == 1


def test_a_query_with_its_own_created_range_is_sliced_within_it(fake: FakeGitHub, clock: FakeTime) -> None:
    inside = populate(fake, 1200, topics=["ml"], first="2014-01-01", last="2020-01-01")
    populate(fake, 300, owner="before", topics=["ml"], first="2010-01-01", last="2013-12-31", seed=3)
    populate(fake, 300, owner="after", topics=["ml"], first="2020-01-01", last="2024-12-31", seed=4)
    api = api_for(fake, clock)
    result = search(api, "topic:ml created:2014-01-01..2019-12-31")
    assert sorted(names(result)) == sorted(r.full_name for r in inside) and result.warnings == ()
    requests = sent(fake)
    assert requests[0]["q"] == "topic:ml created:2014-01-01..2019-12-31 archived:false"
    lo, hi = seconds("2014-01-01T00:00:00Z"), seconds("2020-01-01T00:00:00Z")
    ranges = [created_range(p["q"]) for p in requests[1:] if p["page"] == "1"]
    assert ranges and all(r is not None and lo <= r[0] < r[1] <= hi for r in ranges)
    assert all(p["q"].count("created:") == 1 for p in requests)  # the query's own range is replaced, not added to
    # two created: qualifiers are intersected; an open one is closed by the other
    fake.log.clear()
    again = search(api, "created:>=2014-01-01 topic:ml created:<2020-01-01")
    assert names(again) == names(result)
    assert all(created_range(p["q"]) is not None for p in sent(fake)[1:])


def test_topics_stars_and_free_words_are_kept_in_every_slice(fake: FakeGitHub, clock: FakeTime) -> None:
    both = dict(topics=["ml", "vision"], stars=10)
    wanted = populate(fake, 1050, description="A Robot arm controller", **both)
    wanted += populate(fake, 30, owner="robot", seed=5, **both)                          # the word in the name
    populate(fake, 100, owner="one", topics=["ml"], stars=50, description="robot", seed=6)     # one topic only
    populate(fake, 100, owner="few", topics=["ml", "vision"], stars=9, description="robot", seed=7)  # stars
    populate(fake, 100, owner="mute", seed=8, **both)                                    # not the word
    api = api_for(fake, clock)
    result = search(api, "topic:ml topic:vision stars:>=10 robot")
    assert sorted(names(result)) == sorted(r.full_name for r in wanted)
    requests = sent(fake)
    assert len(requests) > 12  # sliced
    assert all(p["q"].startswith("topic:ml topic:vision stars:>=10 robot archived:false") for p in requests)
    assert all("stars:>=10" in p["q"] and p["q"].count("stars:") == 1 for p in requests)


def test_duplicates_across_pages_are_one_repository_and_the_last_answer_wins(fake: FakeGitHub,
                                                                              clock: FakeTime) -> None:
    repos = populate(fake, 150, topics=["dup"])
    ordered = sorted(repos, key=lambda r: r.id)
    moved = {**fake.repo_json(ordered[0]), "stargazers_count": 999}
    page_two = {"total_count": 150, "incomplete_results": False,
                "items": [fake.repo_json(r) for r in ordered[100:]] + [moved, fake.repo_json(ordered[1])]}
    fake.fault(r"^/api/v3/search/repositories\?.*page=2", 200, body=json.dumps(page_two))
    result = search(api_for(fake, clock), "topic:dup")
    assert len(result.hits) == 150 and result.listed == 150
    assert next(h for h in result.hits if h.meta.id == ordered[0].id).meta.stars == 999


def test_a_one_second_slice_over_the_cap_is_listed_as_far_as_github_allows(fake: FakeGitHub,
                                                                           clock: FakeTime) -> None:
    same = [fake.add_repo(f"same/r{i}", None, topics=["burst"], created_at="2020-06-01T12:00:00Z")
            for i in range(1050)]
    others = populate(fake, 20, topics=["burst"], seed=9)
    result = search(api_for(fake, clock), "topic:burst")
    listed = set(names(result))
    assert {r.full_name for r in others} <= listed
    assert len(listed & {r.full_name for r in same}) == RESULT_CAP
    assert len(result.warnings) == 1 and "cannot be cut further" in result.warnings[0]
    assert "created:2020-06-01T12:00:00Z..2020-06-01T12:00:00Z" in result.warnings[0]
    requests = sent(fake)
    assert all(int(p["page"]) <= 10 for p in requests) and {e.status for e, _ in fake.searches()} == {200}
    assert len(requests) < 120  # bisection to one second of about 20 years: some 30 levels, two slices each


# --- the search budget -----------------------------------------------------------------------------


@pytest.mark.parametrize("token", [TOKEN, None])
def test_the_search_budget_is_waited_for_not_overrun(clock: FakeTime, token: str | None) -> None:
    # with a token, this fake's budget is 10 a minute; without one, GitHub's (and the fake's) 10
    with FakeGitHub(clock=Clock(clock.time), search_limit=10) as fake:
        populate(fake, 1100, topics=["ml"])
        result = search(api_for(fake, clock, token=token), "topic:ml")
        assert len(result.hits) == 1100
        searches = fake.searches()
        assert len(searches) == 13 and {entry.status for entry, _ in searches} == {200}  # never refused
        assert clock.sleeps == [61.0]  # until the reset, by the server's Date, and a second more
        reset = int(START) + 60
        assert all(entry.at < reset for entry, _ in searches[:10])
        assert all(entry.at >= reset for entry, _ in searches[10:])  # nothing sent before the reset
        assert all(entry.headers.get("authorization") == (f"token {token}" if token else None)
                   for entry, _ in searches)


def test_a_budget_spent_elsewhere_is_waited_out_after_the_refusal(fake: FakeGitHub, clock: FakeTime) -> None:
    populate(fake, 150, topics=["ml"])
    fake.search_limit = 30
    assert fake.search_budget(True, spend=30)[0]  # another client of the same token spent the minute
    result = search(api_for(fake, clock), "topic:ml")
    assert len(result.hits) == 150
    statuses = [entry.status for entry, _ in fake.searches()]
    assert statuses == [403, 200, 200] and clock.sleeps == [61.0]
    refused, retried, _ = fake.searches()
    assert retried[0].at >= int(START) + 60 and refused[1] == retried[1]
    assert result.requests == 3  # the refused request counts: it was sent


def test_a_reset_past_max_wait_defers_the_search(clock: FakeTime) -> None:
    with FakeGitHub(clock=Clock(clock.time), search_limit=10) as fake:
        populate(fake, 1100, topics=["ml"])
        with pytest.raises(DeferredError, match="max-wait 30s"):
            search(api_for(fake, clock, max_wait=30), "topic:ml")
        assert len(fake.searches()) == 10 and clock.sleeps == []


def test_the_search_budget_is_apart_from_the_core_budget(fake: FakeGitHub, clock: FakeTime) -> None:
    populate(fake, 50, topics=["ml"])
    core_before = fake.remaining
    search(api_for(fake, clock), "topic:ml")
    assert fake.remaining == core_before
    with urllib.request.urlopen(f"{fake.api_url}/rate_limit") as answer:  # the fake counts this one as core
        resources = json.loads(answer.read())["resources"]
    assert resources["core"]["remaining"] == core_before - 1
    assert resources["search"] == {"limit": 10_000, "remaining": 10_000, "reset": int(START) + 60, "used": 0}


# --- hostile answers -------------------------------------------------------------------------------


def test_items_that_are_not_repositories_are_skipped_with_a_warning(fake: FakeGitHub, clock: FakeTime,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    good = fake.add_repo("org/good", None, topics=["x"])
    nameless = {k: v for k, v in fake.repo_json(fake.add_repo("org/nameless", None)).items() if k != "full_name"}
    forked = {**fake.repo_json(fake.add_repo("org/forked", None)), "fork": True}  # the server ignored fork: …
    archived = {**fake.repo_json(fake.add_repo("org/attic", None)), "archived": True}  # … and archived:false
    body = {"total_count": 6, "incomplete_results": True,
            "items": ["org/evil", nameless, 42, fake.repo_json(good), forked, archived]}
    fake.fault(r"^/api/v3/search/repositories", 200, body=json.dumps(body))
    result = search(api_for(fake, clock), "topic:x")
    assert names(result) == ["org/good"] and result.listed == 3
    skipped = [w for w in result.warnings if "skipped" in w]
    assert len(skipped) == 3 and "not a repository object" in skipped[0] and "'full_name' is missing" in skipped[1]
    assert any("timed out" in w for w in result.warnings)
    assert all("\n" not in w for w in result.warnings)
    # search_repositories logs them by default, or hands them to ``warn``
    fake.fault(r"^/api/v3/search/repositories", 200, body=json.dumps(body))
    with caplog.at_level(logging.WARNING, logger="crawler.github.search"):
        assert names(search_repositories(api_for(fake, clock), "topic:x")) == ["org/good"]
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 3
    fake.fault(r"^/api/v3/search/repositories", 200, body=json.dumps(body))
    told: list[str] = []
    search_repositories(api_for(fake, clock), "topic:x", warn=told.append)
    assert len(told) == len(result.warnings)


@pytest.mark.parametrize(("body", "words"), [
    ({"total_count": "lots", "items": []}, "'total_count' is not a count ('lots')"),
    ({"total_count": True, "items": []}, "'total_count' is not a count (True)"),
    ({"total_count": -1, "items": []}, "'total_count' is not a count (-1)"),
    ({"items": []}, "'total_count' is missing"),
    ({"total_count": 3, "items": {"a": 1}}, "'items' is not a list"),
    ([1, 2], "not a search result"),
])
def test_an_unusable_answer_is_an_error_of_the_query(fake: FakeGitHub, clock: FakeTime, body: Any,
                                                     words: str) -> None:
    fake.fault(r"^/api/v3/search/repositories", 200, body=json.dumps(body))
    with pytest.raises(SourceError) as info:
        search(api_for(fake, clock), "topic:x")
    message = str(info.value)
    assert words in message and "the search 'topic:x archived:false'" in message and "\n" not in message


def test_counts_that_never_shrink_stop_at_the_request_cap(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.fault(r"^/api/v3/search/repositories", 200, times=1000,
               body=json.dumps({"total_count": 5000, "incomplete_results": False, "items": []}))
    with pytest.raises(SourceError, match="needs more than 40 requests"):
        search(api_for(fake, clock), "topic:x", max_requests=40)
    assert len(sent(fake)) == 40


def test_github_refusing_a_query_is_an_error_of_the_query_not_an_unknown_ref(fake: FakeGitHub,
                                                                              clock: FakeTime) -> None:
    with pytest.raises(SourceError) as info:
        search(api_for(fake, clock), "mail@example.org fork:maybe")  # an invalid value: 422
    assert "GitHub answered 422 for the search 'mail@example.org fork:maybe archived:false'" in str(info.value)
    # a created: value GitHub takes and census cannot read matters only when the query must be sliced
    fake.fault(r"^/api/v3/search/repositories", 200, body=json.dumps({"total_count": 1500, "items": []}))
    with pytest.raises(SourceError, match=r"cannot read 'created:yesterday\.\.\*' in the search 'topic:ml created"):
        search(api_for(fake, clock), "topic:ml created:yesterday..*")


# --- filters ---------------------------------------------------------------------------------------


def test_filters_apply_and_what_github_can_apply_goes_in_the_query(fake: FakeGitHub, clock: FakeTime) -> None:
    fake.add_repo("team/alpha", None, topics=["f"], stars=50, pushed_at="2026-01-01T00:00:00Z")
    fake.add_repo("team/alpha-docs", None, topics=["f"], stars=50)
    fake.add_repo("team/Beta", None, topics=["f"], stars=5)
    fake.add_repo("team/stale", None, topics=["f"], stars=50, pushed_at="2020-01-01T00:00:00Z")
    fake.add_repo("team/fork", None, topics=["f"], stars=50, fork=True)
    fake.add_repo("team/attic", None, topics=["f"], stars=50, archived=True)
    api = api_for(fake, clock)

    def run(filters: OwnerFilters | None, query: str = "topic:f") -> tuple[list[str], str]:
        fake.log.clear()
        listed = names(search(api, query, filters))
        (q,) = {p["q"] for p in sent(fake)}
        return listed, q

    assert run(None) == (["team/alpha", "team/alpha-docs", "team/Beta", "team/stale"], "topic:f archived:false")
    assert run(OwnerFilters(forks=True, archived=True)) == (
        ["team/alpha", "team/alpha-docs", "team/attic", "team/Beta", "team/fork", "team/stale"], "topic:f fork:true")
    assert run(OwnerFilters(include=("*a*",), exclude=("*-docs",), min_stars=10, pushed_since=date(2024, 1, 1))) == (
        ["team/alpha"], "topic:f archived:false stars:>=10 pushed:>=2024-01-01")
    # the query's own qualifiers are not doubled; the filters still apply after listing
    assert run(OwnerFilters(min_stars=10, archived=True), "topic:f stars:>1 archived:true") == (
        ["team/attic"], "topic:f stars:>1 archived:true")
    assert run(OwnerFilters(forks=True), "topic:f fork:only") == (["team/fork"], "topic:f fork:only archived:false")


# --- the pieces ------------------------------------------------------------------------------------


def test_created_values_read_as_github_reads_them() -> None:
    day = seconds("2020-01-01T00:00:00Z")
    assert created_span("2020-01-01") == Slice(day, day + 86400)
    assert created_span(">=2020-01-01") == Slice(day, None)
    assert created_span(">2020-01-01") == Slice(day + 86400, None)
    assert created_span("<2020-01-01") == Slice(None, day)
    assert created_span("<=2020-01-01") == Slice(None, day + 86400)
    assert created_span("2020-01-01..2020-01-31") == Slice(day, day + 31 * 86400)
    assert created_span("*..2020-01-01") == Slice(None, day + 86400)
    assert created_span("2020-01-01T10:00:00Z..*") == Slice(day + 36000, None)
    assert created_span("2020-01-01T10:00:00+02:00") == Slice(day + 28800, day + 28801)
    for bad in ("yesterday", "2020-13-01", ">=", "2020-01-01..", "99999-01-01", ">9999-12-31"):
        with pytest.raises(ValueError):
            created_span(bad)
    assert split_created('topic:ml "a phrase" created:>=2020-01-01 -created:2021-01-01 CREATED:<2022-01-01') == (
        'topic:ml "a phrase" -created:2021-01-01', Slice(day, seconds("2022-01-01T00:00:00Z")))
    assert split_created("created:>2021-01-01 created:<2020-01-01")[1].empty


def test_slices_cut_into_spans_that_partition_the_whole() -> None:
    now = seconds("2026-06-01T00:00:00Z")
    for whole, parts in [(Slice(), 2), (Slice(), 7), (Slice(FOUNDING + 5, None), 3), (Slice(None, FOUNDING - 10), 2),
                         (Slice(100, 105), 9), (Slice(now + 10**8, None), 2)]:
        pieces = whole.cut(parts, now)
        assert 2 <= len(pieces) <= parts
        assert pieces[0].lo == whole.lo and pieces[-1].hi == whole.hi
        assert all(a.hi == b.lo for a, b in itertools.pairwise(pieces))
        assert all(not p.empty for p in pieces)
    assert Slice(100, 101).cut(2, now) == []  # one second
    halves = Slice().cut(2, now)
    assert halves[0].qualifier().startswith("created:<") and halves[1].qualifier().startswith("created:>=")
    day = seconds("2020-01-01T00:00:00Z")
    assert Slice(day, day + 1).qualifier() == "created:2020-01-01T00:00:00Z..2020-01-01T00:00:00Z"
    assert Slice(day, day + 86400).qualifier() == "created:2020-01-01T00:00:00Z..2020-01-01T23:59:59Z"
    assert Slice().qualifier() == ""


def test_query_for_adds_only_what_the_query_does_not_say() -> None:
    assert query_for("  topic:ml   robot ", OwnerFilters()) == "topic:ml robot archived:false"
    assert query_for("topic:ml", OwnerFilters(forks=True, archived=True)) == "topic:ml fork:true"
    assert query_for("topic:ml -archived:true", OwnerFilters(min_stars=3)) == "topic:ml -archived:true stars:>=3"


# --- the fake itself: GitHub's behaviour census depends on --------------------------------------------


def fetch(url: str) -> tuple[int, Any, dict[str, str]]:
    try:
        with urllib.request.urlopen(url) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def test_the_fake_serves_only_the_first_1000_results_with_links(fake: FakeGitHub) -> None:
    populate(fake, 1100, topics=["ml"])
    base = f"{fake.api_url}/search/repositories?q=topic%3Aml&per_page=100"
    status, data, headers = fetch(base + "&page=10")
    assert status == 200 and data["total_count"] == 1100 and len(data["items"]) == 100
    assert 'rel="prev"' in headers["Link"] and 'rel="next"' not in headers["Link"]
    assert headers["X-RateLimit-Resource"] == "search" and headers["X-RateLimit-Limit"] == "10000"
    status, data, _ = fetch(base + "&page=11")
    assert status == 422 and data["message"] == "Only the first 1000 search results are available"
    status, data, headers = fetch(base + "&page=1")
    assert 'page=2>; rel="next"' in headers["Link"] and 'page=10>; rel="last"' in headers["Link"]
    item = data["items"][0]
    assert {"topics", "language", "created_at", "score", "description"} <= set(item) and item["topics"] == ["ml"]


def test_the_fake_reads_the_qualifiers_census_sends(fake: FakeGitHub) -> None:
    fake.add_repo("a/one", None, stars=10, created_at="2020-01-01T10:00:00Z", language="Rust", topics=["x"],
                  pushed_at="2020-02-01T00:00:00Z")
    fake.add_repo("a/two", None, stars=20, created_at="2020-01-02T00:00:00Z", fork=True)
    fake.add_repo("b/three", None, stars=30, created_at="2021-01-01T00:00:00Z", archived=True,
                  pushed_at="2021-06-01T00:00:00Z", description="Three Robots")

    def found(q: str) -> list[str]:
        status, data, _ = fetch(f"{fake.api_url}/search/repositories?" + urllib.parse.urlencode({"q": q}))
        assert status == 200, data
        return sorted(item["full_name"] for item in data["items"])

    assert found("stars:>=10") == ["a/one", "b/three"]           # forks left out
    assert found("stars:>=10 fork:true") == ["a/one", "a/two", "b/three"]
    assert found("fork:only") == ["a/two"]
    assert found("stars:>10 fork:true") == ["a/two", "b/three"]
    assert found("stars:<20 fork:true") == ["a/one"]
    assert found("stars:10..20 fork:true") == ["a/one", "a/two"]
    assert found("created:2020-01-01 fork:true") == ["a/one"]
    assert found("created:<=2020-01-02 fork:true") == ["a/one", "a/two"]
    assert found("created:2020-01-01T10:00:00Z..2020-01-01T10:00:00Z") == ["a/one"]
    assert found("created:>=2020-01-01T10:00:01Z fork:true") == ["a/two", "b/three"]
    assert found("pushed:>=2021-01-01") == ["b/three"]
    assert found("language:rust topic:X") == ["a/one"]
    assert found("org:b") == found("user:B") == ["b/three"]
    assert found("archived:false") == ["a/one"] and found("archived:true") == ["b/three"]
    assert found("robot is:public") == ["b/three"] and found("ONE") == ["a/one"]
    assert found("unknown:qualifier") == []  # a word: no name or description holds it
    status, data, _ = fetch(f"{fake.api_url}/search/repositories?q=created%3Anever")
    assert status == 422 and data["message"] == "Validation Failed"
