"""What every source gives the census: a list of entries, then their content, streamed.

A source is one repository at one point in time (a commit, a work tree, a folder). It lists its
entries first (paths, kinds, sizes: cheap) and then streams the first bytes of the files asked
for, in order, so memory stays bounded whatever the repository's size.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

EntryKind = Literal["file", "symlink", "submodule"]


def display_path(raw: bytes) -> str:
    """A path as census stores it: UTF-8, with bytes that are not valid UTF-8 as ``\\xNN``."""
    return raw.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Entry:
    """One path of a tree: a regular file, a symlink or a submodule."""

    raw_path: bytes
    kind: EntryKind
    size: int | None          # None when unknown (a missing object, a submodule)
    oid: str | None = None    # the blob id, where the source has one
    executable: bool = False
    note: str | None = None   # a problem already known when listing (e.g. a missing object)

    @property
    def path(self) -> str:
        return display_path(self.raw_path)

    @property
    def utf8_path(self) -> bool:
        try:
            self.raw_path.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True


@dataclass(frozen=True)
class Content:
    """The first bytes of one entry, or why they could not be read."""

    entry: Entry
    prefix: bytes | None
    error: str | None = None


class Source(ABC):
    """One repository at one point in time."""

    #: ``git`` (a commit of a repository), ``worktree``, ``folder``
    kind: str = "source"
    #: the commit scanned, when there is one
    commit: str | None = None
    #: the ref as resolved (branch, tag, ``HEAD``), when there is one
    ref: str | None = None

    @abstractmethod
    def entries(self) -> Iterator[Entry]:
        """Every entry of the tree, in a stable order."""

    @abstractmethod
    def read(self, entries: Iterable[Entry], limit: int) -> Iterator[Content]:
        """The first ``limit`` bytes of each entry (files only), in the order given."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release what the source holds (processes, temporary clones)."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
