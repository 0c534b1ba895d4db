"""Files as they are on disk: a plain folder, or a git work tree (``--worktree``).

A work tree lists what git tracks plus what it does not ignore (``git ls-files``), as people
checking their own uncommitted work expect; a plain folder lists everything below it but
``.git`` directories. Symlinks are listed, never followed; nothing outside the folder is opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from crawler.errors import SourceError
from crawler.sources.git import run_git
from crawler.sources.interface import Content, Entry, Source


class FolderSource(Source):
    """Every file below a folder (``.git`` directories excepted)."""

    kind = "folder"

    def __init__(self, path: str | Path) -> None:
        self.root = Path(path)
        if not self.root.exists():
            raise SourceError(f"no such path: {self.root}")
        if not self.root.is_dir():
            raise SourceError(f"not a folder: {self.root}")
        self._root_bytes = os.fsencode(self.root.resolve())

    def _paths(self) -> Iterator[bytes]:
        """Every path below the root but ``.git`` folders, never following a link. A stack, not
        ``os.walk`` (recursive in Python 3.11): a very deep tree must not overflow Python's stack."""
        stack = [b""]
        while stack:
            rel_dir = stack.pop()
            try:
                with os.scandir(os.path.join(self._root_bytes, rel_dir) if rel_dir else self._root_bytes) as it:
                    children = sorted(it, key=lambda e: e.name)
            except OSError:
                continue  # unreadable or vanished folder: nothing in it can be listed
            for child in children:
                rel = rel_dir + b"/" + child.name if rel_dir else child.name
                if child.is_dir(follow_symlinks=False):
                    if child.name != b".git":
                        stack.append(rel)
                else:
                    yield rel

    def _inside(self, full: bytes) -> bool:
        """Whether every parent folder of ``full`` resolves inside the root."""
        parent = os.path.realpath(os.path.dirname(full))
        root = self._root_bytes
        return parent == root or parent.startswith(root + b"/")

    def entries(self) -> Iterator[Entry]:
        for rel in sorted(set(self._paths())):
            entry = self._stat_entry(rel)
            if entry is not None:
                yield entry

    def _stat_entry(self, rel: bytes, *, submodule: bool = False) -> Entry | None:
        if submodule:  # listed whether or not it is checked out
            return Entry(rel, "submodule", None)
        full = os.path.join(self._root_bytes, rel)
        # Every parent must be a real folder inside the root: a tracked path under a folder that was
        # replaced by a symlink (``a -> /etc``, ``a/passwd``) must not reveal anything outside.
        if not self._inside(full):
            return Entry(rel, "file", None, note="path leaves the folder through a symlink")
        try:
            st = os.lstat(full)
        except OSError:
            return None  # deleted since it was listed
        if stat.S_ISLNK(st.st_mode):
            return Entry(rel, "symlink", None)
        if stat.S_ISDIR(st.st_mode):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None  # sockets, fifos, devices: not files of a project
        return Entry(rel, "file", st.st_size, executable=bool(st.st_mode & 0o111))

    def read(self, entries: Iterable[Entry], limit: int) -> Iterator[Content]:
        root = self._root_bytes
        for entry in entries:
            if entry.kind != "file":
                continue
            full = os.path.join(root, entry.raw_path)
            if entry.size is None or not self._inside(full):  # never follow a link out
                yield Content(entry, None, entry.note or "path leaves the folder through a symlink")
                continue
            try:
                fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError as exc:
                yield Content(entry, None, f"cannot open: {exc.strerror}")
                continue
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    yield Content(entry, None, "not a regular file")
                    continue
                chunks: list[bytes] = []
                remaining = limit
                while remaining > 0:
                    chunk = os.read(fd, min(remaining, 1 << 20))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    remaining -= len(chunk)
                yield Content(entry, b"".join(chunks))
            except OSError as exc:
                yield Content(entry, None, f"cannot read: {exc.strerror}")
            finally:
                os.close(fd)


class WorktreeSource(FolderSource):
    """A git work tree as it is on disk: tracked files plus untracked ones that are not ignored."""

    kind = "worktree"

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        probe = run_git(["rev-parse", "--show-toplevel"], cwd=self.root, check=False)
        if probe.returncode != 0:
            raise SourceError(f"not a git work tree: {self.root}")
        self.root = Path(probe.stdout.decode("utf-8", "surrogateescape").strip())
        self._root_bytes = os.fsencode(self.root.resolve())
        head = run_git(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=self.root, check=False)
        self.commit = head.stdout.decode().strip() or None
        self.ref = "WORKTREE"

    def entries(self) -> Iterator[Entry]:
        staged = run_git(["ls-files", "-z", "--stage"], cwd=self.root).stdout
        others = run_git(["ls-files", "-z", "--others", "--exclude-standard"], cwd=self.root).stdout
        submodules: set[bytes] = set()
        paths: set[bytes] = set()
        for record in staged.split(b"\0"):
            if record:
                meta, _, rel = record.partition(b"\t")
                paths.add(rel)
                if meta.startswith(b"160000"):
                    submodules.add(rel)
        paths.update(p for p in others.split(b"\0") if p)
        for rel in sorted(paths):
            entry = self._stat_entry(rel, submodule=rel in submodules)
            if entry is not None:
                yield entry
