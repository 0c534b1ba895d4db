"""One exception tree for census.

::

    CensusError                 anything census reports to a user, as one line
    ├── InputError              bad usage or bad input: the CLI exits 2
    │   ├── ConfigError         a config file: names file, line and key
    │   ├── SpecError           a repository spec that cannot be understood
    │   └── SnapshotError       a snapshot that is missing, foreign or damaged
    └── SourceError             one repository could not be read; recorded in
        │                       repos.parquet (status ``failed``) and the scan goes on
        └── ObjectMissingError  one object of a repository is missing; recorded on
                                that file's row and the rest still counts

Messages never contain credentials: sources scrub URLs before raising.
"""

from __future__ import annotations


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
    """One repository cannot be read (no such path, not a git repository, unknown ref, …)."""


class ObjectMissingError(SourceError):
    """An object of a repository is missing (partial or damaged clone)."""
