"""Nothing lost: each finished repository is saved as it finishes, and a scan started again
continues where the last one stopped.

``OUT/.census-work/<key>/`` holds one folder per finished repository (its ``repos`` row and
``files`` rows as Parquet), each written aside and renamed into place, so a kill at any moment
leaves only whole results. ``key`` is a digest of what was asked (repositories, settings,
options): the same command finds its own work; another command starts afresh. When the snapshot
is written the work folder is removed.

``OUT/.census.lock`` (``flock``) keeps two scans from writing into one output folder at once; the
kernel releases it when a process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from crawler.errors import InputError
from crawler.snapshot import FILES_SCHEMA, REPOS_SCHEMA, conform

WORK = ".census-work"
LOCK = ".census.lock"


def target_key(project: str, spec_text: str, name: str) -> str:
    return hashlib.sha256(f"{project}\0{spec_text}\0{name}".encode()).hexdigest()[:24]


@dataclass
class Checkpoint:
    """The finished repositories of one scan (identified by ``key``) under ``out``."""

    root: Path
    key: str

    @classmethod
    def open(cls, out: str | Path, request: Mapping[str, Any], *, fresh: bool = False) -> Checkpoint:
        """The checkpoint of the scan described by ``request`` (JSON-able), created if new;
        ``fresh`` drops what an earlier run of the same request saved."""
        text = json.dumps(request, sort_keys=True, default=str)
        key = hashlib.sha256(text.encode()).hexdigest()[:20]
        root = Path(out) / WORK / key
        if fresh:
            shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        about = root / "request.json"
        if not about.exists():
            tmp = root / ".request.json.tmp"
            tmp.write_text(json.dumps({"request": request, "started_at": datetime.now(UTC).isoformat()},
                                      sort_keys=True, default=str, indent=1))
            tmp.replace(about)
        for leftover in root.glob(".tmp-*"):  # a result being written when the last run was killed
            shutil.rmtree(leftover, ignore_errors=True)
        return cls(root, key)

    def done(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def load(self, key: str) -> tuple[dict[str, Any], pl.DataFrame] | None:
        folder = self.root / key
        if not (folder / "repos.parquet").exists():
            return None
        try:
            repo = conform(pl.read_parquet(folder / "repos.parquet"), REPOS_SCHEMA).to_dicts()[0]
            files = conform(pl.read_parquet(folder / "files.parquet"), FILES_SCHEMA)
        except Exception:  # a damaged result is scanned again rather than trusted
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return repo, files

    def save(self, key: str, repo: Mapping[str, Any], files: pl.DataFrame) -> None:
        tmp = self.root / f".tmp-{key}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            conform(pl.DataFrame([dict(repo)], schema=REPOS_SCHEMA), REPOS_SCHEMA).write_parquet(tmp / "repos.parquet")
            conform(files, FILES_SCHEMA).write_parquet(tmp / "files.parquet")
            tmp.rename(self.root / key)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.root.parent.rmdir()  # only when no other interrupted scan waits there


def interrupted(out: str | Path) -> list[dict[str, Any]]:
    """The scans under ``out`` that stopped before writing their snapshot, newest first."""
    work = Path(out) / WORK
    found = []
    for about in work.glob("*/request.json") if work.is_dir() else []:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(about.read_text())
            data["key"] = about.parent.name
            data["finished"] = sum(1 for p in about.parent.iterdir() if p.is_dir() and not p.name.startswith("."))
            found.append(data)
    return sorted(found, key=lambda d: str(d.get("started_at")), reverse=True)


@contextlib.contextmanager
def output_lock(out: str | Path, *, wait: bool = False, poll: float = 0.2) -> Iterator[None]:
    """Hold ``OUT/.census.lock`` for the duration: fail fast (or wait) if another scan holds it."""
    Path(out).mkdir(parents=True, exist_ok=True)
    path = Path(out) / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                if not wait:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
                    raise InputError(f"another census scan is writing to {out} ({holder}); wait for it to "
                                     "finish, or run with --wait") from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock
