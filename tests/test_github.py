"""GitHub sources against the fake GitHub on loopback: rows, metadata, statuses, rate limits, reuse."""

from __future__ import annotations

import base64
import json
import logging
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crawler.cli import main
from crawler.github.api import GitHubAPI
from crawler.github.ratelimit import RateGate
from crawler.run import run, scan
from crawler.specs import parse_spec
from crawler.step import scan_repo
from crawler.values import GitHubOptions, OwnerFilters, RepoResult, ScanOptions, Target
from tests.conftest import MakeRepo, Submodule, Symlink, commit, git
from tests.fake_github import Clock, FakeGitHub, FakeTime

FILES = {
    "Cargo.toml": "[package]\nname = 'core'\n", "src/lib.rs": "pub fn f() -> u8 { 1 }\n" * 20,
    "py/pyproject.toml": "[project]\nname = 'x'\n", "py/x/__init__.py": "import os\n" * 5,
    ".gitattributes": "gen/** linguist-generated\n", "gen/a.rs": "fn g() {}\n", "link": Symlink("src/lib.rs"),
    "vendor/dep": Submodule(), "README.md": "# x\n",
}
TOKEN = "ghp_CANARY0123456789abcdefSECRET"


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fake(clock: FakeTime) -> Iterator[FakeGitHub]:
    with FakeGitHub(clock=Clock(clock.time)) as server:
        yield server


def client_for(fake: FakeGitHub, clock: FakeTime, *, max_wait: float = 900.0, token: str | None = None,
               attempts: int = 4) -> GitHubAPI:
    options = GitHubOptions(api_url=fake.api_url, max_wait=max_wait, timeout=5)
    client = GitHubAPI(options, token=token, gate=RateGate(clock=clock.time, sleep=clock.sleep, max_wait=max_wait),
                          jitter=lambda: 0.5)
    client.policy.attempts = attempts
    return client


def scan_one(tgt: Target, options: ScanOptions, api: GitHubAPI) -> RepoResult:
    """One GitHub repository planned (REST, with ``api``) and scanned, as a run does it."""
    return run([tgt], options, api=api)[0]


def options_for(fake: FakeGitHub, *, cross_check: bool = False, **kwargs: object) -> ScanOptions:
    return ScanOptions(jobs=1, github=GitHubOptions(api_url=fake.api_url, timeout=5, **kwargs),  # type: ignore[arg-type]
                       cross_check=cross_check)


def bare_repo(make_repo: MakeRepo, files: dict[str | bytes, object], name: str = "a") -> Path:
    return make_repo(files, name=name, bare=True)


def target(spec: str, name: str | None = None, project: str = "p") -> Target:
    parsed = parse_spec(spec)
    return Target(project, parsed, name or parsed.name)


def test_github_rows_equal_a_clone_at_the_same_commit(make_repo: MakeRepo, fake: FakeGitHub,
                                                      clock: FakeTime) -> None:
    bare = bare_repo(make_repo, FILES)
    fake.add_repo("org/a", bare, stars=42, languages={"Rust": 500, "Python": 50})
    via_github = scan_one(target("org/a"), options_for(fake), client_for(fake, clock))
    via_clone = scan_repo(target(str(bare), name="org/a"))
    assert via_github.repo["status"] == "ok", via_github.repo["error"]
    assert via_github.repo["commit"] == via_clone.repo["commit"] == git(bare, "rev-parse", "HEAD")
    assert_frame_equal(via_github.files, via_clone.files, check_row_order=False)
    assert via_github.files.height == len(FILES)


def test_metadata_and_github_languages_recorded(make_repo: MakeRepo, fake: FakeGitHub, clock: FakeTime) -> None:
    bare = bare_repo(make_repo, FILES)
    fake.add_repo("Org/A", bare, stars=42, archived=True, fork=False, pushed_at="2026-10-01T00:00:00Z",
                  languages={"Rust": 500, "Python": 50})
    row = scan_one(target("org/a"), options_for(fake, cross_check=True), client_for(fake, clock)).repo
    assert (row["canonical"], row["default_branch"], row["stars"], row["archived"], row["fork"]) == \
        ("Org/A", "main", 42, True, False)
    assert row["github_id"] == fake.repos["org/a"].id and row["pushed_at"] == "2026-10-01T00:00:00Z"
    assert json.loads(row["github_languages"]) == {"Rust": 500, "Python": 50}
    # the cross-check: GitHub says 90.9% Rust; ours is all Rust (the Python file is tiny but counted)
    ours_rust = len(FILES["src/lib.rs"]) / (len(FILES["src/lib.rs"]) + len(FILES["py/x/__init__.py"]))
    assert row["github_diff_pp"] == round(abs(100 * 500 / 550 - 100 * ours_rust), 2)
    assert row["kind"] == "github" and row["ref"] == "main"
    # two REST requests (the repository, and GitHub's languages for the cross-check); the commit from
    # git itself (ls-remote), then one shallow fetch; never one request per file
    assert [r.path for r in fake.requests("^/api/v3/")] == ["/api/v3/repos/org/a", "/api/v3/repos/Org/A/languages"]
    assert len(fake.requests(r"\.git/git-upload-pack", "POST")) <= 3
    fake.log.clear()
    plain = scan_one(target("org/a"), options_for(fake), client_for(fake, clock)).repo
    assert [r.path for r in fake.requests("^/api/v3/")] == ["/api/v3/repos/org/a"]  # no cross-check: one request
    assert plain["github_languages"] is None and plain["commit"] == row["commit"]


