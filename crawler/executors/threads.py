"""Tasks on a pool of threads in this process (the default engine).

git runs in its own processes and tokei in a worker process (``lines.py``), so threads keep
several repositories going at once. The workers are daemon threads: when the user interrupts, the
driver stops consuming and returns at once, and work under way is abandoned (its result is never
saved) instead of holding the process until it ends.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STOP = object()


class ThreadExecutor:
    in_process = True

    def __init__(self, jobs: int, *, in_flight: int | None = None) -> None:
        self.jobs = max(1, jobs)
        self.in_flight = in_flight or 2 * self.jobs
        self._stopped = threading.Event()

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T],
                      on_error: Callable[[T, BaseException], R] | None = None) -> Iterator[tuple[T, R]]:
        todo: queue.Queue[Any] = queue.Queue()
        done: queue.Queue[tuple[Any, Any, BaseException | None]] = queue.Queue()

        def work() -> None:
            while not self._stopped.is_set():
                item = todo.get()
                if item is _STOP:
                    return
                try:
                    done.put((item, fn(item), None))
                except BaseException as exc:  # handed to the driver, which decides
                    done.put((item, None, exc))

        workers = [threading.Thread(target=work, name=f"census-worker-{i}", daemon=True) for i in range(self.jobs)]
        for worker in workers:
            worker.start()
        pending = 0
        source = iter(items)
        exhausted = False
        try:
            while True:
                while not exhausted and pending < self.in_flight:
                    try:
                        todo.put(next(source))
                        pending += 1
                    except StopIteration:
                        exhausted = True
                if pending == 0:
                    return
                item, result, error = done.get()
                pending -= 1
                if error is not None:
                    if on_error is None or not isinstance(error, Exception):
                        raise error
                    result = on_error(item, error)
                yield item, result
        finally:
            for _ in workers:
                todo.put(_STOP)

    def close(self) -> None:
        self._stopped.set()
