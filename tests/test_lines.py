"""Lines of code by tokei's rules: one test per sample file, whose header holds the expected counts
(tokei's own habit), counted through a real scan of a git repository."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from crawler.lines import LineCounter, physical, tokei_language
from crawler.specs import parse_spec
from crawler.step import scan_repo
from crawler.values import ScanOptions, Target
from tests.conftest import MakeRepo

SAMPLES = Path(__file__).parent / "data" / "lines"
HEADER = re.compile(rb"(\d+) lines, (\d+) code, (\d+) comments, (\d+) blanks")


def expected(path: Path) -> tuple[int, ...]:
    match = HEADER.search(path.read_bytes()[:400])
    assert match, f"{path.name} has no expected counts in its header"
    return tuple(int(x) for x in match.groups())


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    from tests.conftest import commit, git

    repo = tmp_path_factory.mktemp("lines") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {f"src/{p.name}": p.read_bytes() for p in SAMPLES.iterdir()})
    result = scan_repo(Target("p", parse_spec(str(repo)), "r"), ScanOptions(jobs=1))
    return result.files


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.iterdir()))
def test_sample(scanned: pl.DataFrame, sample: str) -> None:
    row = scanned.filter(pl.col("path") == f"src/{sample}").to_dicts()[0]
    assert (row["lines"], row["code"], row["comments"], row["blanks"]) == expected(SAMPLES / sample), row["language"]


def test_linguist_language_decides_tokei_language(scanned: pl.DataFrame) -> None:
    header = scanned.filter(pl.col("path") == "src/header_cpp.h").to_dicts()[0]
    assert header["language"] == "C++" and tokei_language("C++") == "C++"
    kernel = scanned.filter(pl.col("path") == "src/kernel.cu").to_dicts()[0]
    assert kernel["language"] == "Cuda" and tokei_language("Cuda") == "C++"  # same syntax; tokei 12 has no CUDA


def test_every_kind_of_file_gets_lines(make_repo: MakeRepo) -> None:
    repo = make_repo({
        "vendor/lib.py": "a = 1\n\n# c\n", "dist/app.min.js": "var a=1;" * 300 + "\n",
        "blob.bin": b"\0\1\n\2\n", "data.json": '{"a": 1}\n', "notes.txt": "one\n\ntwo\n",
        "unknown.zzz": "x\ny\n", "empty.py": "", ".gitattributes": "*.dat linguist-language=C\n",
        "forced.dat": b"int x;\0\n",
    })
    files = {r["path"]: r for r in scan_repo(Target("p", parse_spec(str(repo)), "r")).files.to_dicts()}
    assert (files["vendor/lib.py"]["lines"], files["vendor/lib.py"]["code"]) == (3, 1)  # vendored: counted anyway
    assert files["dist/app.min.js"]["code"] == 1 and files["dist/app.min.js"]["generated"]
    assert (files["blob.bin"]["lines"], files["blob.bin"]["code"]) == (2, None)  # binary: lines only
    assert files["data.json"]["code"] == 1
    assert (files["unknown.zzz"]["lines"], files["unknown.zzz"]["blanks"], files["unknown.zzz"]["code"]) == (2, 0, None)
    assert (files["empty.py"]["lines"], files["empty.py"]["code"]) == (0, None)  # no language: Linguist's rule
    assert files["forced.dat"]["language"] == "C" and files["forced.dat"]["code"] is None  # binary content


def test_no_lines_option(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    files = scan_repo(Target("p", parse_spec(str(repo)), "r"), ScanOptions(lines=False)).files
    assert files["lines"].to_list() == [None] and files["code"].to_list() == [None]


def test_breakdown_sums_code_of_counted_files_only(make_repo: MakeRepo, tmp_path: Path) -> None:
    from crawler.run import scan

    repo = make_repo({"a.py": "x = 1\ny = 2\n# c\n", "vendor/b.py": "z = 3\n" * 10})
    snap = scan([Target("p", parse_spec(str(repo)), "r")], out=str(tmp_path / "out"), options=ScanOptions(jobs=1))
    (row,) = snap.breakdown.to_dicts()
    assert (row["language"], row["lines"], row["code"], row["comments"], row["blanks"]) == ("Python", 3, 2, 1, 0)


def test_batches_flush_and_clean_up(monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.lines as lines

    monkeypatch.setattr(lines, "_BATCH_FILES", 3)
    with LineCounter() as counter:
        for i in range(10):
            counter.add(i, b"x = 1\n# c\n" * (i + 1), "Python")
        scratch = counter._dir
    assert counter.results[9] == lines.LineCounts(20, 10, 10, 0) and len(counter.results) == 10
    assert scratch is None or not Path(scratch).exists()


@pytest.mark.parametrize(("content", "counts"), [
    (b"", (0, 0)), (b"a", (1, 0)), (b"a\n", (1, 0)), (b"a\n\n", (2, 1)), (b"a\r\n \r\nb", (3, 1)),
])
def test_physical(content: bytes, counts: tuple[int, int]) -> None:
    result = physical(content)
    assert (result.lines, result.blanks) == counts
