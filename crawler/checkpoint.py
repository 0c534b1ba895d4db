"""Nothing lost: each finished repository is saved as it finishes, and a scan started again
continues where the last one stopped.

``OUT/.census-work/<key>/`` holds one folder per finished repository (its ``repos`` row and
``files`` rows as Parquet), each written aside and renamed into place, so a kill at any moment
leaves only whole results. ``key`` is a digest of what was asked (repositories, settings,
options): the same command finds its own work; another command starts afresh. The planner's
expansion of owners and searches is saved too (``plan.json``), so a resume needs no listing.
When the snapshot is written, the work folder is renamed away, then removed; a snapshot whose
manifest names this work (key and start time) marks it finished even if the removal was killed.

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

from crawler.atomic import alive, write_dir, write_file
from crawler.errors import InputError
from crawler.schema import FILES_SCHEMA, REPOS_SCHEMA, conform

WORK = ".census-work"
LOCK = ".census.lock"


def target_key(project: str, spec_text: str, name: str) -> str:
    return hashlib.sha256(f"{project}\0{spec_text}\0{name}".encode()).hexdigest()[:24]


def _sweep(work: Path) -> None:
    """Remove work folders renamed away for removal whose remover is gone."""
    for trash in work.glob(".trash-*") if work.is_dir() else []:
        pid_text = trash.name.rsplit("-", 1)[-1]
        if not (pid_text.isdigit() and alive(int(pid_text))):
            shutil.rmtree(trash, ignore_errors=True)


@dataclass
class Checkpoint:
    """The finished repositories of one scan (identified by ``key``) under ``out``."""

    root: Path
    key: str
    started_at: str

    @classmethod
    def open(cls, out: str | Path, request: Mapping[str, Any], *, fresh: bool = False) -> Checkpoint:
        """The checkpoint of the scan described by ``request`` (JSON-able), created if new;
        ``fresh`` drops what an earlier run of the same request saved."""
        text = json.dumps(request, sort_keys=True, default=str)
        key = hashlib.sha256(text.encode()).hexdigest()[:20]
        work = Path(out) / WORK
        _sweep(work)
        root = work / key
        if fresh:
            cls(root, key, "").discard()
        root.mkdir(parents=True, exist_ok=True)
        about = root / "request.json"
        started_at = None
        with contextlib.suppress(OSError, ValueError, AttributeError):
            started_at = json.loads(about.read_text())["started_at"]
        if not isinstance(started_at, str):
            started_at = datetime.now(UTC).isoformat()
            write_file(about, json.dumps({"request": request, "started_at": started_at}, sort_keys=True,
                                         default=str, indent=1))
        for leftover in root.glob(".tmp-*"):  # a result being written when the last run was killed
            shutil.rmtree(leftover, ignore_errors=True)
        return cls(root, key, started_at)

    @property
    def identity(self) -> dict[str, str]:
        """What a snapshot records of the work it was made from (see ``finished_by``)."""
        return {"key": self.key, "started_at": self.started_at}

    def done(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def has(self, key: str) -> bool:
        return (self.root / key / "repos.parquet").exists()

    def files_path(self, key: str) -> Path:
        return self.root / key / "files.parquet"

    def load(self, key: str, *, files: bool = True) -> tuple[dict[str, Any], pl.DataFrame] | None:
        """A saved result (with an empty files frame when ``files`` is false: they stay on disk)."""
        folder = self.root / key
        if not (folder / "repos.parquet").exists():
            return None
        try:
            repo = conform(pl.read_parquet(folder / "repos.parquet"), REPOS_SCHEMA).to_dicts()[0]
            if files:
                frame = conform(pl.read_parquet(folder / "files.parquet"), FILES_SCHEMA)
            else:
                pl.read_parquet_schema(folder / "files.parquet")  # whole and readable, not read
                frame = pl.DataFrame(schema=FILES_SCHEMA)
        except Exception:  # a damaged result is scanned again rather than trusted
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return repo, frame

    def save(self, key: str, repo: Mapping[str, Any], files: pl.DataFrame) -> None:
        def fill(folder: Path) -> None:
            conform(pl.DataFrame([dict(repo)], schema=REPOS_SCHEMA), REPOS_SCHEMA).write_parquet(
                folder / "repos.parquet")
            conform(files, FILES_SCHEMA).write_parquet(folder / "files.parquet")

        target = self.root / key
        if target.exists():
            shutil.rmtree(target)
        write_dir(target, fill)

    def save_plan(self, plan: dict[str, Any]) -> None:
        """The planner's expansion of owners and searches (JSON-able), for a resume without listing."""
        write_file(self.root / "plan.json", json.dumps(plan, sort_keys=True, default=str))

    def load_plan(self) -> dict[str, Any] | None:
        try:
            plan = json.loads((self.root / "plan.json").read_text())
        except (OSError, ValueError):
            return None
        return plan if isinstance(plan, dict) else None

    def discard(self) -> None:
        """Remove the work: renamed away first (one atomic step), so that a kill during the removal
        never leaves a half-removed folder that a later run would trust."""
        if self.root.exists():
            trash = self.root.with_name(f".trash-{self.key}-{os.getpid()}")
            shutil.rmtree(trash, ignore_errors=True)
            with contextlib.suppress(FileNotFoundError):
                self.root.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.root.parent.rmdir()  # only when no other interrupted scan waits there


def interrupted(out: str | Path) -> list[dict[str, Any]]:
    """The scans under ``out`` that stopped before writing their snapshot, newest first."""
    work = Path(out) / WORK
    found = []
    for about in work.glob("*/request.json") if work.is_dir() else []:
        if about.parent.name.startswith("."):
            continue
        with contextlib.suppress(OSError, ValueError, TypeError):
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
