"""One task after the other, in this thread: ``--jobs 1``, and the reference the others match."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class SerialExecutor:
    in_process = True

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T],
                      on_error: Callable[[T, BaseException], R] | None = None) -> Iterator[tuple[T, R]]:
        for item in items:
            try:
                result = fn(item)
            except Exception as exc:
                if on_error is None:
                    raise
                result = on_error(item, exc)
            yield item, result

    def close(self) -> None:
        pass
