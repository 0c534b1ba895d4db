"""History: the commit a repository had at a date, snapshots of the past, and cheap backfills."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from crawler.cli import main
from crawler.errors import InputError
from crawler.history import parse_at, parse_dates, schedule
from crawler.run import backfill
from crawler.snapshot import list_snapshots
from crawler.sources import git as gitsource
from crawler.specs import parse_spec
from crawler.step import scan_repo
from crawler.values import GitHubOptions, ScanOptions, Target
from tests.conftest import MakeRepo, commit, git
from tests.fake_github import FakeGitHub


@pytest.fixture
def dated(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """main: A (2024-01-10), then a merge M (2024-04-05) of a branch whose commit F is 2024-02-15,
    then C (2024-06-20). A file changes at each step; the rest stay the same blobs."""
    repo = tmp_path / "dated"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    base = {f"lib/m{i}.py": f"x = {i}\n" * 5 for i in range(20)}
    ids = {"A": commit(repo, {**base, "src/app.py": "print('a')\n"}, date="2024-01-10T12:00:00Z")}
    git(repo, "checkout", "-q", "-b", "feature")
    ids["F"] = commit(repo, {"src/feature.rs": "fn f() {}\n"}, date="2024-02-15T12:00:00Z")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "feature", "-m", "merge",
        env={"GIT_AUTHOR_DATE": "2024-04-05T12:00:00Z", "GIT_COMMITTER_DATE": "2024-04-05T12:00:00Z"})
    ids["M"] = git(repo, "rev-parse", "HEAD")
    ids["C"] = commit(repo, {"src/app.py": "print('c')\n"}, date="2024-06-20T12:00:00Z")
    git(repo, "tag", "v1", ids["M"])
    return repo, ids


@pytest.mark.parametrize(("at", "expected"), [
    ("2024-01-09", None), ("2024-01-10", "A"), ("2024-03-01", "A"),  # F is not on main's first-parent line
    ("2024-04-05", "M"), ("2024-06-19", "M"), ("2024-12-31", "C"), ("v1", "M"),
])
def test_commit_at_a_date(dated: tuple[Path, dict[str, str]], at: str, expected: str | None) -> None:
    repo, ids = dated
    result = scan_repo(Target("p", parse_spec(str(repo)), "r"), ScanOptions(at=parse_at(at)))
    if expected is None:
        assert result.repo["status"] == "absent" and "no commit on or before 2024-01-09" in result.repo["error"]
    else:
        assert result.repo["status"] == "ok" and result.repo["commit"] == ids[expected]


def test_at_a_missing_ref_is_absent_and_folders_have_no_history(dated: tuple[Path, dict[str, str]],
                                                                 tmp_path: Path) -> None:
    repo, _ = dated
    assert scan_repo(Target("p", parse_spec(str(repo)), "r"), ScanOptions(at=parse_at("v9"))).repo["status"] == \
        "absent"
    (tmp_path / "plain").mkdir()
    row = scan_repo(Target("p", parse_spec(str(tmp_path / "plain")), "r"), ScanOptions(at=parse_at("2024-01-01"))).repo
    assert row["status"] == "failed" and "--at needs history" in row["error"]


def test_backfill_reuses_unchanged_blobs(dated: tuple[Path, dict[str, str]], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    repo, ids = dated
    reads: list[int] = []
    original = gitsource.GitSource.read

    def counting(self: gitsource.GitSource, entries: object, limit: int) -> object:
        wanted = [e for e in entries if e.kind == "file"]  # type: ignore[attr-defined]
        if wanted:  # (the .gitattributes pass asks for none here)
            reads.append(len(wanted))
        return original(self, wanted, limit)

    monkeypatch.setattr(gitsource.GitSource, "read", counting)
    days = [date(2023, 12, 31), date(2024, 1, 31), date(2024, 4, 30), date(2024, 7, 31)]
    out = str(tmp_path / "out")
    snaps = backfill([Target("p", parse_spec(str(repo)), "r")], days, out=out, options=ScanOptions(jobs=1))
    assert [s.repos["status"][0] for s in snaps] == ["absent", "ok", "ok", "ok"]
    assert [s.repos["commit"][0] for s in snaps[1:]] == [ids["A"], ids["M"], ids["C"]]
    # A: 21 files read; M: only the new src/feature.rs; C: only the changed src/app.py
    assert reads == [21, 1, 1]
    last = snaps[-1].files.sort("path")
    fresh = scan_repo(Target("p", parse_spec(f"{repo}@{ids['C']}"), "r")).files.sort("path")
    assert last.drop("commit").equals(fresh.drop("commit"))  # reused rows equal freshly read ones
    assert [s.manifest["described_at"] for s in snaps] == [f"{d}T23:59:59Z" for d in days]
    listed = list_snapshots(out)
    assert listed["describes"].to_list() == sorted(listed["describes"].to_list())
    # extending the schedule keeps the snapshots already made
    reads.clear()
    again = backfill([Target("p", parse_spec(str(repo)), "r")], [*days, date(2024, 8, 31)], out=out,
                     options=ScanOptions(jobs=1))
    assert [s.id for s in again[:4]] == [s.id for s in snaps] and reads == []  # date 5: unchanged commit


def test_github_at_a_date_costs_one_request(make_repo: MakeRepo, dated: tuple[Path, dict[str, str]],
                                            tmp_path: Path) -> None:
    repo, ids = dated
    bare = tmp_path / "served.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    with FakeGitHub() as fake:
        fake.add_repo("org/dated", bare)
        options = ScanOptions(jobs=1, github=GitHubOptions(api_url=fake.api_url, timeout=5),
                              at=parse_at("2024-05-01"))
        row = scan_repo(Target("p", parse_spec("org/dated"), "org/dated"), options).repo
        assert row["commit"] == ids["M"] and row["github_languages"] is None  # today's figures say nothing of May
        # one REST request (the repository); the commit of that date is chosen from git's history
        assert [r.path.split("?")[0] for r in fake.requests("^/api/v3/")] == ["/api/v3/repos/org/dated"]
        before = scan_repo(Target("p", parse_spec("org/dated"), "org/dated"),
                           ScanOptions(jobs=1, github=options.github, at=parse_at("2023-06-01"))).repo
        assert before["status"] == "absent"


def test_schedules() -> None:
    assert schedule(date(2022, 1, 31), "month", date(2022, 4, 30)) == [
        date(2022, 1, 31), date(2022, 2, 28), date(2022, 3, 31), date(2022, 4, 30)]
    assert schedule(date(2022, 1, 1), "quarter", date(2022, 12, 31)) == [
        date(2022, 1, 1), date(2022, 4, 1), date(2022, 7, 1), date(2022, 10, 1)]
    assert schedule(date(2020, 2, 29), "year", date(2023, 3, 1)) == [
        date(2020, 2, 29), date(2021, 2, 28), date(2022, 2, 28), date(2023, 2, 28)]
    assert parse_dates("2024-06-30, 2023-01-01,2024-06-30") == [date(2023, 1, 1), date(2024, 6, 30)]
    with pytest.raises(InputError, match="not a date"):
        parse_dates("2024-13-01")
    with pytest.raises(InputError, match="after"):
        schedule(date(2030, 1, 1), "year", date(2024, 1, 1))
    assert parse_at("2024-06-30").when is not None and parse_at("v1.0").ref == "v1.0"


def test_cli_scan_at_and_backfill(dated: tuple[Path, dict[str, str]], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo, ids = dated
    out = str(tmp_path / "out")
    assert main(["scan", "--repo", str(repo), "--out", out, "--at", "2024-03-01"]) == 0
    snap = Path(capsys.readouterr().out.strip().splitlines()[-1])
    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["described_at"] == "2024-03-01T23:59:59Z" and manifest["options"]["at"] == "2024-03-01"
    assert pl.read_parquet(snap / "repos.parquet")["commit"].to_list() == [ids["A"]]
    assert main(["backfill", "--repo", str(repo), "--out", out, "--since", "2024-01-01", "--until", "2024-07-01",
                 "--every", "quarter"]) == 0
    table = capsys.readouterr().out
    assert "2024-04-01" in table and "absent" in table
    assert main(["backfill", "--repo", str(repo), "--out", out, "--dates", "2024-01-01,2024-04-01"]) == 0
    assert table.count("new") >= 3 and "kept" in capsys.readouterr().out
    assert main(["report", "--out", out, "--format", "md", "-o", "-"]) == 0
    report = capsys.readouterr().out
    assert "2024-01-01" in report and "2024-07-01" in report  # the trend is dated by what snapshots describe
    assert main(["snapshots", "--out", out, "--format", "csv"]) == 0
    listed = pl.read_csv(io.StringIO(capsys.readouterr().out))
    assert listed["describes"].to_list() == sorted(listed["describes"].to_list())
    assert main(["backfill", "--repo", str(repo), "--out", out]) == 2


def test_at_a_date_in_a_local_clone(dated: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    repo, ids = dated
    clones = tmp_path / "clones"
    (clones / "org").mkdir(parents=True)
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(clones / "org" / "dated"))
    options = ScanOptions(clones=str(clones) + "/{owner}/{name}", at=parse_at("2024-05-01"),
                          github=GitHubOptions(api_url="http://127.0.0.1:9", timeout=1))
    row = scan_repo(Target("p", parse_spec("org/dated"), "org/dated"), options).repo
    assert (row["kind"], row["commit"], row["status"]) == ("clone", ids["M"], "ok")
    early = scan_repo(Target("p", parse_spec("org/dated"), "org/dated"),
                      ScanOptions(clones=options.clones, at=parse_at("2023-01-01"), github=options.github)).repo
    assert early["status"] == "absent"


def test_at_a_ref_the_clone_lacks_is_read_from_github(dated: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """Regression: ``--at REF`` with ``--clones`` and a clone without REF was recorded ``absent``;
    the clone may lag behind GitHub, so GitHub is asked, as for ``OWNER/NAME@REF``."""
    repo, ids = dated
    clones = tmp_path / "clones"
    (clones / "org").mkdir(parents=True)
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(clones / "org" / "dated"))
    git(repo, "tag", "v2", ids["C"])  # tagged after the clone was made
    served = tmp_path / "served.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(served))
    with FakeGitHub() as fake:
        fake.add_repo("org/dated", served)
        options = ScanOptions(clones=str(clones) + "/{owner}/{name}", at=parse_at("v2"),
                              github=GitHubOptions(api_url=fake.api_url, timeout=5))
        row = scan_repo(Target("p", parse_spec("org/dated"), "org/dated"), options).repo
    assert (row["status"], row["kind"], row["commit"], row["ref"]) == ("ok", "github", ids["C"], "v2")
    assert "has no 'v2'" in row["note"]
    tagged = scan_repo(Target("p", parse_spec("org/dated"), "org/dated"),
                       ScanOptions(clones=options.clones, at=parse_at("v1"), github=options.github)).repo
    assert (tagged["kind"], tagged["commit"]) == ("clone", ids["M"])  # the clone has v1: no request needed


def test_backfill_keeps_only_snapshots_of_the_same_data(dated: tuple[Path, dict[str, str]], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: an extended backfill kept earlier dates made by another census, language data or
    line counting, mixing data versions in one trend."""
    repo, _ids = dated
    out = str(tmp_path / "out")
    targets = [Target("p", parse_spec(str(repo)), "r")]
    days = [date(2024, 2, 1), date(2024, 5, 1)]
    first = backfill(targets, days, out=out, options=ScanOptions(jobs=1))
    kept = backfill(targets, days, out=out, options=ScanOptions(jobs=1))
    assert [s.id for s in kept] == [s.id for s in first]
    no_lines = backfill(targets, days, out=out, options=ScanOptions(jobs=1, lines=False))
    assert not {s.id for s in no_lines} & {s.id for s in first}
    monkeypatch.setattr("crawler.run.__version__", "9.9.9")
    other_tool = backfill(targets, days, out=out, options=ScanOptions(jobs=1))
    assert not {s.id for s in other_tool} & {s.id for s in first}
    monkeypatch.setattr("crawler.linguist.languages.data_version", lambda: {"linguist": "another"})
    other_data = backfill(targets, days, out=out, options=ScanOptions(jobs=1))
    assert not {s.id for s in other_data} & ({s.id for s in first} | {s.id for s in other_tool})
