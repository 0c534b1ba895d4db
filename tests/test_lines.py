"""Lines of code by tokei's rules: one test per sample file, whose header holds the expected counts
(tokei's own habit), counted through a real scan of a git repository; and the guard around tokei
(hostile content, time budgets, interrupts, scratch folders left by killed runs)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

import crawler.lines as lines
from crawler.lines import (
    SLOW_LANGUAGES,
    Budget,
    LineCounter,
    LineCounts,
    physical,
    sweep_scratch,
    tokei_language,
    tokei_map,
)
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
    assert files["dist/app.min.js"]["code"] == 1 and files["dist/app.min.js"]["vendored"]
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
    monkeypatch.setattr(lines, "_BATCH_FILES", 3)
    folders = []
    with LineCounter() as counter:
        for i in range(10):
            counter.add(i, b"x = 1\n# c\n" * (i + 1), "Python")
            folders.append(counter.folder)
    assert counter.results[9] == lines.LineCounts(20, 10, 10, 0) and len(counter.results) == 10
    assert len({f for f in folders if f}) == 3  # one per batch sent: three, the tenth file counted at the end
    assert not any(Path(f).exists() for f in folders if f)


@pytest.mark.parametrize(("content", "counts"), [
    (b"", (0, 0)), (b"a", (1, 0)), (b"a\n", (1, 0)), (b"a\n\n", (2, 1)), (b"a\r\n \r\nb", (3, 1)),
])
def test_physical(content: bytes, counts: tuple[int, int]) -> None:
    result = physical(content)
    assert (result.lines, result.blanks) == counts


# --- hostile content: tokei's time is quadratic on some of it ----------------------------------------

# 64 KiB of backticks on one line: tokei 12 takes some 4 s (its Markdown fence search runs from each
# position to the end of the line), far past the small budgets below.
HOSTILE_MD = b"`" * 65536
SMALL = Budget(grace=0.2, call=0.05, per_file=0.002, bytes_per_second=64 * 1024 * 1024)
NEIGHBOURS: dict[str, tuple[bytes, str]] = {
    "c": (b"int x = 1; // one\n\n/* two\n three */\n", "C"),
    "md": (b"# Title\n\ntext\n\n```python\nx = 1\n```\n", "Markdown"),
    "rs": (b"/// doc\nfn main() {}\n\n// c\n", "Rust"),
    "html": (b"<p>\n<script>\nvar a = 1;\n</script>\n</p>\n", "HTML"),
}


def reference() -> dict[str, LineCounts]:
    with LineCounter() as counter:
        for key, (content, language) in NEIGHBOURS.items():
            counter.add(key, content, language)
    return counter.results


def test_a_hostile_file_loses_code_and_comments_only() -> None:
    expected = reference()
    started = time.monotonic()
    with LineCounter(SMALL) as counter:
        counter.add("hostile", HOSTILE_MD, "Markdown")
        for key, (content, language) in NEIGHBOURS.items():
            counter.add(key, content, language)
    assert time.monotonic() - started < 2  # tokei alone would take seconds
    hostile = counter.results["hostile"]
    assert (hostile.lines, hostile.code, hostile.comments, hostile.blanks) == (1, None, None, 0)
    assert hostile.note and "time budget" in hostile.note and "code and comments not counted" in hostile.note
    assert {key: counter.results[key] for key in NEIGHBOURS} == expected  # counted one by one, the same
    assert all(c.note is None and c.code is not None for c in expected.values())


def test_many_hostile_files_stop_at_the_batch_limit() -> None:
    budget = Budget(grace=0.1, call=0.05, per_file=0.001, bytes_per_second=1e9)
    started = time.monotonic()
    with LineCounter(budget) as counter:
        for i in range(20):
            counter.add(i, HOSTILE_MD[:32768] + str(i).encode(), "Markdown")  # some 1 s each
    assert time.monotonic() - started < 2.5  # 20 s without the limit
    assert len(counter.results) == 20 and all(c.code is None and c.lines == 1 for c in counter.results.values())
    assert all(c.note and "time budget" in c.note for c in counter.results.values())
    assert lines.OUT_OF_TIME in {c.note for c in counter.results.values()}


def test_budget_defaults_stay_generous_for_normal_content() -> None:
    # 8 MiB/s is 2-3 times slower than tokei on large real HTML (the slowest measured: 14-27 MB/s on
    # one core), 3-15 times on C (27-130 MB/s), and the grace absorbs a loaded machine's delays.
    assert lines.BUDGET.bytes_per_second <= 8 * 1024 * 1024 and lines.BUDGET.grace >= 1
    assert lines.BUDGET.allowance(lines.LINES_LIMIT) < 5  # and a hostile file costs seconds, not hours


def test_slow_languages_are_tokei_languages() -> None:
    assert {entry["tokei"] for entry in tokei_map().values()} >= SLOW_LANGUAGES


def test_a_worker_that_dies_is_replaced_and_its_files_counted_again() -> None:
    expected = reference()
    with LineCounter() as counter:
        for key, (content, language) in NEIGHBOURS.items():
            counter.add(key, content, language)
        worker = _started_worker(counter)
        worker.wait_ready(30)
        os.kill(worker.pid, signal.SIGKILL)
    assert counter.results == expected


def test_leaving_by_an_exception_counts_nothing_and_kills_the_worker() -> None:
    with pytest.raises(ValueError), LineCounter() as counter:
        counter.add("a", b"x = 1\n", "Python")
        worker = _started_worker(counter).pid
        raise ValueError
    assert counter.results == {}
    assert _gone_soon(worker)


def test_leaving_by_an_exception_during_a_count_kills_it_and_removes_its_files(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines, "_BATCH_FILES", 1)
    with pytest.raises(ValueError), LineCounter(Budget(grace=600)) as counter:
        counter.add("hostile", HOSTILE_MD * 4, "Markdown")  # sent at once, counted for many seconds
        worker, scratch = _started_worker(counter).pid, counter.folder
        assert scratch is not None
        time.sleep(0.3)
        raise ValueError
    assert counter.results == {} and not Path(scratch).exists()
    assert _gone_soon(worker)


def _started_worker(counter: LineCounter) -> lines._Worker:
    """The counter's tokei process, once its lane has started it."""
    deadline = time.monotonic() + 10
    while counter.worker is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert counter.worker is not None
    return counter.worker


