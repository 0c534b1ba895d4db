"""Claims: the grammar, verdicts against snapshots, the command, and --clones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.claims import ClaimError, Expectation, check, parse_claims, parse_expectation
from crawler.cli import main
from crawler.config import parse_config
from crawler.errors import ConfigError
from crawler.run import scan
from crawler.snapshot import Snapshot
from crawler.specs import parse_spec
from crawler.step import scan_repo
from crawler.values import GitHubOptions, ScanOptions, Target
from tests.conftest import MakeRepo, commit, git
from tests.fake_github import FakeGitHub

RUST = "fn main() { println!(\"hi\"); }\n" * 40        # 1,200 bytes
PYTHON = "import os\nprint(os.getcwd())\n" * 20       # 580 bytes
TS = "export const a: number = 1;\n" * 10            # 280 bytes


@pytest.mark.parametrize(("text", "expected"), [
    ("Rust is the top language", Expectation("top", "Rust")),
    ("rust  is the TOP language", Expectation("top", "Rust")),
    ("Python >= 80%", Expectation("share", "Python", op=">=", percent=80.0)),
    ("C++ < 2.5 %", Expectation("share", "C++", op="<", percent=2.5)),
    ("Rust > Python", Expectation("compare", "Rust", other="Python", op=">")),
    ("cpp <= c", Expectation("compare", "C++", other="C", op="<=")),
    ("TSX present", Expectation("present", "TypeScript")),  # counted as its group, as on the bar
    ("Jupyter Notebook absent", Expectation("absent", "Jupyter Notebook")),
])
def test_grammar(text: str, expected: Expectation) -> None:
    assert parse_expectation(text, "c") == expected


@pytest.mark.parametrize(("expect", "words"), [
    ("Rust rules", "cannot understand"), ("Klingon present", "unknown language 'Klingon'"),
    ("Rust >= lots%", "cannot understand"), ("", "non-empty string"),
])
def test_bad_expressions_name_the_claim(expect: str, words: str) -> None:
    with pytest.raises(ClaimError) as info:
        parse_claims([{"text": "Rust wins", "scope": "p", "expect": expect}])
    assert "claim 'Rust wins'" in str(info.value) and words in str(info.value)


def test_bad_claims_in_config_name_file_line_and_key() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('[[claim]]\ntext = "x"\nscope = "p"\nexpect = "Rust wins"\n', name="c.toml")
    assert (info.value.line, info.value.key) == (4, "claim[0].expect")
    with pytest.raises(ConfigError, match="by must be"):
        parse_config('[[claim]]\ntext = "x"\nscope = "p"\nexpect = "Rust present"\nby = "words"\n')


@pytest.fixture
def snap(make_repo: MakeRepo, tmp_path: Path) -> Snapshot:
    core = make_repo({"Cargo.toml": "[package]\n", "src/lib.rs": RUST, "py/pyproject.toml": "[project]\n",
                      "py/x.py": PYTHON, "web/index.ts": TS}, name="core")
    targets = [Target("Acme", parse_spec(str(core)), "acme/core"),
               Target("Acme", parse_spec(str(tmp_path / "nowhere")), "acme/missing"),
               Target("Solo", parse_spec(str(core)), "solo/core")]
    return scan(targets, out=str(tmp_path / "out"), options=ScanOptions(jobs=1))


def verdicts(snap: Snapshot, *tables: dict[str, str]) -> list[tuple[str, str]]:
    return [(v.verdict, v.figures) for v in check(snap, parse_claims(tables))]


def test_verdicts(snap: Snapshot) -> None:
    def one(scope: str, expect: str, by: str = "bytes") -> str:
        return verdicts(snap, {"text": "t", "scope": scope, "expect": expect, "by": by})[0][0]

    assert one("solo/core", "Rust is the top language") == "HOLDS"
    assert one("solo/core", "Python is the top language") == "FAILS"
    assert one("solo/core", "Rust >= 50%") == "HOLDS"          # 1,200 of 2,060 bytes: 58.3%
    assert one("solo/core", "Rust >= 60%") == "FAILS"
    assert one("solo/core", "Rust > Python") == "HOLDS"
    assert one("solo/core", "Python > Rust") == "FAILS"
    assert one("solo/core", "TypeScript present") == "HOLDS"
    assert one("solo/core", "Go present") == "FAILS"
    assert one("solo/core", "Go absent") == "HOLDS"
    assert one("solo/core:py", "Python is the top language") == "HOLDS"   # a component
    assert one("Solo", "Rust is the top language") == "HOLDS"            # a project
    assert one("solo/core", "Rust >= Python", by="code") == "HOLDS"     # 40 lines of code each
    assert one("solo/core", "Rust > Python", by="code") == "FAILS"
    assert one("Acme", "Rust present") == "UNKNOWN"                      # one repository failed
    with pytest.raises(ClaimError, match="names nothing"):
        one("nobody/nothing", "Rust present")


def test_figures_name_shares_and_commits(snap: Snapshot) -> None:
    (verdict, figures), = verdicts(snap, {"text": "t", "scope": "solo/core", "expect": "Python > Rust"})
    commit_id = snap.repos.filter(snap.repos["repo"] == "solo/core")["commit"][0]
    assert verdict == "FAILS" and "Python 28.2% (580 bytes) vs Rust 58.3% (1,200 bytes)" in figures
    assert f"solo/core@{commit_id[:10]}" in figures
    (_, failed), = verdicts(snap, {"text": "t", "scope": "Acme", "expect": "Rust present"})
    assert "acme/missing: failed (no such path" in failed


def test_claims_command(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"src/lib.rs": RUST, "x.py": PYTHON})
    config = tmp_path / "c.toml"
    config.write_text(f'[[project]]\nname = "P"\nrepos = ["{repo}"]\n\n'
                      '[[claim]]\ntext = "P is mostly Rust"\nscope = "P"\nexpect = "Rust >= 60%"\n\n'
                      '[[claim]]\ntext = "P has Python"\nscope = "P"\nexpect = "Python present"\n')
    out = str(tmp_path / "out")
    assert main(["scan", str(config), "--out", out]) == 0
    capsys.readouterr()
    assert main(["claims", "--out", out]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("HOLDS   P is mostly Rust — Rust 67.4%") and lines[1].startswith("HOLDS   P has Python")
    other = tmp_path / "other.toml"
    other.write_text('[[claim]]\ntext = "P is Python"\nscope = "P"\nexpect = "Python is the top language"\n')
    assert main(["claims", "--out", out, "--config", str(other)]) == 1
    assert capsys.readouterr().out.startswith("FAILS   P is Python")
    assert main(["claims", "--out", out, "--format", "json"]) == 0
    verdicts = json.loads(capsys.readouterr().out)
    assert [v["verdict"] for v in verdicts] == ["HOLDS", "HOLDS"] and verdicts[0]["expect"] == "Rust >= 60%"
    assert main(["claims", "--out", out, "--format", "md"]) == 0
    md = capsys.readouterr().out.splitlines()
    assert md[0] == "| verdict | claim | figures |" and md[2].startswith("| **HOLDS** | P is mostly Rust |")
    other.write_text('[[claim]]\ntext = "bad"\nscope = "P"\nexpect = "Python wins"\n')
    assert main(["claims", "--out", out, "--config", str(other)]) == 2
    assert "claim 'bad': cannot understand" in capsys.readouterr().err


def test_report_has_a_claims_section(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"src/lib.rs": RUST})
    config = tmp_path / "c.toml"
    config.write_text(f'[[project]]\nname = "P"\nrepos = ["{repo}"]\n[[claim]]\ntext = "All Rust"\nscope = "P"\n'
                      'expect = "Rust >= 99%"\n')
    out = str(tmp_path / "out")
    main(["scan", str(config), "--out", out])
    capsys.readouterr()
    assert main(["report", "--out", out, "--format", "md", "-o", "-"]) == 0
    md = capsys.readouterr().out
    assert "## Claims" in md and "| **HOLDS** | All Rust |" in md


# --- --clones ---------------------------------------------------------------------------------------


def test_clone_template_fallback_and_other_commit(make_repo: MakeRepo, tmp_path: Path) -> None:
    work = make_repo({"a.py": "x = 1\n"}, name="work")
    first = git(work, "rev-parse", "HEAD")
    commit(work, {"b.rs": "fn main() {}\n"})
    clones = tmp_path / "src" / "github.com"
    (clones / "acme").mkdir(parents=True)
    git(tmp_path, "clone", "-q", str(work), str(clones / "acme" / "app"))   # clone at the newest commit
    git(work, "tag", "v2")
    commit(work, {"c.go": "package main\n"})
    bare = tmp_path / "server.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    template = str(clones) + "/{owner}/{name}"
    with FakeGitHub() as fake:
        fake.add_repo("acme/app", bare)
        fake.add_repo("acme/other", bare)
        options = ScanOptions(jobs=1, clones=template, github=GitHubOptions(api_url=fake.api_url, timeout=5))
        local = scan_repo(Target("p", parse_spec("acme/app"), "acme/app"), options)
        assert local.repo["kind"] == "clone" and local.repo["clone_path"] == str(clones / "acme" / "app")
        assert set(local.files["path"]) == {"a.py", "b.rs"} and local.repo["ref"] == "main"
        assert not fake.log  # a clone needs no request
        pinned = scan_repo(Target("p", parse_spec(f"acme/app@{first}"), "acme/app"), options)
        assert pinned.repo["kind"] == "clone" and pinned.repo["commit"] == first
        assert set(pinned.files["path"]) == {"a.py"}
        tagged = scan_repo(Target("p", parse_spec("acme/app@v2"), "acme/app"), options)  # the clone lacks v2
        assert tagged.repo["kind"] == "github" and "not used" in tagged.repo["note"]
        assert set(tagged.files["path"]) == {"a.py", "b.rs"}
        elsewhere = scan_repo(Target("p", parse_spec("acme/other"), "acme/other"), options)  # no clone
        assert elsewhere.repo["kind"] == "github" and elsewhere.repo["clone_path"] is None
        assert set(elsewhere.files["path"]) == {"a.py", "b.rs", "c.go"}


def test_clones_template_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--repo", "a/b", "--clones", "/src/fixed"]) == 2
    assert "{name}" in capsys.readouterr().err


# --- strict claims (a typo never passes silently) --------------------------------------------------


@pytest.mark.parametrize(("scope", "hint"), [
    ("solo/core:pyy", "did you mean 'solo/core:py'"),
    ("Slo", "did you mean 'Solo'"),
    ("solo/cor", "did you mean 'solo/core'"),
])
def test_a_scope_that_names_nothing_is_bad_input(snap: Snapshot, scope: str, hint: str) -> None:
    with pytest.raises(ClaimError) as info:
        verdicts(snap, {"text": "t", "scope": scope, "expect": "Rust absent"})
    assert "names nothing" in str(info.value) and hint in str(info.value)


@pytest.mark.parametrize(("table", "words"), [
    ({"expect": "Rust >= 90"}, "needs a percent sign"),
    ({"expect": "Rust >= 150%"}, "between 0% and 100%"),
    ({"by": "lines"}, "by must be"),
    ({"where": {"created_after": "2024-01-01"}}, "unknown key(s) in where: created_after"),
    ({"where": {"created_since": "yesterday"}}, "must be a date"),
    ({"where": {"min_stars": -1}}, "min_stars"),
    ({"where": "2024"}, "where must be a table"),
    ({"tolerance": "lots"}, "tolerance must be"),
    ({"scop": "x"}, "unknown key(s) scop"),
])
def test_claims_are_strict(table: dict[str, object], words: str) -> None:
    with pytest.raises(ClaimError) as info:
        parse_claims([{"text": "t", "scope": "p", "expect": "Rust present", **table}])
    assert words in str(info.value)


@pytest.mark.parametrize("raw", [5, [1], "claim", [{"text": "t"}, 3]])
def test_claims_that_are_not_tables(raw: object) -> None:
    with pytest.raises(ClaimError):
        parse_claims(raw)


def test_claims_command_is_strict(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"src/lib.rs": RUST})
    out = str(tmp_path / "out")
    assert main(["scan", "--repo", str(repo), "--out", out]) == 0
    capsys.readouterr()
    for text, words in [('[[claims]]\ntext = "t"\nscope = "*"\nexpect = "Rust present"\n', "unknown key"),
                        ("claim = 5\n", "must be [[claim]] tables"),
                        ("claim = [1]\n", "must be [[claim]] tables"),
                        ('[[claim]]\ntext = "t"\nscope = "nope"\nexpect = "Rust present"\n', "names nothing"),
                        ("", "has no [[claim]] tables")]:
        config = tmp_path / "c.toml"
        config.write_text(text)
        assert main(["claims", "--out", out, "--config", str(config)]) == 2, text
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


# --- populations: claims by repositories, cohorts by GitHub metadata ------------------------------


@pytest.fixture
def population(tmp_path: Path) -> Snapshot:
    """Seven rows of a population, their top languages worked out by hand:
    r1 Rust (Rust 100 > Python 50); r2 Python; r3 Python (summed over components: Python 40+40 >
    Rust 70); r4 C++; r5 failed; r6 = r1 found again in another project (same GitHub id);
    r7 Python (a 50/50 tie, broken by name)."""
    import polars as pl

    from crawler.snapshot import write_snapshot

    repos, rows = [], []
    for name, project, gid, created, stars, topics, status, langs in [
        ("o/r1", "LLM", 1, "2025-02-01T00:00:00Z", 500, ["llm"], "ok", {".": {"Rust": 100, "Python": 50}}),
        ("o/r2", "LLM", 2, "2024-05-01T00:00:00Z", 2000, ["llm", "inference"], "ok",
         {".": {"Python": 300, "Rust": 10}}),
        ("o/r3", "LLM", 3, "2025-06-01T00:00:00Z", 50, ["LLM"], "ok",
         {"a": {"Rust": 70, "Python": 40}, "b": {"Python": 40}}),
        ("o/r4", "LLM", 4, "2023-01-01T00:00:00Z", 10000, [], "ok", {".": {"C++": 900}}),
        ("o/r5", "LLM", 5, "2025-03-01T00:00:00Z", 5, ["llm"], "failed", {}),
        ("o/r1", "Other", 1, "2025-02-01T00:00:00Z", 500, ["llm"], "ok", {".": {"Rust": 100, "Python": 50}}),
        ("o/r7", "LLM", 7, "2025-09-09T00:00:00Z", 300, [], "ok", {".": {"Rust": 50, "Python": 50}}),
    ]:
        repos.append({"project": project, "repo": name, "source": f"github:{name}", "status": status,
                      "commit": "c" * 40, "files": 1, "bytes": 1, "github_id": gid, "created_at": created,
                      "stars": stars, "topics": topics, "canonical": name,
                      "error": "boom" if status == "failed" else None})
        for component, sizes in langs.items():
            total = sum(sizes.values())
            rows += [{"project": project, "repo": name, "commit": "c" * 40, "component": component,
                      "language": lang, "type": "programming", "files": 1, "bytes": size, "share": size / total}
                     for lang, size in sizes.items()]
    return write_snapshot(tmp_path / "pop", repos=pl.DataFrame(repos), files=pl.DataFrame(
        {"project": [], "repo": [], "path": []}, schema={"project": pl.String, "repo": pl.String, "path": pl.String}),
        breakdown=pl.DataFrame(rows))


@pytest.mark.parametrize(("table", "verdict", "words"), [
    ({"expect": "Rust > Python"}, "UNKNOWN", "1 of 6 repositories left out (o/r5: failed (boom))"),
    ({"expect": "Rust > Python", "tolerance": 1}, "FAILS", "Rust tops 1 of 5 repositories (20.0%) vs Python "
     "tops 3 of 5 repositories (60.0%)"),
    ({"expect": "Python is the top language", "tolerance": "20%"}, "HOLDS", "Python tops 3 of 5"),
    ({"expect": "C++ >= 20%", "tolerance": 1}, "HOLDS", "C++ tops 1 of 5 repositories (20.0%), expected >= 20%"),
    ({"expect": "Rust >= Python", "where": {"created_since": "2025-01-01"}}, "UNKNOWN", "left out"),
    ({"expect": "Python > Rust", "where": {"created_since": "2025-01-01", "created_before": "2025-06-01"},
      "tolerance": 1}, "FAILS", "Python tops 0 of 1"),
    ({"expect": "Python >= 50%", "where": {"min_stars": 1000}}, "HOLDS", "Python tops 1 of 2 repositories (50.0%)"),
    ({"expect": "Python is the top language", "where": {"topic": "LLM"}, "tolerance": 1}, "HOLDS",
     "Python tops 2 of 3 repositories"),
    ({"expect": "Go absent", "where": {"min_stars": 1000}}, "HOLDS", "Go tops 0 of 2"),
])
def test_claims_by_repositories(population: Snapshot, table: dict[str, object], verdict: str, words: str) -> None:
    (got, figures), = verdicts(population, {"text": "t", "scope": "*", "by": "repos", **table})  # type: ignore[arg-type]
    assert got == verdict and words in figures, figures


def test_where_narrows_byte_claims_too(population: Snapshot) -> None:
    (got, figures), = verdicts(population, {"text": "t", "scope": "LLM", "expect": "Python >= 90%",  # type: ignore[arg-type]
                                            "where": {"min_stars": 1000, "topic": "inference"}})
    assert got == "HOLDS" and "Python 96.8% (300 bytes)" in figures and "o/r2@" in figures
