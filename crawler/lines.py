"""Lines of code, comments and blanks, counted by tokei's own engine (pytokei), in a worker process.

pytokei counts files on disk, not bytes in memory, so content is written in batches into a
scratch folder (in RAM, ``/dev/shm``, where there is one), each file under a name whose extension
makes tokei use the tokei language of the file's *Linguist* language (``data/tokei.json``: C++
headers detected by Linguist are counted as C++, not as tokei's "C Header" guess). A batch is
counted and removed: memory and disk stay bounded.

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
  a pipe instead, which an interrupt ends at once (the worker is then killed). A worker is a bare
  ``python -I -S`` with pytokei (some 13 ms to start), started with a counter's first file so that
  its start overlaps the reading, and kept for the same thread's next counter.
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
import importlib.util
import json
import marshal
import os
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
_BATCH_BYTES = 64 * 1024 * 1024
_BATCH_FILES = 4000
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

    def count(self, folder: str, names: list[str], deadline: float) -> list[tuple[int, int, int, int, int]] | None:
        """tokei's counts of ``folder/names`` as (index, lines, code, comments, blanks), or None when
        tokei failed on them. _TimedOut past ``deadline``: the count goes on, kill the worker."""
        request = marshal.dumps((folder, names))
        try:
            view = memoryview(len(request).to_bytes(4, "little") + request)
            while view:
                view = view[self._stdin.write(view) or 0:]
        except BrokenPipeError as exc:
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

    def idle(self) -> bool:
        """Started, between counts, alive: fit for another LineCounter."""
        return self._ready and not self._closed and self._proc.poll() is None and self._owner == os.getpid()


# Idle workers, one per thread that started it, for the thread's next LineCounter: a start costs
# some 13 ms, as much as counting a repository of a few hundred files. Keyed by thread because a
# worker dies with the thread that started it (PR_SET_PDEATHSIG follows the thread, not the process).
_idle_lock = threading.Lock()
_idle: dict[threading.Thread, _Worker] = {}


def _take_worker() -> _Worker:
    me = threading.current_thread()
    with _idle_lock:
        worker = _idle.pop(me, None)
        gone = [_idle.pop(thread) for thread in list(_idle) if not thread.is_alive()]
    for old in gone:
        old.close()
    if worker is not None and worker.idle():
        return worker
    if worker is not None:
        worker.close()
    return _Worker()


def _give_back(worker: _Worker) -> None:
    if not worker.idle():
        worker.close()
        return
    with _idle_lock:
        old = _idle.pop(threading.current_thread(), None)
        _idle[threading.current_thread()] = worker
    if old is not None:
        old.close()


@atexit.register
def _close_idle() -> None:
    with _idle_lock:
        workers = list(_idle.values())
        _idle.clear()
    for worker in workers:
        worker.close()


# A forked child shares its parent's workers' pipes: they are the parent's to use and to end, so the
# child keeps them aside, untouched (collected, they would be killed or warned about).
_inherited: list[_Worker] = []


def _after_fork_in_child() -> None:
    _inherited.extend(_idle.values())
    _idle.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


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
    folder, names = marshal.loads(requests.read(int.from_bytes(head, "little")))
    paths = [os.path.join(folder, name) for name in names]
    index = {path: i for i, path in enumerate(paths)}
    try:
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


class LineCounter:
    """Collects files (by key) and counts them with tokei in batches. Use as a context manager:
    leaving it by an exception (Ctrl-C) counts nothing more and kills the worker."""

    def __init__(self, budget: Budget | None = None) -> None:
        self._budget = budget or BUDGET
        self._dir: str | None = None
        self._pending: list[tuple[_File, bool]] = []  # (file, of a SLOW_LANGUAGES language)
        self._bytes = 0
        self._worker: _Worker | None = None
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
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="lines-", dir=_process_dir())
        if self._worker is None:  # started now, a new one is ready by the time the batch is
            self._worker = _take_worker()
        name = f"f{len(self._pending)}{entry['ext']}"
        with open(os.path.join(self._dir, name), "wb") as fh:
            fh.write(content)
        self._pending.append((_File(name, key, len(content)), entry["tokei"] in SLOW_LANGUAGES))
        self._bytes += len(content)
        if self._bytes >= _BATCH_BYTES or len(self._pending) >= _BATCH_FILES:
            self.flush()

    def flush(self) -> None:
        if not self._pending or self._dir is None:
            return
        try:
            batch = _Batch(self._budget, self._pending)
            while batch.groups:
                group = batch.groups.popleft()
                if time.monotonic() >= batch.end:
                    for file in group:
                        self.results[file.key] = self._physical(file, OUT_OF_TIME)
                    continue
                failure = self._count(group, batch)
                if failure is None:
                    continue
                if failure == _DIED and not batch.retried:  # killed from outside (OOM?): once is no proof
                    batch.retried = True
                    batch.groups.appendleft(group)
                elif len(group) == 1:
                    self.results[group[0].key] = self._physical(group[0], failure)
                else:  # find the culprits: one by one, smallest first (a time limit hits the large ones)
                    batch.groups.extendleft([f] for f in sorted(group, key=lambda f: f.size, reverse=True))
        except BaseException:
            self._abort()
            raise
        self._pending.clear()
        self._bytes = 0
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def _count(self, group: list[_File], batch: _Batch) -> str | None:
        """Count ``group`` in one tokei pass; None when done, else why not (a note for one file)."""
        assert self._dir is not None
        if self._worker is None:
            self._worker = _take_worker()
        batch.end += self._worker.wait_ready(self._budget.startup)  # a start-up is not the content's time
        allowance = self._budget.allowance(sum(f.size for f in group))
        started = time.monotonic()
        rows: list[tuple[int, int, int, int, int]] | None = None
        try:
            rows = self._worker.count(self._dir, [f.name for f in group],
                                      min(started + allowance + batch.grace, batch.end))
            failure = "tokei failed: code and comments not counted"
        except (_TimedOut, _WorkerDied) as exc:
            self._worker.close()
            self._worker = None
            failure = _DIED if isinstance(exc, _WorkerDied) else \
                f"tokei ran past its time budget ({time.monotonic() - started:.1f} s): code and comments not counted"
        elapsed = time.monotonic() - started
        batch.grace = max(0.0, batch.grace - max(0.0, elapsed - allowance))
        if rows is None:
            return failure
        counted = set()
        for i, lines, code, comments, blanks in rows:
            self.results[group[i].key] = LineCounts(lines, code, comments, blanks)
            counted.add(i)
        for i, file in enumerate(group):  # tokei skipped it (it should not): count what we can
            if i not in counted:
                self.results[file.key] = self._physical(file)
        return None

    def _physical(self, file: _File, note: str | None = None) -> LineCounts:
        assert self._dir is not None
        with open(os.path.join(self._dir, file.name), "rb") as fh:
            return physical(fh.read(), note)

    def _abort(self) -> None:
        """Stop at once: kill the worker (a count under way dies with it), drop the batch."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        self._pending.clear()
        self._bytes = 0
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def close(self) -> None:
        self.flush()  # which, if it raises, has killed the worker and removed the batch
        if self._worker is not None:
            _give_back(self._worker)
            self._worker = None

