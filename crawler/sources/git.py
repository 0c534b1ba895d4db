"""A git repository read straight from its object store at one commit, as Linguist reads it.

Uses the ``git`` command: ``ls-tree -r -l -z`` lists every path with its mode, blob id and
size without reading content; ``cat-file --batch`` streams blob content. Blobs larger than
``STREAM_LIMIT`` are read by a separate ``cat-file blob`` that is stopped once the prefix we
need has arrived, so neither memory nor time grows with a huge blob. Missing objects (partial or
damaged clones) are recorded on their file; lazy fetching from a promisor remote is disabled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, overload

from crawler.errors import SourceError
from crawler.redact import scrub
from crawler.scratch import make_dir
from crawler.sources.interface import Content, Entry, Source

__all__ = ["GitSource", "RemoteGitSource", "commit_at", "git_env", "run_git", "scrub", "with_config"]

# Blobs above this size are read through their own process, stopped after the prefix.
STREAM_LIMIT = 8 * 1024 * 1024
_CHUNK = 1024 * 1024  # also the read buffer of ``cat-file --batch``'s answers: a small blob (most are)
                      # is then sliced out of memory, not read by a system call of its own (2-4% less CPU)
# The user's git variables that say how to reach a remote (kept); every other GIT_* variable
# (GIT_DIR, GIT_CONFIG_PARAMETERS, GIT_INDEX_FILE …) would change what a scan reads.
_GIT_ENV_KEPT = frozenset({"GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH",
                           "GIT_SSL_NO_VERIFY", "GIT_PROXY_COMMAND", "GIT_EXEC_PATH", "GIT_TRACE", "GIT_TRACE2",
                           "GIT_TRACE2_EVENT", "GIT_TRACE2_PERF"})


def with_config(env: dict[str, str], pairs: dict[str, str]) -> dict[str, str]:
    """``env`` with git configuration added through ``GIT_CONFIG_*`` (never a command line, never a file)."""
    out = dict(env)
    count = int(out.get("GIT_CONFIG_COUNT") or 0)
    for key, value in pairs.items():
        out[f"GIT_CONFIG_KEY_{count}"], out[f"GIT_CONFIG_VALUE_{count}"] = key, value
        count += 1
    out["GIT_CONFIG_COUNT"] = str(count)
    return out


def git_env(*, network: bool = False) -> dict[str, str]:
    """The environment for every git command census runs: never prompt; no system or global git
    configuration (the user's aliases, hooks, ``url.insteadOf`` or ``safe.directory`` must not
    change what a scan reads, on any machine); and, unless ``network``, never reach a remote: a
    partial clone's missing objects stay missing instead of being fetched lazily
    (``GIT_NO_LAZY_FETCH`` on git 2.44 and later; ``protocol.allow=never`` on every git)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _GIT_ENV_KEPT}
    env.update({
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
    })
    if not network:
        env["GIT_NO_LAZY_FETCH"] = "1"
        env = with_config(env, {"protocol.allow": "never"})
    return env


def run_git(args: list[str], *, cwd: str | Path | None = None, check: bool = True,
            input: bytes | None = None, network: bool = False) -> subprocess.CompletedProcess[bytes]:
    """Run one git command; failures become ``SourceError`` with git's own last line."""
    try:
        # Its own process group: a Ctrl-C meant for census does not kill git under a scan (which
        # would look like a damaged repository); census decides what an interrupt stops.
        result = subprocess.run(["git", *args], cwd=cwd, env=git_env(network=network), capture_output=True,
                                input=input, check=False, process_group=0)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed (census needs the git command)") from exc
    if check and result.returncode != 0:
        raise SourceError(scrub(_last_line(result.stderr) or f"git {args[0]} failed"))
    return result


def commit_at(git_dir: str | Path, tip: str, when: datetime) -> str | None:
    """The last first-parent commit from ``tip`` whose committer date is at or before ``when``.
    The date goes to git as an explicit UTC timestamp: git's date parser reads a short number
    (``--before=86399``, or even ``@86399``) as something else, which made 1970–1973 today."""
    moment = when.astimezone(UTC)
    if moment.timestamp() < 0:
        return None  # git keeps no commit before 1970
    out = run_git(["rev-list", "-1", "--first-parent", f"--before={moment:%Y-%m-%d %H:%M:%S} +0000", tip, "--"],
                  cwd=git_dir, check=False)
    commit = out.stdout.decode().strip()
    return commit or None


def _last_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.startswith(("fatal:", "error:")):
            return line.split(":", 1)[1].strip()
    return lines[-1] if lines else ""