def test_ref_tag_and_unknown_ref(make_repo: MakeRepo, fake: FakeGitHub, clock: FakeTime, tmp_path: Path) -> None:
    work = make_repo({"a.py": "1\n"}, name="w")
    first = git(work, "rev-parse", "HEAD")
    git(work, "tag", "v1")
    commit(work, {"b.py": "2\n"})
    bare = tmp_path / "w.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    fake.add_repo("org/w", bare)
    client = client_for(fake, clock)
    tagged = scan_one(target("github:org/w@v1"), options_for(fake), client)
    assert tagged.repo["commit"] == first and set(tagged.files["path"]) == {"a.py"} and tagged.repo["ref"] == "v1"
    bad = scan_one(target("org/w@nope"), options_for(fake), client)
    assert bad.repo["status"] == "failed" and "unknown ref 'nope'" in bad.repo["error"]


@pytest.mark.parametrize(("setup", "status", "words"), [
    ("missing", "not_found", "no such repository"),
    ("private", "not_found", "no such repository"),
    ("empty", "empty", "empty repository"),
    ("blocked", "blocked", "blocked"),
    ("server-error", "failed", "GitHub answered 502"),
])
def test_statuses(make_repo: MakeRepo, fake: FakeGitHub, clock: FakeTime, setup: str, status: str,
                  words: str) -> None:
    bare = bare_repo(make_repo, {"a.py": "1\n"})
    if setup == "private":
        fake.add_repo("org/x", bare, private=True)
    elif setup == "empty":
        fake.add_repo("org/x", None)
    elif setup in ("blocked", "server-error"):
        fake.add_repo("org/x", bare)
        code = 451 if setup == "blocked" else 502
        fake.fault(r"^/api/v3/repos/org/x$", code, times=10, body="<html><h1>Bad gateway</h1></html>")
    result = scan_one(target("org/x"), options_for(fake), client_for(fake, clock))
    assert result.repo["status"] == status and words in result.repo["error"]
    assert "\n" not in result.repo["error"] and "<html>" not in result.repo["error"]
    if setup == "server-error":  # bounded, jittered, exponential: 4 tries, 3 waits
        assert len(fake.requests(r"^/api/v3/repos/org/x$")) == 4 and clock.sleeps == [1.0, 2.0, 4.0]


def test_server_errors_then_success(make_repo: MakeRepo, fake: FakeGitHub, clock: FakeTime) -> None:
    fake.add_repo("org/x", bare_repo(make_repo, {"a.py": "1\n"}))
    fake.fault(r"^/api/v3/repos/org/x/languages$", 503, times=2, body="<html>busy</html>")
    result = scan_one(target("org/x"), options_for(fake, cross_check=True), client_for(fake, clock))
    assert result.repo["status"] == "ok" and clock.sleeps == [1.0, 2.0]


