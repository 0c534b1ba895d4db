"""Scratch folders (shallow fetches, partial clones) under one folder per process, swept later.

Each process that needs scratch space makes one folder, ``census-<pid>-<random>`` in the temporary
directory, and creates everything it needs inside it. A process killed by SIGKILL cannot clean
up; the next census run removes the folders whose owner is gone (``sweep``), never a live one's.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

from crawler.atomic import alive

_OWNED = re.compile(r"^census-(\d+)-[A-Za-z0-9_]+$")
_lock = threading.Lock()
_mine: dict[int, str] = {}


def _root() -> str:
    return tempfile.gettempdir()


def process_dir() -> str:
    """This process's scratch folder (made on first use; a forked child gets its own)."""
    pid = os.getpid()
    with _lock:
        folder = _mine.get(pid)
        if folder is None or not os.path.isdir(folder):
            folder = tempfile.mkdtemp(prefix=f"census-{pid}-", dir=_root())
            _mine[pid] = folder
        return folder


def make_dir(prefix: str) -> str:
    """A new folder for one fetch, inside this process's scratch folder."""
    return tempfile.mkdtemp(prefix=prefix, dir=process_dir())


def sweep(root: str | None = None) -> list[str]:
    """Remove the scratch folders of census processes that are gone; the removed paths."""
    removed = []
    base = Path(root or _root())
    try:
        children = list(base.iterdir())
    except OSError:
        return []
    for child in children:
        match = _OWNED.match(child.name)
        if match is None or alive(int(match.group(1))) or child.is_symlink() or not child.is_dir():
            continue
        shutil.rmtree(child, ignore_errors=True)
        removed.append(str(child))
    return removed