class GitSource(Source):
    """A commit of a local git repository (bare or with a work tree)."""

    kind = "git"

    def __init__(self, path: str | Path, ref: str | None = None, *, trusted_commit: str | None = None) -> None:
        self.path = Path(path)
        if trusted_commit is not None:  # a repository census made itself, at a commit it just fetched
            self.git_dir, self.ref, self.commit = str(self.path), ref or trusted_commit, trusted_commit
            return
        if not self.path.exists():
            raise SourceError(f"no such path: {self.path}")
        probe = run_git(["rev-parse", "--absolute-git-dir"], cwd=self.path, check=False)
        if probe.returncode != 0:
            raise SourceError(f"not a git repository: {self.path}")
        self.git_dir = probe.stdout.decode("utf-8", "surrogateescape").strip()
        self.ref = ref or "HEAD"
        resolved = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{self.ref}^{{commit}}"],
                           cwd=self.git_dir, check=False)
        if resolved.returncode != 0:
            if ref is None and not self._has_any_ref():
                self.commit = None  # an empty repository: nothing committed yet
                return
            raise SourceError(f"unknown ref {self.ref!r} in {self.path}")
        self.commit = resolved.stdout.decode().strip()

    def _has_any_ref(self) -> bool:
        out = run_git(["for-each-ref", "--count=1", "--format=%(refname)"], cwd=self.git_dir, check=False)
        return bool(out.stdout.strip())

    @property
    def empty(self) -> bool:
        return self.commit is None

    def entries(self) -> Iterator[Entry]:
        if self.commit is None:
            return
        missing = self._missing_in_partial_clone()
        if missing is None:  # a complete repository (or a damaged one: ls-tree says BAD, or fails)
            result = run_git(["ls-tree", "-r", "-l", "-z", "--full-tree", self.commit], cwd=self.git_dir,
                             check=False)
            if result.returncode == 0:
                yield from _parse_ls_tree(result.stdout, b"")
                return
            missing = set()
        else:  # a partial clone: list without sizes (-l would fetch), then size what is present
            result = run_git(["ls-tree", "-r", "-z", "--full-tree", f"{self.commit}"], cwd=self.git_dir,
                             check=False)
            if result.returncode == 0:
                yield from self._sized(list(_parse_ls_tree(result.stdout, b"")), missing)
                return
        yield from self._walk(missing)

    def _missing_in_partial_clone(self) -> set[str] | None:
        """In a partial clone, the objects its filter left out (listed without fetching any):
        git would otherwise try to fetch each one from the promisor remote. None elsewhere."""
        promisor = run_git(["config", "--get-regexp", r"^(extensions\.partialclone|remote\..*\.promisor)$"],
                           cwd=self.git_dir, check=False)
        if promisor.returncode != 0 or not promisor.stdout.strip():
            return None
        listed = run_git(["rev-list", "--objects", "--no-walk", "--missing=print", f"{self.commit}"], cwd=self.git_dir,
                         check=False)
        return {line[1:].decode() for line in listed.stdout.splitlines() if line.startswith(b"?")}

    def _walk(self, missing: set[str]) -> Iterator[Entry]:
        """Tree by tree, never asking git for an object known to be missing, recording what cannot
        be read rather than losing the whole repository. A stack, not recursion: the deepest tree
        git allows must not overflow Python's."""
        stack: list[tuple[str, bytes]] = [(f"{self.commit}^{{tree}}", b"")]
        while stack:
            tree, prefix = stack.pop()
            result = None if tree in missing else run_git(["ls-tree", "-z", tree], cwd=self.git_dir, check=False)
            if result is None or result.returncode != 0:
                yield Entry(prefix.rstrip(b"/") or b".", "file", None, note=f"missing tree object {tree}")
                continue
            subtrees, blobs = [], []
            for entry in _parse_ls_tree(result.stdout, prefix, keep_trees=True):
                if isinstance(entry, _Subtree):
                    subtrees.append((entry.oid, entry.raw_path + b"/"))
                else:
                    blobs.append(entry)
            yield from self._sized(blobs, missing)
            stack.extend(reversed(subtrees))

    def _sized(self, entries: list[Entry], missing: set[str]) -> Iterator[Entry]:
        """``entries`` (listed without sizes) with the sizes of the blobs that are present."""
        wanted = [e.oid for e in entries if e.kind == "file" and e.oid and e.oid not in missing]
        sizes: dict[str, int] = {}
        if wanted:
            checked = run_git(["cat-file", "--batch-check=%(objectname) %(objectsize)"], cwd=self.git_dir,
                              check=False, input="\n".join(wanted).encode() + b"\n")
            for line in checked.stdout.decode().splitlines():
                oid, _, size = line.partition(" ")
                if size.isdigit():
                    sizes[oid] = int(size)
        for entry in entries:
            if entry.kind != "file" or entry.oid is None:
                yield entry
            elif entry.oid in sizes:
                yield Entry(entry.raw_path, "file", sizes[entry.oid], entry.oid, entry.executable)
            else:
                yield Entry(entry.raw_path, "file", None, entry.oid, entry.executable, note="missing object")

    def read(self, entries: Iterable[Entry], limit: int) -> Iterator[Content]:
        small: list[Entry] = []
        for entry in entries:
            if entry.kind != "file":
                continue
            if entry.oid is None or entry.size is None:
                yield Content(entry, None, entry.note or "missing object")
                continue
            if entry.size > STREAM_LIMIT:
                yield from self._flush(small, limit)
                small = []
                yield self._read_large(entry, limit)
            else:
                small.append(entry)
                if len(small) >= 4096:
                    yield from self._flush(small, limit)
                    small = []
        yield from self._flush(small, limit)

    def _flush(self, batch: list[Entry], limit: int) -> Iterator[Content]:
        if not batch:
            return
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.git_dir, env=git_env(),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                process_group=0, bufsize=_CHUNK)
        assert proc.stdin is not None and proc.stdout is not None
        _widen_pipe(proc.stdout)
        writer = threading.Thread(target=_feed, args=(proc.stdin, [e.oid or "" for e in batch]), daemon=True)
        writer.start()
        try:
            for entry in batch:
                yield _read_one(proc.stdout, entry, limit)
        finally:
            proc.stdout.close()
            proc.kill() if proc.poll() is None else None
            proc.wait()
            writer.join()

    def _read_large(self, entry: Entry, limit: int) -> Content:
        proc = subprocess.Popen(["git", "cat-file", "blob", entry.oid or ""], cwd=self.git_dir,
                                env=git_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, process_group=0)
        assert proc.stdout is not None
        try:
            prefix = _read_exactly(proc.stdout, min(limit, entry.size or 0))
        finally:
            proc.stdout.close()
            proc.kill()
            proc.wait()
        if len(prefix) < min(limit, entry.size or 0):
            return Content(entry, None, "missing object")
        return Content(entry, prefix)