def test_primary_rate_limit_waits_until_reset_by_server_date(make_repo: MakeRepo, fake: FakeGitHub,
                                                              clock: FakeTime) -> None:
    fake.add_repo("org/x", bare_repo(make_repo, {"a.py": "1\n"}))
    reset = int(clock.now) + 30
    fake.fault(r"^/api/v3/repos/org/x$", 403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    result = scan_one(target("org/x"), options_for(fake), client_for(fake, clock))
    assert result.repo["status"] == "ok"
    assert clock.sleeps == [31.0]
    _refused, retried = fake.requests(r"^/api/v3/repos/org/x$")
    assert retried.at >= reset  # no request before the reset
    assert len(fake.requests("^/api/v3/")) == 2  # the refused one, then the repository (the commit from git)


def test_secondary_limits_honour_retry_after_or_wait_a_minute(make_repo: MakeRepo, fake: FakeGitHub,
                                                               clock: FakeTime) -> None:
    fake.add_repo("org/x", bare_repo(make_repo, {"a.py": "1\n"}))
    fake.fault(r"^/api/v3/repos/org/x$", 429, headers={"Retry-After": "7"})
    fake.fault(r"/languages$", 429)
    fake.fault(r"/languages$", 403, headers={"Retry-After": "3"},
               body='{"message": "You have exceeded a secondary rate limit"}')
    result = scan_one(target("org/x"), options_for(fake, cross_check=True), client_for(fake, clock))
    assert result.repo["status"] == "ok"
    assert clock.sleeps == [7.0, 60.0, 3.0]  # no retry-after: a minute
    assert len(fake.requests("^/api/v3/")) == 5


def test_reset_already_past_does_not_hammer(make_repo: MakeRepo, fake: FakeGitHub, clock: FakeTime) -> None:
    fake.add_repo("org/x", bare_repo(make_repo, {"a.py": "1\n"}))
    fake.fault(r"^/api/v3/repos/org/x$", 403, times=3,
               headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(clock.now) - 100)})
    result = scan_one(target("org/x"), options_for(fake), client_for(fake, clock))
    assert result.repo["status"] == "ok"
    assert clock.sleeps == [1.0, 1.0, 1.0]  # at least a second between tries, never a tight loop


def test_wait_beyond_max_wait_defers_the_rest(make_repo: MakeRepo, fake: FakeGitHub, clock: FakeTime) -> None:
    bare = bare_repo(make_repo, {"a.py": "1\n"})
    for name in ("a", "b", "c"):
        fake.add_repo(f"org/{name}", bare)
    fake.fault(r"^/api/v3/repos/org/b$", 403,
               headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(clock.now) + 3600)})
    client = client_for(fake, clock, max_wait=60)
    results = run([target("org/a"), target("org/b"), target("org/c")], options_for(fake), api=client)
    assert [r.repo["status"] for r in results] == ["ok", "deferred", "deferred"]
    assert "max-wait" in results[1].repo["error"] and clock.sleeps == []
    assert not fake.requests("org/c")  # deferred without a request


def test_renamed_repository_followed_and_deduplicated(make_repo: MakeRepo, fake: FakeGitHub,
                                                      clock: FakeTime) -> None:
    bare = bare_repo(make_repo, {"a.py": "1\n"})
    fake.add_repo("org/old", bare)
    fake.rename("org/old", "neworg/new")
    results = run([target("org/old"), target("neworg/new")], options_for(fake), api=client_for(fake, clock))
    first, second = (r.repo for r in results)
    assert first["status"] == "ok" and first["canonical"] == "neworg/new" and first["repo"] == "org/old"
    assert second["status"] == "skipped" and "same repository as org/old" in second["error"]


def test_owner_expansion_paginated_filtered_sorted(make_repo: MakeRepo, clock: FakeTime) -> None:
    bare = bare_repo(make_repo, {"a.py": "1\n"})
    with FakeGitHub(clock=Clock(clock.time), per_page_max=2) as fake:
        fake.add_repo("hf/zeta", bare, stars=5)
        fake.add_repo("hf/alpha", bare, stars=500)
        fake.add_repo("hf/Beta", bare, stars=50, pushed_at="2023-01-01T00:00:00Z")
        fake.add_repo("hf/fork", bare, fork=True, stars=900)
        fake.add_repo("hf/old", bare, archived=True, stars=900)
        fake.add_repo("hf/secret", bare, private=True)
        fake.add_repo("hf/alpha-docs", bare, stars=900)
        client = client_for(fake, clock)
        names = [m.full_name for m in client.owner_repos("hf")]
        assert names == ["hf/alpha", "hf/alpha-docs", "hf/Beta", "hf/zeta"]
        assert len(fake.requests(r"/orgs/hf/repos")) == 3  # 6 public repositories, 2 a page
        filtered = client.owner_repos("hf", OwnerFilters(include=("*a*",), exclude=("*-docs",), min_stars=10,
                                                         pushed_since=date(2024, 1, 1)))
        assert [m.full_name for m in filtered] == ["hf/alpha"]
        everything = client.owner_repos("hf", OwnerFilters(forks=True, archived=True))
        assert len(everything) == 6
        results = run([Target("HF", parse_spec("github:hf"), "hf")], options_for(fake), api=client)
        assert [r.repo["repo"] for r in results] == names and {r.repo["status"] for r in results} == {"ok"}
        missing = run([Target("X", parse_spec("github:nobody"), "nobody")], options_for(fake), api=client)
        assert missing[0].repo["status"] == "not_found" and "nobody" in missing[0].repo["error"]


