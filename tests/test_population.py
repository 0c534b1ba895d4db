"""A population found by GitHub search, crawled at almost no API cost; a GitHub repository's
history read from one partial clone. Against the fake GitHub on loopback, request counts from its log."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crawler.cli import main
from crawler.github.api import GitHubAPI
from crawler.github.ratelimit import RateGate
from crawler.history import parse_at
from crawler.plan import Planner
from crawler.run import backfill, scan
from crawler.specs import parse_spec
from crawler.step import scan_repo
from crawler.values import GitHubOptions, ScanOptions, Target
from tests.conftest import MakeRepo, commit, git
from tests.fake_github import FakeGitHub

VOLATILE = ["scanned_at", "duration_s"]


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(search_limit=10_000, search_limit_anonymous=10_000) as server:
        yield server


def rest(fake: FakeGitHub) -> list[str]:
    """REST requests, search pages apart."""
    return [r.path for r in fake.requests("^/api/v3/") if not r.path.startswith("/api/v3/search/")]


def population(fake: FakeGitHub, make_repo: MakeRepo, n: int, *, shared: int = 3) -> list[Path]:
    """``n`` repositories with topic llm (``shared`` distinct contents), created over six years."""
    bares = [make_repo({f"src/m{k}.rs": f"fn f{k}() {{}}\n" * (k + 2), "a.py": "x = 1\n" * (k + 1)},
                       name=f"pop{k}", bare=True) for k in range(shared)]
    rng = random.Random(5)
    for i in range(n):
        year = 2019 + i % 6
        fake.add_repo(f"org{i % 7}/llm-{i:04d}", bares[i % shared], topics=["llm"], stars=100 + i,
                      created_at=f"{year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}T00:00:00Z")
    for i in range(40):  # not matching
        fake.add_repo(f"other/x-{i}", bares[0], topics=["web"], stars=500)
    return bares


def test_a_search_past_1000_is_planned_completely_without_a_request_per_repository(
        fake: FakeGitHub, make_repo: MakeRepo) -> None:
    population(fake, make_repo, 1100)
    options = ScanOptions(jobs=4, github=GitHubOptions(api_url=fake.api_url, timeout=5))
    target = Target("LLM", parse_spec("github-search:topic:llm stars:>=100"), "llm")
    with GitHubAPI(options.github) as api:
        planner = Planner(options, api=api, lookup=None, checkpoint=None)
        assert planner.expand([target]) == 1100
        tasks = list(planner.plan())
    names = {t.target.name for t in tasks}
    assert len(names) == 1100 and all(n.split("/")[1].startswith("llm-") for n in names)
    assert rest(fake) == []  # metadata from the search pages: no request per repository
    pages = len(fake.requests("^/api/v3/search/"))
    assert 12 <= pages <= 16
    assert not [r for r in fake.requests("^/api/v3/search/") if r.status == 422]  # never past GitHub's cap


def test_a_searched_population_scanned_then_rescanned(fake: FakeGitHub, make_repo: MakeRepo, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bares = population(fake, make_repo, 60)
    out = str(tmp_path / "out")
    config = tmp_path / "llm.toml"
    config.write_text('[[project]]\nname = "LLM"\nrepos = ["github-search:topic:llm stars:>=100", '
                      '"github-search:topic:llm created:>=2022-01-01"]\n')
    assert main(["scan", str(config), "--api-url", fake.api_url, "--out", out, "--jobs", "4"]) == 0
    first = Path(capsys.readouterr().out.strip().splitlines()[-1])
    repos = pl.read_parquet(first / "repos.parquet")
    assert repos.height == 60 and set(repos["status"]) == {"ok"}  # the second search's matches, once each
    assert rest(fake) == []
    row = repos.filter(pl.col("repo") == "org3/llm-0003").row(0, named=True)
    assert row["found_by"] == "github-search:topic:llm stars:>=100" and row["topics"] == ["llm"]
    assert row["stars"] == 103 and row["created_at"].startswith("2022") and row["kind"] == "github"
    # the rows of a listed repository equal a local scan of the same commit
    local = scan_repo(Target("LLM", parse_spec(str(bares[0])), "org3/llm-0003")).files
    assert_frame_equal(pl.read_parquet(first / "files.parquet").filter(pl.col("repo") == "org3/llm-0003"), local,
                       check_row_order=False)
    fake.log.clear()
    assert main(["scan", str(config), "--api-url", fake.api_url, "--out", out, "--jobs", "4"]) == 0
    second = Path(capsys.readouterr().out.strip().splitlines()[-1])
    again = pl.read_parquet(second / "repos.parquet")
    assert set(again["status"]) == {"unchanged"} and rest(fake) == []
    assert not fake.requests(r"\.git/")  # nothing downloaded, not even a ref advertisement
    assert_frame_equal(pl.read_parquet(second / "files.parquet"), pl.read_parquet(first / "files.parquet"))


@pytest.mark.slow
def test_a_population_of_1100_scanned_for_almost_no_requests(fake: FakeGitHub, make_repo: MakeRepo,
                                                              tmp_path: Path) -> None:
    population(fake, make_repo, 1100)
    targets = [Target("LLM", parse_spec("github-search:topic:llm stars:>=100"), "llm")]
    options = ScanOptions(jobs=8, github=GitHubOptions(api_url=fake.api_url, timeout=10))
    snap = scan(targets, out=str(tmp_path / "out"), options=options)
    assert snap.repos.height == 1100 and set(snap.repos["status"]) == {"ok"}
    assert len(rest(fake)) / 1100 <= 0.05
    fake.log.clear()
    again = scan(targets, out=str(tmp_path / "out"), options=options)
    assert set(again.repos["status"]) == {"unchanged"}
    assert len(rest(fake)) / 1100 <= 0.05 and not fake.requests(r"\.git/")


# --- history from one partial clone ---------------------------------------------------------------


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A repository whose main line changes one big file a quarter (incompressible content, so that
    bytes downloaded mean something), with a merged branch whose commit is not first-parent."""
    repo = tmp_path / "hist"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    big = {f"lib/big{i}.py": "# " + os.urandom(6000).hex() + "\n" for i in range(6)}
    ids = {"A": commit(repo, {**big, "app.py": "print('a')\n"}, date="2024-01-10T12:00:00Z")}
    git(repo, "checkout", "-q", "-b", "side")
    ids["S"] = commit(repo, {"side.rs": "fn s() {}\n"}, date="2024-02-15T12:00:00Z")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "side", "-m", "merge",
        env={"GIT_AUTHOR_DATE": "2024-03-01T12:00:00Z", "GIT_COMMITTER_DATE": "2024-03-01T12:00:00Z"})
    ids["M"] = git(repo, "rev-parse", "HEAD")
    ids["B"] = commit(repo, {"lib/big0.py": "# " + os.urandom(6000).hex() + "\n"}, date="2024-05-10T12:00:00Z")
    ids["C"] = commit(repo, {"lib/big1.py": "# " + os.urandom(6000).hex() + "\n"}, date="2024-08-10T12:00:00Z")
    bare = tmp_path / "hist.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    return bare, ids


