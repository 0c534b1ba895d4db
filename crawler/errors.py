"""One exception tree for census.

::

    CensusError                 anything census reports to a user, as one line
    ├── InputError              bad usage or bad input: the CLI exits 2
    │   ├── ConfigError         a config file: names file, line and key
    │   ├── SpecError           a repository spec that cannot be understood
    │   └── SnapshotError       a snapshot that is missing, foreign or damaged
    └── SourceError             one repository could not be read; recorded in
        │                       repos.parquet with its ``status`` and the scan goes on
        ├── NotFoundError       no such repository (or not visible): ``not_found``
        ├── EmptyRepositoryError  nothing committed yet: ``empty``
        ├── BlockedError        GitHub blocks access (451): ``blocked``
        ├── DeferredError       a rate limit asks for a longer wait than allowed:
        │                       ``deferred``, for the next run
        └── AbsentError         the repository had no commit yet at the date asked: ``absent``

Messages never contain credentials: sources scrub URLs before raising.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.status import Status

if TYPE_CHECKING:
    from crawler.values import Resolution


class CensusError(Exception):
    """Base of every error census reports; ``str(error)`` is a one-line message."""


class InputError(CensusError):
    """Bad usage, bad config or bad input (exit code 2)."""


class ConfigError(InputError):
    """A config file is invalid. The message names the file, the line (when known) and the key."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        self.file, self.line, self.key = file, line, key
        where = ""
        if file:
            where = file + (f":{line}" if line else "")
        if key:
            where = f"{where}: {key}" if where else key
        super().__init__(f"{where}: {message}" if where else message)


class SpecError(InputError):
    """A repository spec (``--repo`` or a config entry) cannot be understood."""


class SnapshotError(InputError):
    """A snapshot cannot be found or read."""


class SourceError(CensusError):
    """One repository cannot be read (no such path, not a git repository, unknown ref, …).

    ``resolution``: what was learnt of the repository before the failure (GitHub's metadata of an
    empty or blocked repository), so that its row still says what it is."""

    status = Status.FAILED

    def __init__(self, message: str, *, resolution: Resolution | None = None) -> None:
        super().__init__(message)
        self.resolution = resolution


class NotFoundError(SourceError):
    """No such repository, or not one this token may see."""

    status = Status.NOT_FOUND


class EmptyRepositoryError(SourceError):
    """The repository exists but has no commits."""

    status = Status.EMPTY


class BlockedError(SourceError):
    """GitHub blocks access to the repository (HTTP 451)."""

    status = Status.BLOCKED


class DeferredError(SourceError):
    """A rate limit asks for a longer wait than ``--max-wait``: the repository waits for the next run."""

    status = Status.DEFERRED


class AbsentError(SourceError):
    """At the point in history asked for (``--at``), the repository did not exist yet."""

    status = Status.ABSENT