def test_rescan_of_unchanged_list_downloads_nothing(make_repo: MakeRepo, fake: FakeGitHub, clock: FakeTime,
                                                    tmp_path: Path) -> None:
    bare = bare_repo(make_repo, FILES)
    fake.add_repo("org/a", bare, languages={"Rust": 1})
    out = str(tmp_path / "out")
    first = scan([target("org/a")], out=out, options=options_for(fake), api=client_for(fake, clock))
    used_before = fake.rate_limit - fake.remaining
    fake.log.clear()
    second = scan([target("org/a")], out=out, options=options_for(fake), api=client_for(fake, clock))
    assert second.repos["status"].to_list() == ["unchanged"]
    assert not fake.requests(r"\.git/")  # nothing pushed since (GitHub's pushed_at): not even ls-remote
    assert [r.status for r in fake.requests("^/api/v3/")] == [304]
    assert fake.rate_limit - fake.remaining == used_before  # conditional requests cost nothing
    assert_frame_equal(first.files, second.files)
    assert second.repos["github_languages"].to_list() == first.repos["github_languages"].to_list()
    # a push to another branch: GitHub's pushed_at moves, the default branch's commit (asked of git,
    # ls-remote) does not: still unchanged, and no content downloaded
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    commit(work, {"other.py": "x = 1\n"})
    git(work, "push", "-q", "origin", "HEAD:refs/heads/feature")
    fake.repos["org/a"].pushed_at = "2026-11-02T00:00:00Z"
    fake.log.clear()
    fourth = scan([target("org/a")], out=out, options=options_for(fake), api=client_for(fake, clock))
    assert fourth.repos["status"].to_list() == ["unchanged"]
    asked = fake.requests(r"\.git/")  # ls-remote: the advertisement and one ls-refs command, no pack
    assert len(asked) == 2 and sum(r.bytes_out for r in asked) < 2000
    # a new commit on the default branch is seen and scanned
    git(work, "checkout", "-q", "-B", "main", "origin/main")
    commit(work, {"new.py": "x = 1\n"})
    git(work, "push", "-q", "origin", "HEAD:main")
    fake.repos["org/a"].pushed_at = "2026-11-03T00:00:00Z"
    third = scan([target("org/a")], out=out, options=options_for(fake), api=client_for(fake, clock))
    assert third.repos["status"].to_list() == ["ok"] and "new.py" in third.files["path"].to_list()


def test_token_never_leaks(make_repo: MakeRepo, fake: FakeGitHub, tmp_path: Path,
                           caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    bare = bare_repo(make_repo, FILES)
    for name in ("a", "clonefail", "broken", "unauthorized"):
        fake.add_repo(f"org/{name}", bare)
    fake.fault(r"^/api/v3/repos/org/broken$", 500, times=10, body="<html>Server Error</html>")
    fake.fault(r"^/api/v3/repos/org/unauthorized$", 401, body='{"message": "Bad credentials"}')
    fake.fault(r"^/org/clonefail\.git/info/refs", 401, times=5)
    monkeypatch.setattr("crawler.github.ratelimit.time.sleep", lambda _s: None)
    caplog.set_level(logging.DEBUG)
    for name in ("github", "urllib3", "requests", "httpx", "crawler", ""):
        logging.getLogger(name).setLevel(logging.DEBUG)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", fake.api_url)
    out = tmp_path / "out"
    code = main(["scan", "--repo", "org/a", "--repo", "org/clonefail", "--repo", "org/broken", "--repo",
                 "org/unauthorized", "--repo", "org/nope", "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    repos = pl.read_parquet(Path(stdout.strip().splitlines()[-1]) / "repos.parquet")
    assert code == 1
    assert repos["status"].to_list() == ["ok", "failed", "failed", "failed", "not_found"]
    assert "cannot fetch" in repos["error"][1] and "401" in repos["error"][3]
    # the token was used: on the API, by git over HTTP (never in a URL)
    assert fake.requests("^/api/v3/repos/org/a$")[0].headers.get("authorization") == f"token {TOKEN}"
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert any(r.headers.get("authorization") == f"Basic {basic}" for r in fake.requests(r"^/org/a\.git/"))
    assert all(TOKEN not in r.path for r in fake.log)
    assert caplog.records, "DEBUG logging was on"
    everything = stdout + stderr + caplog.text + "".join(str(r.exc_info) for r in caplog.records)
    for path in out.rglob("*"):
        if path.is_file():
            everything += path.read_bytes().decode("latin-1")
    for form in (TOKEN, basic, TOKEN[4:20]):
        assert form not in everything
    for leftover in Path(tempfile.gettempdir()).glob("census-*/github-*"):
        config = leftover / "config"
        assert not config.exists() or TOKEN not in config.read_text()


def test_cli_api_url_and_env(make_repo: MakeRepo, fake: FakeGitHub, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake.add_repo("team/app", bare_repo(make_repo, {"a.py": "1\n"}))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    code = main(["scan", "--repo", "team/app", "--api-url", fake.api_url, "--out", str(tmp_path / "o1")])
    out = capsys.readouterr().out
    assert code == 0 and "team/app" in out
    monkeypatch.setenv("GITHUB_API_URL", fake.api_url)
    code = main(["scan", "--repo", "github:team/app@main", "--out", str(tmp_path / "o2")])
    repos = pl.read_parquet(Path(capsys.readouterr().out.strip().splitlines()[-1]) / "repos.parquet")
    assert code == 0 and repos["canonical"].to_list() == ["team/app"]
    assert "authorization" not in fake.requests("^/api/v3/")[0].headers
    assert repos["github_languages"].to_list() == [None]  # GitHub's own figures only when asked for
    fake.repos["team/app"].languages = {"Python": 2}
    code = main(["scan", "--repo", "team/app", "--cross-check", "--out", str(tmp_path / "o3")])
    repos = pl.read_parquet(Path(capsys.readouterr().out.strip().splitlines()[-1]) / "repos.parquet")
    assert code == 0 and repos["github_languages"].to_list() == ['{"Python": 2}']
    assert repos["github_diff_pp"].to_list() == [0.0]


def test_concurrent_scans_keep_answers_apart(make_repo: MakeRepo, clock: FakeTime) -> None:
    """Answers to concurrent requests never get mixed up."""
    with FakeGitHub(clock=Clock(clock.time), latency=0.01) as fake:
        for i in range(24):
            fake.add_repo(f"org/r{i}", bare_repo(make_repo, {f"f{i}.py": f"x = {i}\n"}, name=f"r{i}"), stars=i)
        options = ScanOptions(jobs=8, github=GitHubOptions(api_url=fake.api_url, timeout=5))
        results = run([target(f"org/r{i}") for i in range(24)], options, api=client_for(fake, clock))
    for i, result in enumerate(results):
        assert (result.repo["status"], result.repo["canonical"], result.repo["stars"]) == ("ok", f"org/r{i}", i)
        assert result.files["path"].to_list() == [f"f{i}.py"]


def test_truncated_trees_cannot_make_a_partial_count(make_repo: MakeRepo, fake: FakeGitHub, clock: FakeTime) -> None:
    """GitHub truncates trees of over 100,000 entries; census reads the commit through git, whole."""
    files = {f"d{i % 7}/f{i}.py": f"x = {i}\n" for i in range(60)}
    bare = bare_repo(make_repo, files)
    fake.add_repo("org/big", bare)
    fake.truncate_trees_over = 10
    import urllib.request

    with urllib.request.urlopen(f"{fake.api_url}/repos/org/big/git/trees/HEAD?recursive=1") as answer:
        assert json.loads(answer.read())["truncated"] is True  # what a tree-based reader would get
    result = scan_one(target("org/big"), options_for(fake), client_for(fake, clock))
    assert result.repo["status"] == "ok" and result.files.height == 60
    assert not [r for r in fake.log if "/git/trees/" in r.path and r.headers.get("user-agent", "").startswith("census")]


def test_timeouts_are_retried_a_bounded_number_of_times(make_repo: MakeRepo, fake: FakeGitHub,
                                                         clock: FakeTime) -> None:
    fake.add_repo("org/slow", bare_repo(make_repo, {"a.py": "1\n"}))
    fake.fault(r"^/api/v3/repos/org/slow$", 200, times=5, delay=1.3, body="{}")
    options = ScanOptions(jobs=1, github=GitHubOptions(api_url=fake.api_url, timeout=1))
    client = GitHubAPI(options.github, gate=RateGate(clock=clock.time, sleep=clock.sleep), jitter=lambda: 0.5)
    client.policy.attempts = 2
    result = scan_one(target("org/slow"), options, client)
    assert result.repo["status"] == "failed" and "cannot reach GitHub" in result.repo["error"]
    assert len(fake.requests(r"^/api/v3/repos/org/slow$")) == 2 and clock.sleeps == [1.0]