def _widen_pipe(stream: IO[bytes]) -> None:
    """Let git run ahead of us by a megabyte, not 64 KiB (Linux; elsewhere the pipe stays as it is):
    git inflates the next blobs while census classifies the last ones."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _feed(stdin: IO[bytes], oids: list[str]) -> None:
    try:
        for oid in oids:
            stdin.write(oid.encode() + b"\n")
        stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the reader stopped early; nothing left to say


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    chunks: list[bytes] = []
    remaining = n
    while remaining > 0:
        chunk = stream.read(min(remaining, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_one(stdout: IO[bytes], entry: Entry, limit: int) -> Content:
    header = stdout.readline()
    parts = header.split()
    if len(parts) == 2 and parts[1] == b"missing":
        return Content(entry, None, "missing object")
    if len(parts) != 3:
        raise SourceError(f"unexpected answer from git cat-file: {header[:80]!r}")
    size = int(parts[2])
    keep = min(size, limit)
    prefix = _read_exactly(stdout, keep)
    rest = size - keep
    while rest > 0:  # stream away what we do not keep
        chunk = stdout.read(min(rest, _CHUNK))
        if not chunk:
            break
        rest -= len(chunk)
    stdout.read(1)  # the newline after the content
    return Content(entry, prefix)


@dataclass(frozen=True)
class _Subtree:
    raw_path: bytes
    oid: str


@overload
def _parse_ls_tree(out: bytes, prefix: bytes) -> Iterator[Entry]: ...
@overload
def _parse_ls_tree(out: bytes, prefix: bytes, *, keep_trees: bool) -> Iterator[Entry | _Subtree]: ...
def _parse_ls_tree(out: bytes, prefix: bytes, *, keep_trees: bool = False) -> Iterator[Entry | _Subtree]:
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split()
        mode, kind, oid = fields[0], fields[1], fields[2].decode()
        size_text = fields[3] if len(fields) > 3 else b"-"
        path = prefix + raw_path
        if kind == b"commit":
            yield Entry(path, "submodule", None, oid)
        elif kind == b"tree":
            if keep_trees:
                yield _Subtree(path, oid)
        elif mode == b"120000":
            yield Entry(path, "symlink", None, oid)
        elif size_text in (b"BAD", b"-"):
            yield Entry(path, "file", None, oid, executable=mode == b"100755", note="missing object")
        else:
            yield Entry(path, "file", int(size_text), oid, executable=mode == b"100755")


class RemoteGitSource(GitSource):
    """A git remote (``git+https://``, ``git+ssh://``…), fetched shallowly into a temporary repository."""

    kind = "git"

    def __init__(self, url: str, ref: str | None = None) -> None:
        self._tmp = make_dir("remote-")
        try:
            run_git(["init", "--quiet", "--bare", self._tmp])
            run_git(["fetch", "--quiet", "--depth=1", "--no-tags", "--", url, ref or "HEAD"], cwd=self._tmp,
                    network=True)
            # Keep the ref name for the record but scan what was fetched.
            super().__init__(self._tmp, "FETCH_HEAD")
            self.ref = ref or "HEAD"
        except SourceError as exc:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise SourceError(f"cannot fetch {scrub(url)}: {exc}") from exc

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
