"""What an executor does: run a function over items, yielding each result as it finishes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``fn`` over ``items`` and yields ``(item, result)`` pairs in the order they finish.

    ``items`` is consumed lazily, with a bounded number of items in flight, so a list of any
    length costs bounded memory. ``fn`` must not raise for a repository's problem (the step
    records it); an exception it raises anyway goes to ``on_error``, or propagates. ``in_process`` says
    whether ``fn`` runs in this process (callbacks to it can then report progress).
    """

    in_process: bool

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T],
                      on_error: Callable[[T, BaseException], R] | None = None) -> Iterator[tuple[T, R]]:
        """``on_error(item, error)`` stands for the result of an item whose task failed in the engine
        itself (a worker lost for good); without it the error propagates."""
        ...

    def close(self) -> None:
        """Stop: nothing more is started; work under way is abandoned, not waited for."""
