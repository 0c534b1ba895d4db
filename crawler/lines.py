"""Lines of code, comments and blanks, counted by tokei's own engine (pytokei), in a worker process.

pytokei counts files on disk, not bytes in memory, so content goes in batches (1,000 files or
16 MiB) to a worker process, which writes each file into a scratch folder (in RAM, ``/dev/shm``,
where there is one) under a name whose extension makes tokei use the tokei language of the file's
*Linguist* language (``data/tokei.json``: C++ headers detected by Linguist are counted as C++, not
as tokei's "C Header" guess), counts them and removes them: memory and disk stay bounded.

A batch is counted by a *lane* (a thread of ours waiting on the worker) while the thread that
reads and classifies gathers the next: on two cores, writing and counting run beside the scan
rather than after it. One batch is counted while the next is gathered, never more.

Per file, tokei's summarised statistics: embedded languages (code blocks in Markdown, scripts in
HTML) count as code, or as comments in literate languages; doc strings count as code (tokei's
default). Files of a language tokei does not know, and binary files, get ``lines`` and ``blanks``
only (``code`` and ``comments`` stay null: no one knows their comment syntax).

**Hostile content.** tokei 12 looks for embedded languages at every position of a line, and for the
end of an unclosed ``<script>`` over the rest of the file, so its time grows with the square of the
size on some content: 128 KiB of backticks in a Markdown file or a Rust doc comment takes 17-19 s,
128 KiB of ``<script`` in HTML 2 s, and a megabyte 2 to 20 minutes (``docs/lines.md``). The
languages that embed others (``SLOW_LANGUAGES``) are the ones measured so; the others were measured
linear, but nothing guarantees it, so every language goes through the same guard:

- tokei runs in a worker process, never in ours: pytokei holds the GIL and its Rust code cannot be
  interrupted, so in our process it would stop every thread and make Ctrl-C wait for it. We wait on
  a pipe instead (in the lane), and an interrupt ends the scan at once (the worker is then killed).
  A worker is a bare ``python -I -S`` with pytokei (some 13 ms to start), started with a counter's
  first file so that its start overlaps the reading, and kept with its lane for the next counter.
- Each count has a deadline: an *allowance* that grows with its bytes (``Budget``: several times
  tokei's normal time), plus what is left of the batch's *grace* (``Budget.grace``, 2 s). Time past
  the allowance is taken from the grace, so hostile content costs a batch at most the grace beyond
  its normal work. A count past its deadline is killed with its worker.
- A batch is counted as two groups, the files of ``SLOW_LANGUAGES`` and the rest (and a large
  file of a slow language alone). When a group's count fails, its files are counted one by one in a
  fresh worker, smallest first; a file that still fails gets ``lines`` and ``blanks`` only, with a
  note (``LineCounts.note``). Counting one by one costs about 2 ms a file, hence the groups: a
  hostile Markdown file does not make the C files count one by one.
- Each batch also has a total limit (allowances for its bytes twice and for its files one by one,
  plus the grace): a batch of many hostile files stops there, and what is left of it gets
  ``lines`` and ``blanks`` only, with a note.

**Scratch folders.** Every batch folder lies inside one folder per process, ``census-<pid>-<random>``
under the scratch root. A process killed by SIGTERM or SIGKILL cannot remove it; ``sweep_scratch``
removes the folders whose process is gone, never a live one's (it runs on the first batch of a
process, and a run can call it when it starts).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import marshal
import os
import queue
import select
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from crawler.scratch import sweep

# Content above this size is not counted (lines stay null, with a note); it is streamed past.
LINES_LIMIT = 32 * 1024 * 1024
_BATCH_BYTES = 16 * 1024 * 1024
_BATCH_FILES = 1000
_ALONE_BYTES = 1024 * 1024  # a file of a slow language over this size has a tokei count of its own

# tokei languages whose count can take time quadratic in the size (see the module's docstring):
# those that look for other languages embedded in them, and Jupyter (Markdown cells).
SLOW_LANGUAGES = frozenset({"HTML", "Ruby HTML", "Svelte", "Vue", "Markdown", "Rust", "Jupyter Notebooks"})


@dataclass(frozen=True)
class Budget:
    """How long tokei may take. Normal content counts at over 100 MB/s (a 3,400-file repository in
    a tenth of a second), so the allowances leave a wide margin for a loaded machine."""

    grace: float = 2.0  # per batch: what hostile content may cost beyond the allowances
    call: float = 0.1  # per count: tokei's start-up (walker, threads) and our scheduling
    per_file: float = 0.005  # per file, in the batch's total limit: room to count them one by one
    bytes_per_second: float = 8 * 1024 * 1024
    startup: float = 30.0  # the worker's start (not the content's doing: past it is an error)

    def allowance(self, size: int) -> float:
        return self.call + size / self.bytes_per_second


BUDGET = Budget()  # read when a LineCounter is made: tests replace it
OUT_OF_TIME = "tokei's time budget for this batch ran out: code and comments not counted"
_DIED = "tokei's process died: code and comments not counted"


@dataclass(frozen=True)
class LineCounts:
    lines: int
    code: int | None
    comments: int | None
    blanks: int
    note: str | None = None  # why code and comments are null when tokei knows the language


@lru_cache(maxsize=1)
def tokei_map() -> dict[str, dict[str, str]]:
    """Linguist language → {"tokei": name, "ext": extension} (``data/tokei.json``)."""
    text = resources.files("crawler.data").joinpath("tokei.json").read_text(encoding="utf-8")
    mapping: dict[str, dict[str, str]] = json.loads(text)["languages"]
    return mapping


def tokei_language(linguist: str | None) -> str | None:
    entry = tokei_map().get(linguist or "")
    return entry["tokei"] if entry else None


def physical(content: bytes, note: str | None = None) -> LineCounts:
    """Lines and blank lines as tokei counts them (``\\n``-separated; a last line without a newline counts)."""
    if not content:
        return LineCounts(0, None, None, 0, note)
    lines = content.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    blanks = sum(1 for line in lines if not line.strip())
    return LineCounts(len(lines), None, None, blanks, note)


# --- scratch folders ------------------------------------------------------------------------------

def _scratch_root() -> str:
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()


def sweep_scratch(root: str | None = None) -> list[str]:
    """Remove the ``census-<pid>-…`` scratch folders under ``root`` (the scratch root by default)
    whose process is gone; the removed paths. A folder whose pid is alive, or belongs to another
    user (``PermissionError``), is kept, even when the pid was reused: a leftover is cheaper than a
    live scan's files removed under it."""
    return sweep(root or _scratch_root())  # crawler.scratch names and sweeps its folders the same way


