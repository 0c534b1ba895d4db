"""Files and folders that appear whole or not at all: written aside, flushed to disk, renamed.

The one way census writes what it keeps (snapshots, checkpoints, reports): a kill or a full disk
at any moment leaves either the old content or the new, never a mix. Leftovers of a write that
was killed are hidden (their names start with ``.``) and carry the writer's pid, so the next
writer can remove those whose owner is gone.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from crawler.errors import InputError


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_file():
            with child.open("rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(folder)


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (ours always does)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(folder: Path) -> None:
    """Remove ``.tmp-…-PID`` leftovers in ``folder`` whose writer is gone."""
    if not folder.is_dir():
        return
    for child in folder.glob(".tmp-*"):
        pid_text = child.name.rsplit("-", 1)[-1]
        if pid_text.isdigit() and alive(int(pid_text)):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _failure(exc: BaseException, target: Path) -> BaseException:
    """A write's failure as the ``OSError`` it is, naming ``target`` (not the temporary file):
    libraries that write for us (polars) report a full disk as their own error with ``os error N``."""
    if isinstance(exc, InputError) or not isinstance(exc, Exception):
        return exc
    if isinstance(exc, OSError):
        return OSError(exc.errno or errno.EIO, exc.strerror or str(exc), str(target))
    found = re.search(r"os error (\d+)", str(exc))
    code = int(found.group(1)) if found else errno.EIO
    return OSError(code, os.strerror(code) if found else f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}",
                   str(target))


def write_file(target: Path, data: bytes | str) -> None:
    """Replace ``target`` with ``data`` atomically. A symlink is followed (the link stays a link);
    a FIFO or character device (``/dev/stdout``) is written through; anything else that is not a
    regular file is refused."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
            with open(target, "wb") as fh:
                fh.write(payload)
            return
        raise InputError(f"cannot write {target}: it is not a regular file")
    real = Path(os.path.realpath(target))
    real.parent.mkdir(parents=True, exist_ok=True)
    tmp = real.with_name(f".tmp-{real.name}-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, real)
        fsync_dir(real.parent)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        failure = _failure(exc, target)
        if failure is exc:
            raise
        raise failure from None


def write_dir(target: Path, fill: Callable[[Path], None]) -> None:
    """Create folder ``target`` atomically: ``fill(tmp)`` writes its files into a hidden sibling,
    which is flushed and renamed to ``target`` (which must not exist)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{target.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        fill(tmp)
        _fsync_tree(tmp)
        tmp.rename(target)
        fsync_dir(target.parent)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        failure = _failure(exc, target)
        if failure is exc:
            raise
        raise failure from None