def _gone_soon(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _zombie_or_gone(pid):
            return True
        time.sleep(0.01)
    return False


def _zombie_or_gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


INTERRUPTED = textwrap.dedent("""
    import time
    from crawler import lines
    from crawler.lines import Budget, LineCounter
    lines._BATCH_FILES = 1
    with LineCounter(Budget(grace=600)) as counter:
        counter.add("hostile", b"`" * (1 << 20), "Markdown")   # hours of tokei, sent at once
        while counter.worker is None:
            time.sleep(0.005)
        print(counter.worker.pid, counter.folder, flush=True)
        counter.flush()
""")


def test_ctrl_c_is_honoured_while_tokei_counts() -> None:
    """The terminal's Ctrl-C (SIGINT to the process group) ends the scan at once: tokei counts in a
    worker process, which is killed, not waited for; its scratch folder goes too."""
    proc = subprocess.Popen([sys.executable, "-c", INTERRUPTED], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        worker, scratch = proc.stdout.readline().split()
        time.sleep(0.5)  # tokei is counting
        assert Path(f"/proc/{worker}").exists()
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=10)
        latency = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        err = proc.communicate()[1]
    assert latency < 3.0, err  # tokei alone would take hours; the margin is for a loaded CI machine
    assert "KeyboardInterrupt" in err
    assert not Path(scratch).exists() and not Path(scratch).parent.exists()
    assert _gone_soon(int(worker))


def test_tokei_no_longer_stops_the_other_threads() -> None:
    """pytokei holds the GIL while it counts: in census's process, a hostile file would stop every
    thread (the driver's too) for as long as tokei runs. In a worker process, it stops none."""
    import threading

    done = threading.Event()

    def count() -> None:
        with LineCounter(Budget(grace=0.8)) as counter:
            counter.add("hostile", HOSTILE_MD, "Markdown")
        done.set()

    thread = threading.Thread(target=count)
    thread.start()
    ticks, started = 0, time.monotonic()
    while not done.is_set() and time.monotonic() - started < 10:
        time.sleep(0.01)
        ticks += 1
    thread.join()
    elapsed = time.monotonic() - started
    assert elapsed > 0.5 and ticks > 0.5 * elapsed / 0.01  # this thread kept running all along


# --- scratch folders ---------------------------------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", ""])
    proc.wait()
    return proc.pid


def test_sweep_removes_the_folders_of_dead_processes_only(tmp_path: Path) -> None:
    dead = _dead_pid()
    names = [f"census-{dead}-abc123", f"census-{os.getpid()}-mine", "census-1-init", "census-lines-old", "other"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "f0.py").write_bytes(b"x = 1\n")
    (tmp_path / f"census-{dead}-link").symlink_to(tmp_path / "other")
    removed = sweep_scratch(str(tmp_path))
    assert removed == [str(tmp_path / f"census-{dead}-abc123")]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[1:], f"census-{dead}-link"])
    assert (tmp_path / "other" / "f0.py").exists()


def test_batches_live_in_a_folder_named_after_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines, "_BATCH_FILES", 1)
    with LineCounter() as counter:
        counter.add("a", b"x = 1\n", "Python")
        assert counter.folder is not None
        owner = Path(counter.folder).parent
    assert re.fullmatch(rf"census-{os.getpid()}-[a-z0-9_]+", owner.name) and owner.exists()
    assert str(owner.parent) == lines._scratch_root()
    assert counter.results["a"] == LineCounts(1, 1, 0, 0)


def test_at_exit_idle_workers_are_killed_and_reaped() -> None:
    """So that no tokei process outlives census, and its CPU time is counted as census's (``time``, the bench)."""
    with LineCounter() as counter:
        counter.add("a", b"x = 1\n", "Python")
        worker = _started_worker(counter)
    assert counter.results["a"] == LineCounts(1, 1, 0, 0)
    assert worker._proc.returncode is None  # idle, kept for the next counter
    lines._close_idle()
    assert worker._proc.returncode is not None  # waited for, not left to init
    assert not any(lane.worker is worker for lane in lines._idle_lanes)