def _pack_bytes(fake: FakeGitHub) -> int:
    return sum(r.bytes_out for r in fake.requests(r"\.git/"))


def test_a_quarterly_backfill_of_one_github_repository(history: tuple[Path, dict[str, str]], fake: FakeGitHub,
                                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bare, ids = history
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_HISTORYCANARY")  # every git request of the history sends it
    fake.add_repo("org/hist", bare)
    days = [date(2024, 1, 1), date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)]
    options = ScanOptions(jobs=1, github=GitHubOptions(api_url=fake.api_url, timeout=10))
    target = Target("P", parse_spec("org/hist"), "org/hist")
    independent = 0
    commits = []
    for day in days:
        fake.log.clear()
        row = scan_repo(target, ScanOptions(jobs=1, github=options.github, at=parse_at(day.isoformat()))).repo
        independent += _pack_bytes(fake)
        commits.append(row["commit"])
    # the first-parent rule: the merge M, not the side commit S, and nothing before January 10th
    assert commits == [None, ids["M"], ids["B"], ids["C"]]
    fake.log.clear()
    snaps = backfill([target], days, out=str(tmp_path / "out"), options=options)
    assert len(rest(fake)) <= 2, rest(fake)
    assert [s.repos["commit"][0] for s in snaps] == commits
    assert [s.repos["status"][0] for s in snaps] == ["absent", "ok", "ok", "ok"]
    together = _pack_bytes(fake)
    asked = fake.requests(r"\.git/")
    assert asked and all(r.headers.get("authorization", "").startswith("Basic ") for r in asked)
    assert all("HISTORYCANARY" not in r.path for r in fake.log)
    print(f"backfill of 4 dates: {len(rest(fake))} REST request(s), {together:,} git bytes against "
          f"{independent:,} for four --at scans ({together / independent:.2f}x)")
    assert together <= 0.6 * independent, (together, independent)
    for snap, day in zip(snaps[1:], days[1:], strict=True):  # the same rows as a scan of that date alone
        alone = scan_repo(target, ScanOptions(jobs=1, github=options.github, at=parse_at(day.isoformat()))).files
        assert_frame_equal(snap.files, alone, check_row_order=False)


def test_a_gate_for_the_search_budget_of_its_own(fake: FakeGitHub) -> None:
    api = GitHubAPI(GitHubOptions(api_url=fake.api_url), gate=RateGate(max_wait=5))
    assert api.search_gate is not api.gate and api.search_gate.max_wait == 5
    api.close()
