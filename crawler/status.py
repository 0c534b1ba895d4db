"""What became of a repository: the ``status`` column, as one enum (no dependencies at all, so that
even the exception tree and the command line can use it without importing the data stack)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """What became of one repository (the ``status`` column of ``repos.parquet``)."""

    OK = "ok"                  # scanned
    UNCHANGED = "unchanged"    # same commit as the previous snapshot: its rows were reused
    FAILED = "failed"          # could not be read; ``error`` says why
    NOT_FOUND = "not_found"    # no such repository (or not visible)
    EMPTY = "empty"            # nothing committed yet
    BLOCKED = "blocked"        # GitHub blocks access (451)
    DEFERRED = "deferred"      # a rate limit asked for a longer wait than allowed: for the next run
    SKIPPED = "skipped"        # the same repository as another row (renamed, listed twice)
    ABSENT = "absent"          # did not exist yet at the date asked for (``--at``)


#: Statuses whose rows carry figures.
COUNTED = frozenset({Status.OK, Status.UNCHANGED})
#: Statuses that make a scan exit 1: the repository should have been counted and was not.
FAILURES = frozenset({Status.FAILED, Status.NOT_FOUND, Status.BLOCKED, Status.DEFERRED})
