"""The fault-injection suite: whatever happens, nothing done is lost and nothing half is left.

Rate limits, truncated trees and the token canary live in ``test_github.py`` (items 1, 2 and 8
of the issue); this module holds the others. Tests that build very large repositories are marked
``slow``: deselected by default, run by ``.ci/run``.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from crawler.checkpoint import WORK, output_lock
from crawler.cli import main
from crawler.github.api import GitHubAPI
from crawler.github.ratelimit import RateGate
from crawler.run import run
from crawler.sources import git as gitsource
from crawler.specs import parse_spec
from crawler.step import scan_repo
from crawler.values import GitHubOptions, ScanOptions, Target
from tests.conftest import GIT_ENV, MakeRepo, Submodule, Symlink, commit, git
from tests.fake_github import FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
VOLATILE = ["scanned_at", "duration_s"]


def census_process(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **GIT_ENV, **(env or {})})


def tgt(spec: str, name: str | None = None) -> Target:
    parsed = parse_spec(spec)
    return Target("p", parsed, name or parsed.name)


# --- 3. statuses: each its own, the next repository still scanned, retries bounded ----------------


def test_each_fault_its_own_status_and_the_next_repository_scanned(make_repo: MakeRepo) -> None:
    bare = make_repo({"a.py": "x = 1\n"}, name="a", bare=True)
    with FakeGitHub() as fake:
        for name in ("gone-not", "empty", "blocked", "old", "flaky", "slow", "fine"):
            fake.add_repo(f"org/{name}", None if name == "empty" else bare)
        del fake.repos["org/gone-not"]
        fake.rename("org/old", "org/new")
        fake.fault(r"^/api/v3/repos/org/blocked$", 451, times=9)
        fake.fault(r"^/api/v3/repos/org/flaky$", 502, times=99, body="<html><body>Bad Gateway</body></html>")
        fake.fault(r"^/api/v3/repos/org/slow$", 200, times=9, delay=1.3, body="{}")
        sleeps: list[float] = []
        options = GitHubOptions(api_url=fake.api_url, timeout=1)
        client = GitHubAPI(options, gate=RateGate(sleep=sleeps.append), jitter=lambda: 0.5)
        client.policy.attempts = 2
        names = ["gone-not", "empty", "blocked", "old", "flaky", "slow", "fine"]
        results = run([tgt(f"org/{n}") for n in names], ScanOptions(jobs=1, github=options), api=client)
        statuses = {r.repo["repo"]: (r.repo["status"], r.repo["canonical"]) for r in results}
        assert statuses == {"org/gone-not": ("not_found", None), "org/empty": ("empty", "org/empty"),
                            "org/blocked": ("blocked", None), "org/old": ("ok", "org/new"),
                            "org/flaky": ("failed", None), "org/slow": ("failed", None), "org/fine": ("ok", "org/fine")}
        assert len(fake.requests(r"^/api/v3/repos/org/flaky$")) == 2  # bounded
        assert len(fake.requests(r"^/api/v3/repos/org/slow$")) == 2
        assert "<html>" not in str([r.repo["error"] for r in results])


# --- 4. git content hazards in one repository ------------------------------------------------------


def test_content_hazards(make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"1" * 64 + b"\nsize 1048576\n"
    repo = make_repo({
        "escape": Symlink("../../../../etc/passwd"), "random": Symlink("/dev/random"), "deps/lib": Submodule(),
        "weights.bin": pointer, "blob.dat": bytes(range(256)) * 64, b"caf\xe9.py": b"x = 1\n",
        "line\nbreak.py": b"y = 2\n", "crlf.py": b"a = 1\r\n\r\nb = 2\r\n",
        "Case.py": b"A = 1\n", "case.py": b"a = 1\n",
    })
    big = tmp_path / "big.c"
    with big.open("wb") as fh:  # 150 MB of C
        chunk = b"int a_long_variable_name_to_fill_space = 0;\n" * 20_000
        while fh.tell() < 150 * 1024 * 1024:
            fh.write(chunk)
    oid = git(repo, "hash-object", "-w", str(big))
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{oid},huge/big.c")
    git(repo, "commit", "-q", "-m", "big")
    read: dict[str, int] = {}
    original = gitsource._read_exactly

    def counting(stream: object, n: int) -> bytes:
        data = original(stream, n)  # type: ignore[arg-type]
        read[str(n)] = read.get(str(n), 0) + len(data)
        return data

    monkeypatch.setattr(gitsource, "_read_exactly", counting)
    files = {r["path"]: r for r in scan_repo(tgt(str(repo))).files.to_dicts()}
    assert files["escape"]["kind"] == files["random"]["kind"] == "symlink" and files["escape"]["bytes"] is None
    assert files["deps/lib"]["kind"] == "submodule"
    assert files["weights.bin"]["lfs"] and files["weights.bin"]["bytes"] == len(pointer)
    assert files["blob.dat"]["binary"] and not files["blob.dat"]["counted"]
    assert files["caf\\xe9.py"]["path_bytes"] == b"caf\xe9.py" and files["caf\\xe9.py"]["counted"]
    assert files["line\nbreak.py"]["path_bytes"] is None and files["line\nbreak.py"]["language"] == "Python"
    assert (files["crlf.py"]["lines"], files["crlf.py"]["blanks"]) == (3, 1)
    assert files["Case.py"]["counted"] and files["case.py"]["counted"]
    huge = files["huge/big.c"]
    assert huge["bytes"] == big.stat().st_size and huge["counted"] and huge["language"] == "C"
    assert huge["lines"] is None and "lines not counted" in huge["note"]
    assert max(read.values()) <= 32 * 1024 * 1024  # what one blob may cost in memory: capped


def test_nothing_outside_a_folder_is_opened(tmp_path: Path) -> None:
    """A symlink to a FIFO outside the folder: opening it would hang the scan."""
    folder = tmp_path / "folder"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "a.py").write_text("x = 1\n")
    trap = tmp_path / "trap"
    os.mkfifo(trap)
    (folder / "trap.py").symlink_to(trap)
    (folder / "outside").symlink_to(tmp_path)
    (folder / "fifo.py").symlink_to("../trap")
    proc = census_process("scan", "--repo", str(folder), "--out", str(tmp_path / "out"))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    files = pl.read_parquet(Path(out.strip().splitlines()[-1]) / "files.parquet")
    assert dict(zip(files["path"], files["kind"], strict=True)) == {
        "fifo.py": "symlink", "outside": "symlink", "src/a.py": "file", "trap.py": "symlink"}


# --- 5. missing objects --------------------------------------------------------------------------


def test_partial_clone_whose_source_is_gone_never_fetches(make_repo: MakeRepo, tmp_path: Path) -> None:
    source = make_repo({"small.py": "x = 1\n", "large.py": "y = 2\n" * 200}, name="src")
    clone = tmp_path / "partial.git"
    git(tmp_path, "clone", "-q", "--bare", "--filter=blob:limit=100",
        "--upload-pack=git -c uploadpack.allowFilter=true upload-pack", f"file://{source}", str(clone))
    os.rename(source, tmp_path / "src-gone")
    trace = tmp_path / "trace.json"
    os.environ["GIT_TRACE2_EVENT"] = str(trace)
    try:
        result = scan_repo(tgt(str(clone)))
    finally:
        del os.environ["GIT_TRACE2_EVENT"]
    rows = {r["path"]: r for r in result.files.to_dicts()}
    assert rows["small.py"]["counted"] and rows["small.py"]["bytes"] == 6
    assert rows["large.py"]["bytes"] is None and rows["large.py"]["note"] == "missing object"
    assert result.repo["status"] == "ok" and "1 file(s) could not be read" in result.repo["error"]
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    children = [" ".join(e.get("argv", [])) for e in events if e.get("event") == "child_start"]
    assert not [c for c in children if "upload-pack" in c or "fetch" in c or "remote-" in c], children


def test_depth_one_clone(make_repo: MakeRepo, tmp_path: Path) -> None:
    source = make_repo({"a.py": "x = 1\n"}, name="src")
    commit(source, {"b.rs": "fn main() {}\n"})
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{source}", str(shallow))
    result = scan_repo(tgt(str(shallow)))
    assert result.repo["status"] == "ok" and set(result.files["path"]) == {"a.py", "b.rs"}


# --- 6. SIGKILL after the k-th repository, then resume; and Ctrl-C --------------------------------


@pytest.fixture
def eight_repos(make_repo: MakeRepo) -> Iterator[tuple[FakeGitHub, list[str]]]:
    with FakeGitHub(latency=0.02) as fake:
        names = []
        for i in range(8):
            bare = make_repo({f"m{i}.py": f"x = {i}\n" * (i + 1), "lib.rs": "fn f() {}\n"}, name=f"r{i}", bare=True)
            fake.add_repo(f"org/r{i}", bare)
            names.append(f"org/r{i}")
        yield fake, names


def _scan_args(fake: FakeGitHub, names: list[str], out: Path) -> list[str]:
    args = ["scan", "--out", str(out), "--jobs", "1", "--api-url", fake.api_url]
    for name in names:
        args += ["--repo", name]
    return args


def _finished(out: Path) -> int:
    work = out / WORK
    return sum(1 for p in work.glob("*/*") if p.is_dir() and not p.name.startswith(".")) if work.is_dir() else 0


def _tables(snapshot: Path) -> dict[str, pl.DataFrame]:
    return {name: pl.read_parquet(snapshot / f"{name}.parquet").drop(VOLATILE, strict=False)
            for name in ("repos", "files", "breakdown")}


def test_sigkill_then_resume_equals_an_uninterrupted_run(eight_repos: tuple[FakeGitHub, list[str]],
                                                         tmp_path: Path) -> None:
    fake, names = eight_repos
    reference = census_process(*_scan_args(fake, names, tmp_path / "reference"))
    out, err = reference.communicate(timeout=120)
    assert reference.returncode == 0, err
    expected = _tables(Path(out.strip().splitlines()[-1]))
    rng = random.Random(int(os.environ.get("CENSUS_FAULT_SEED", "7")))
    for attempt in range(2):
        k = rng.randint(1, len(names) - 1)
        target = tmp_path / f"killed-{attempt}"
        proc = census_process(*_scan_args(fake, names, target))
        deadline = time.monotonic() + 120
        while _finished(target) < k and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        done = _finished(target)
        assert done >= k
        fake.log.clear()
        again = census_process(*_scan_args(fake, names, target))
        out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        snapshots = list((target / "snapshots").iterdir())
        assert len(snapshots) == 1  # the killed run left no snapshot, whole or half
        got = _tables(snapshots[0])
        for name, frame in expected.items():
            assert_frame_equal(got[name], frame, check_row_order=False)
        asked = {r.path.split("/")[5] for r in fake.requests(r"^/api/v3/repos/org/")}
        assert len(asked) == len(names) - done  # finished repositories were not requested again
        assert not (target / WORK).exists() or not any((target / WORK).iterdir())


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(eight_repos: tuple[FakeGitHub, list[str]],
                                                     tmp_path: Path) -> None:
    fake, names = eight_repos
    out_dir = tmp_path / "out"
    proc = census_process(*_scan_args(fake, names, out_dir))
    deadline = time.monotonic() + 120
    while _finished(out_dir) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "interrupted after" in err and "--resume" in err and "Traceback" not in err
    assert not (out_dir / "snapshots").exists() or not list((out_dir / "snapshots").iterdir())
    resumed = census_process("scan", "--resume", "--out", str(out_dir), "--api-url", fake.api_url)
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0 and "resuming the scan" in err, err
    assert pl.read_parquet(Path(out.strip().splitlines()[-1]) / "repos.parquet").height == len(names)


# --- 7. ENOSPC mid-write, and two scans at once ---------------------------------------------------


def test_enospc_mid_write_loses_nothing(make_repo: MakeRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = make_repo({"a.py": "x = 1\n"}, name="a"), make_repo({"b.rs": "fn main() {}\n"}, name="b")
    out = tmp_path / "out"
    assert main(["scan", "--repo", str(a), "--out", str(out)]) == 0
    first = Path(capsys.readouterr().out.strip().splitlines()[-1])
    before = {p: p.read_bytes() for p in first.iterdir()}
    calls = {"n": 0}
    original = pl.DataFrame.write_parquet

    def full_disk(self: pl.DataFrame, target: object, *args: object, **kwargs: object) -> None:
        if "snapshots" in str(target):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(28, "No space left on device", str(target))
        original(self, target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full_disk)
    code = main(["scan", "--repo", str(a), "--repo", str(b), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "No space left on device" in err
    assert [p.name for p in (out / "snapshots").iterdir()] == [first.name]
    assert {p: p.read_bytes() for p in first.iterdir()} == before
    leftovers = [p for p in out.rglob("*") if ".tmp" in p.name]
    assert leftovers == []
    assert _finished(out) == 2  # the work is kept: the next run writes the snapshot without rescanning
    monkeypatch.setattr(pl.DataFrame, "write_parquet", original)
    assert main(["scan", "--repo", str(a), "--repo", str(b), "--out", str(out)]) == 0


def test_second_scan_into_the_same_folder_fails_fast_or_waits(make_repo: MakeRepo, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    out = tmp_path / "out"
    with output_lock(out):
        started = time.monotonic()
        assert main(["scan", "--repo", str(repo), "--out", str(out)]) == 2
        assert time.monotonic() - started < 2
        err = capsys.readouterr().err
        assert "another census scan is writing to" in err and "--wait" in err and f"pid {os.getpid()}" in err

    release = threading.Event()

    def hold() -> None:
        with output_lock(out):
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    threading.Timer(0.5, release.set).start()
    assert main(["scan", "--repo", str(repo), "--out", str(out), "--wait"]) == 0
    holder.join()
    assert len(list((out / "snapshots").iterdir())) == 1


# --- bounded resources -----------------------------------------------------------------------------


def _fast_import(repo: Path, paths: Iterator[bytes], content: bytes) -> None:
    """One commit whose every path holds ``content`` (git fast-import: quick for huge trees)."""
    stream = [b"blob\nmark :1\ndata %d\n%s\n" % (len(content), content),
              b"commit refs/heads/main\ncommitter T <t@t> 1700000000 +0000\ndata 1\nx\n"]
    stream += [b"M 100644 :1 " + p + b"\n" for p in paths]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True,
                   env={**os.environ, **GIT_ENV})


def test_deepest_trees_do_not_overflow(tmp_path: Path) -> None:
    repo = tmp_path / "deep"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    deep = b"/".join([b"d"] * 3000) + b"/leaf.py"
    _fast_import(repo, iter([deep, b"top.py"]), b"x = 1\n")
    files = scan_repo(tgt(str(repo))).files
    assert sorted(files["path"].str.len_chars().to_list()) == [6, len(deep)]
    folder = tmp_path / "folder"
    levels = [folder]
    folder.mkdir()
    for _ in range(1200):  # deeper than Python's recursion limit; made and removed without recursion
        levels.append(levels[-1] / "e")
        levels[-1].mkdir()
    (levels[-1] / "leaf.py").write_text("y = 2\n")
    try:
        assert scan_repo(tgt(str(folder))).files.height == 1
    finally:
        (levels[-1] / "leaf.py").unlink()
        for level in reversed(levels):
            level.rmdir()


def _peak_rss_of_scan(repo: Path, out: Path) -> tuple[int, str]:
    code = ("import resource, sys; from crawler.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, "scan", "--repo", str(repo), "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    return int(done.stderr.strip().splitlines()[-1]), done.stdout


@pytest.mark.slow
def test_200000_files_in_bounded_memory(tmp_path: Path) -> None:
    repo = tmp_path / "wide"
    repo.mkdir()
    git(repo, "init", "-q", "--bare", "-b", "main")
    _fast_import(repo, (b"pkg%d/mod%d.py" % (i // 1000, i) for i in range(200_000)), b"x = 1\n")
    peak_kb, stdout = _peak_rss_of_scan(repo, tmp_path / "out")
    files = pl.read_parquet(Path(stdout.strip().splitlines()[-1]) / "files.parquet")
    assert files.height == 200_000 and files["counted"].all()
    assert peak_kb < 1_200_000, f"peak {peak_kb // 1024} MB"


@pytest.mark.slow
def test_two_gib_blob_in_bounded_memory(tmp_path: Path) -> None:
    repo = tmp_path / "blob"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    size = 2 * 1024 ** 3
    writer = subprocess.Popen(["git", "hash-object", "-w", "--stdin"], cwd=repo, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env={**os.environ, **GIT_ENV})
    assert writer.stdin is not None and writer.stdout is not None
    block = b"/* padding */ int x;\n" * 50_000
    written = 0
    while written < size:
        part = block[: size - written]
        writer.stdin.write(part)
        written += len(part)
    writer.stdin.close()
    oid = writer.stdout.read().decode().strip()
    writer.stdout.close()
    writer.wait()
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{oid},huge.c")
    git(repo, "commit", "-q", "-m", "huge")
    peak_kb, stdout = _peak_rss_of_scan(repo, tmp_path / "out")
    files = pl.read_parquet(Path(stdout.strip().splitlines()[-1]) / "files.parquet")
    assert files["bytes"].to_list() == [size] and files["language"].to_list() == ["C"]
    assert peak_kb < 600_000, f"peak {peak_kb // 1024} MB"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000  # this process did not read it either


def test_fresh_discards_saved_work(make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.run import scan

    repo = make_repo({"a.py": "x = 1\n"})
    out = tmp_path / "out"
    targets = [tgt(str(repo))]
    request = {"fixed": "request"}
    monkeypatch.setattr("crawler.run.write_snapshot", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "full")))
    with pytest.raises(OSError):
        scan(targets, out=str(out), options=ScanOptions(jobs=1, reuse=False), request=request)
    assert _finished(out) == 1
    scanned: list[str] = []
    monkeypatch.setattr("crawler.step.scan_repo", lambda t, *a, **k: scanned.append(t.name) or
                        scan_repo(t, ScanOptions(reuse=False)))
    with pytest.raises(OSError):
        scan(targets, out=str(out), options=ScanOptions(jobs=1, reuse=False), request=request)
    assert scanned == []  # resumed: the saved result was used
    with pytest.raises(OSError):
        scan(targets, out=str(out), options=ScanOptions(jobs=1, reuse=False), request=request, resume=False)
    assert scanned == [repo.name]  # fresh: scanned again