_process_lock = threading.Lock()
_process_dirs: dict[int, str] = {}


def _process_dir() -> str:
    """This process's scratch folder, made on first use (a forked child makes its own)."""
    pid = os.getpid()
    with _process_lock:
        folder = _process_dirs.get(pid)
        if folder is None or not os.path.isdir(folder):
            root = _scratch_root()
            if pid not in _process_dirs:  # the first batch of this process: leftovers of killed ones go
                sweep_scratch(root)
                atexit.register(_remove_process_dir, pid)
            folder = tempfile.mkdtemp(prefix=f"census-{pid}-", dir=root)
            _process_dirs[pid] = folder
        return folder


def _remove_process_dir(pid: int) -> None:
    if pid == os.getpid() and pid in _process_dirs:  # a forked child inherits the hook, not the folder
        shutil.rmtree(_process_dirs[pid], ignore_errors=True)


# --- the worker process ---------------------------------------------------------------------------

class _WorkerDied(Exception):
    pass


class _TimedOut(Exception):
    pass


class _Worker:
    """A tokei process (``_WORKER_SOURCE``), asked for one count at a time over pipes."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _WORKER_SOURCE, _pytokei_folder(), str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdin = self._proc.stdin
        self._stdout = self._proc.stdout
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._stdout, selectors.EVENT_READ)
        self._buffer = b""
        self._ready = False
        self._closed = False
        self._owner = os.getpid()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _answer(self, deadline: float) -> Any:
        """The worker's next answer, or _TimedOut past ``deadline``; _WorkerDied when it exits."""
        while len(self._buffer) < 4 or len(self._buffer) < 4 + int.from_bytes(self._buffer[:4], "little"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _TimedOut
            if self._selector.select(remaining):
                chunk = os.read(self._stdout.fileno(), 1 << 20)
                if not chunk:
                    raise _WorkerDied
                self._buffer += chunk
        size = 4 + int.from_bytes(self._buffer[:4], "little")
        frame, self._buffer = self._buffer[4:size], self._buffer[size:]
        return marshal.loads(frame)

    def wait_ready(self, seconds: float) -> float:
        """Wait for the worker's start-up (pytokei imported); the seconds it took."""
        if self._ready:
            return 0.0
        started = time.monotonic()
        try:
            answer = self._answer(started + seconds)
        except (_TimedOut, _WorkerDied) as exc:
            answer = "no answer" if isinstance(exc, _TimedOut) else "exited"
        if answer != "ready":
            raise RuntimeError(f"tokei's worker process did not start within {seconds:.0f} s ({answer}); "
                               "its error, if any, is on stderr")
        self._ready = True
        return time.monotonic() - started

    def count(self, folder: str, files: list[tuple[str, bytes]], deadline: float
              ) -> list[tuple[int, int, int, int, int]] | None:
        """tokei's counts of ``files`` (name, content), which the worker writes into ``folder``, counts
        and removes, as (index, lines, code, comments, blanks); None when tokei failed on them.
        _TimedOut past ``deadline`` (the write of the request included): kill the worker."""
        request = marshal.dumps((folder, files))
        fd = self._stdin.fileno()
        os.set_blocking(fd, False)
        try:
            # The length, then the request: not joined into one more copy of every file's content.
            for view in (memoryview(len(request).to_bytes(4, "little")), memoryview(request)):
                while view:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise _TimedOut
                    if not select.select([], [fd], [], remaining)[1]:
                        continue
                    try:
                        view = view[os.write(fd, view):]
                    except BlockingIOError:
                        continue
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _WorkerDied from exc
        rows: list[tuple[int, int, int, int, int]] | None = self._answer(deadline)
        return rows

    def close(self) -> None:
        """Kill the worker (idle, or in a count that is then lost) and reap it: a kill is immediate,
        where the end of its input would wait for a count under way."""
        if self._closed:
            return
        self._closed = True
        self._proc.kill()
        self._proc.wait()
        self._stdin.close()
        self._selector.close()
        self._stdout.close()

    def kill(self) -> None:
        """Kill the process, from any thread: the thread that uses it sees its end and closes it."""
        if not self._closed:
            self._proc.kill()

    def reap(self, seconds: float) -> None:
        """Wait (up to ``seconds``) for a killed worker to end, so that its CPU time is counted with
        this process's children (``time``, the benchmark) and no process outlives census."""
        if self._owner == os.getpid():
            with contextlib.suppress(subprocess.TimeoutExpired, OSError):
                self._proc.wait(seconds)

    def alive(self) -> bool:
        return not self._closed and self._proc.poll() is None and self._owner == os.getpid()


# The worker's program, run by ``python -I -S -c``: without the site machinery and with nothing
# but pytokei's folder on its path, it starts in some 10 ms of CPU, where importing this module
# would take 40. Requests and answers are marshalled (built in: nothing to import), each after its
# length. A request names files; the answer holds their counts, or None when tokei raised (a Rust
# panic is a BaseException).
_WORKER_SOURCE = r"""
import marshal, os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
try:  # die with the parent's thread, even inside tokei (Linux); elsewhere, the end of stdin ends us
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[2]):  # the parent died before prctl
    sys.exit(0)
answers = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)  # nothing else written to stdout can garble the answers
requests = sys.stdin.buffer
sys.path.append(sys.argv[1])
import pytokei

def answer(value):
    data = marshal.dumps(value)
    answers.write(len(data).to_bytes(4, "little") + data)
    answers.flush()

answer("ready")
while True:
    head = requests.read(4)
    if len(head) < 4:
        break
    folder, files = marshal.loads(requests.read(int.from_bytes(head, "little")))
    paths = [os.path.join(folder, name) for name, _ in files]
    index = {path: i for i, path in enumerate(paths)}
    try:
        for path, (_, content) in zip(paths, files):  # os.open: open()'s file objects cost a third more
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                view = memoryview(content)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        del files
        languages = pytokei.Languages()
        languages.get_statistics(paths, [], pytokei.Config())
        rows = []
        for language in languages.get_languages().values():
            for report in language.reports:
                i = index.get(report.name)
                if i is not None:
                    stats = report.stats.summarise()
                    rows.append((i, stats.lines(), stats.code, stats.comments, stats.blanks))
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        print(f"census: tokei failed: {exc!r}", file=sys.stderr)
        rows = None
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass
    answer(rows)
"""


@lru_cache(maxsize=1)
def _pytokei_folder() -> str:
    """The folder pytokei is installed in (site-packages), for the worker's path."""
    spec = importlib.util.find_spec("pytokei")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pytokei is not installed: lines of code cannot be counted")
    return os.path.dirname(os.path.abspath(next(iter(spec.submodule_search_locations))))


# --- the counter ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _File:
    name: str
    key: Any
    size: int
    content: bytes


class _Batch:
    """One batch's tokei counts still to make (groups of files), the grace left, and its time limit."""

    def __init__(self, budget: Budget, pending: list[tuple[_File, bool]]) -> None:
        plain = [f for f, slow in pending if not slow]
        slow = [f for f, slow in pending if slow and f.size <= _ALONE_BYTES]
        # A large file of a slow language counts alone: if it is the hostile one, it then costs one
        # allowance, not a second one when its group is counted again one by one.
        alone = [[f] for f, slow in pending if slow and f.size > _ALONE_BYTES]
        self.groups = deque(g for g in (plain, slow, *alone) if g)
        self.grace = budget.grace
        self.retried = False
        size = sum(f.size for f, _ in pending)
        # Room for each group's count, then for a second pass over every file, one by one.
        self.end = time.monotonic() + budget.grace + len(self.groups) * budget.call + \
            2 * size / budget.bytes_per_second + len(pending) * budget.per_file


class _Job:
    """One batch handed to a lane: its files, its counts when done, or the error that stopped it."""

    def __init__(self, budget: Budget, pending: list[tuple[_File, bool]], folder: str) -> None:
        self.budget = budget
        self.pending = pending
        self.folder = folder
        self.results: dict[Any, LineCounts] = {}
        self.error: BaseException | None = None
        self.aborted = False
        self.done = threading.Event()


class _Lane:
    """A thread of this process that counts batches with tokei, one at a time, while the thread that
    reads and classifies goes on: on two cores, tokei (and the writing of its files, done by the
    worker) runs beside the rest of the scan instead of after it.

    The lane starts its tokei workers itself: a worker dies with the thread that started it
    (PR_SET_PDEATHSIG follows the thread), and a lane lives until its process ends or the lane is
    retired (an aborted count). Idle lanes are kept for the next LineCounter (``_take_lane``)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.worker: _Worker | None = None
        self.retired = False
        self.pid = os.getpid()
        self._thread = threading.Thread(target=self._loop, name="census-tokei", daemon=True)
        self._thread.start()
        self._jobs.put(None)  # start a worker now: its start overlaps the reading

    def submit(self, job: _Job) -> None:
        self._jobs.put(job)

    def fit(self) -> bool:
        return not self.retired and self.pid == os.getpid() and self._thread.is_alive()

    def retire(self, job: _Job | None) -> None:
        """Stop at once: the job (if any) counts nothing more, the worker is killed (a count under way
        dies with it), and the thread ends. Called from the counter's thread."""
        self.retired = True
        if job is not None:
            job.aborted = True
        worker = self.worker
        if worker is not None:
            worker.kill()
        self._jobs.put(None)  # wakes an idle lane, which then ends

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if self.retired:
                if job is not None:
                    job.done.set()
                break
            if job is None:
                if self.worker is None:
                    self.worker = _Worker()
                continue
            try:
                _count_batch(self, job)
            except BaseException as exc:  # handed to the counter's thread, which raises it
                job.error = exc
                self.drop_worker()
            finally:
                shutil.rmtree(job.folder, ignore_errors=True)
                job.done.set()
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def take_worker(self) -> _Worker:
        """This lane's worker (perhaps still starting), a new one if it has none or it died."""
        if self.worker is not None and self.worker.alive():
            return self.worker
        if self.worker is not None:
            self.worker.close()
        self.worker = _Worker()
        return self.worker

    def drop_worker(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None


_lanes_lock = threading.Lock()
_idle_lanes: list[_Lane] = []


def _take_lane() -> _Lane:
    with _lanes_lock:
        while _idle_lanes:
            lane = _idle_lanes.pop()
            if lane.fit():
                return lane
            lane.retire(None)
    return _Lane()


def _give_back_lane(lane: _Lane) -> None:
    if not lane.fit():
        lane.retire(None)
        return
    with _lanes_lock:
        _idle_lanes.append(lane)


@atexit.register
def _close_idle() -> None:
    with _lanes_lock:
        lanes = list(_idle_lanes)
        _idle_lanes.clear()
    workers = [lane.worker for lane in lanes if lane.worker is not None]
    for worker in workers:
        worker.kill()
    for worker in workers:  # killed all at once, then waited for: their ends overlap
        worker.reap(1.0)


# A forked child shares its parent's workers' pipes (and has none of its lanes' threads): they are
# the parent's to use and to end, so the child keeps them aside, untouched.
_inherited: list[_Lane] = []


def _after_fork_in_child() -> None:
    _inherited.extend(_idle_lanes)
    _idle_lanes.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _count_batch(lane: _Lane, job: _Job) -> None:
    """Count one batch, in the lane's thread: each group in one tokei pass; a group that fails, one
    by one; past the batch's time limit, lines and blanks only."""
    batch = _Batch(job.budget, job.pending)
    while batch.groups and not job.aborted:
        group = batch.groups.popleft()
        if time.monotonic() >= batch.end:
            for file in group:
                job.results[file.key] = physical(file.content, OUT_OF_TIME)
            continue
        failure = _count(lane, job, group, batch)
        if failure is None or job.aborted:
            continue
        if failure == _DIED and not batch.retried:  # killed from outside (OOM?): once is no proof
            batch.retried = True
            batch.groups.appendleft(group)
        elif len(group) == 1:
            job.results[group[0].key] = physical(group[0].content, failure)
        else:  # find the culprits: one by one, smallest first (a time limit hits the large ones)
            batch.groups.extendleft([f] for f in sorted(group, key=lambda f: f.size, reverse=True))


def _count(lane: _Lane, job: _Job, group: list[_File], batch: _Batch) -> str | None:
    """Count ``group`` in one tokei pass; None when done, else why not (a note for one file)."""
    worker = lane.take_worker()
    batch.end += worker.wait_ready(job.budget.startup)  # a start-up is not the content's time
    allowance = job.budget.allowance(sum(f.size for f in group))
    started = time.monotonic()
    rows: list[tuple[int, int, int, int, int]] | None = None
    try:
        rows = worker.count(job.folder, [(f.name, f.content) for f in group],
                            min(started + allowance + batch.grace, batch.end))
        failure = "tokei failed: code and comments not counted"
    except (_TimedOut, _WorkerDied) as exc:
        lane.drop_worker()
        failure = _DIED if isinstance(exc, _WorkerDied) else \
            f"tokei ran past its time budget ({time.monotonic() - started:.1f} s): code and comments not counted"
    elapsed = time.monotonic() - started
    batch.grace = max(0.0, batch.grace - max(0.0, elapsed - allowance))
    if rows is None:
        return failure
    counted = set()
    for i, lines, code, comments, blanks in rows:
        job.results[group[i].key] = LineCounts(lines, code, comments, blanks)
        counted.add(i)
    for i, file in enumerate(group):  # tokei skipped it (it should not): count what we can
        if i not in counted:
            job.results[file.key] = physical(file.content)
    return None


class LineCounter:
    """Collects files (by key) and counts them with tokei in batches, each batch counted in a lane
    (another thread, and tokei's own process) while the next is gathered. Use as a context manager:
    leaving it by an exception (Ctrl-C) counts nothing more and kills the worker."""

    def __init__(self, budget: Budget | None = None) -> None:
        self._budget = budget or BUDGET
        self._pending: list[tuple[_File, bool]] = []  # (file, of a SLOW_LANGUAGES language)
        self._bytes = 0
        self._lane: _Lane | None = None
        self._job: _Job | None = None  # the batch being counted
        self.results: dict[Any, LineCounts] = {}

    def __enter__(self) -> LineCounter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()

    def add(self, key: Any, content: bytes, language: str | None, *, binary: bool = False) -> None:
        entry = None if binary else tokei_map().get(language or "")
        if entry is None:
            self.results[key] = physical(content)
            return
        if not content:
            self.results[key] = LineCounts(0, 0, 0, 0)
            return
        if self._lane is None:  # taken now, its worker is ready by the time the batch is
            self._lane = _take_lane()
        name = f"f{len(self._pending)}{entry['ext']}"
        self._pending.append((_File(name, key, len(content), content), entry["tokei"] in SLOW_LANGUAGES))
        self._bytes += len(content)
        if self._bytes >= _BATCH_BYTES or len(self._pending) >= _BATCH_FILES:
            self._send()

    def _send(self) -> None:
        """Hand the pending files to the lane, once the batch before them is counted: one batch is
        counted while the next is gathered, never more (memory stays bounded)."""
        self._collect()
        assert self._lane is not None
        job = _Job(self._budget, self._pending, tempfile.mkdtemp(prefix="lines-", dir=_process_dir()))
        self._pending = []
        self._bytes = 0
        self._job = job
        self._lane.submit(job)

    def _collect(self) -> None:
        job = self._job
        if job is None:
            return
        job.done.wait()
        self._job = None
        if job.error is not None:
            raise job.error
        self.results.update(job.results)

    def flush(self) -> None:
        """Count every file added so far, and wait for the counts."""
        try:
            if self._pending:
                self._send()
            self._collect()
        except BaseException:
            self._abort()
            raise

    @property
    def worker(self) -> _Worker | None:
        """The tokei process counting for this counter, if one was started (for tests)."""
        return self._lane.worker if self._lane is not None else None

    @property
    def folder(self) -> str | None:
        """The scratch folder of the batch being counted, if any (for tests)."""
        return self._job.folder if self._job is not None else None

    def _abort(self) -> None:
        """Stop at once: the lane is retired (its worker killed, a count under way dies with it), the
        batches dropped."""
        if self._lane is not None:
            self._lane.retire(self._job)
            self._lane = None
        if self._job is not None:
            shutil.rmtree(self._job.folder, ignore_errors=True)
            self._job = None
        self._pending = []
        self._bytes = 0

    def close(self) -> None:
        self.flush()  # which, if it raises, has retired the lane
        if self._lane is not None:
            _give_back_lane(self._lane)
            self._lane = None
