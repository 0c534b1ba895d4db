"""Tasks on a pool of worker processes on this machine (``--engine processes``).

Classification is mostly Python around go-enry's calls (which release the GIL), and Python's GIL
lets one thread at a time run it, so threads share one core for that part; worker processes use
every core (measured in ``bench/scan_vs_linguist.py --engine processes``).
Workers are spawned, never forked: the Go runtime inside go-enry does not survive a fork (a forked
child that classifies deadlocks), and the driver has threads. Each worker imports census once and
runs many tasks. The token is never in a task: workers inherit the driver's environment.

Faults, as on Ray: a worker that dies mid-task (the OOM killer) breaks the pool; a new pool is
started and every task that was in flight is run again, up to ``max_retries`` times, after which
it becomes a ``failed`` row through ``on_error``. A repository whose scan raises is recorded
``failed`` by the step itself and never retried. ``close`` kills the workers: work under way is
abandoned, not waited for.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _warm() -> None:
    """Import what a task needs while the driver is still planning."""
    import crawler.step  # noqa: F401


class ProcessExecutor:
    in_process = False

    def __init__(self, jobs: int | None = None, *, in_flight: int | None = None, max_retries: int = 2) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.in_flight = in_flight or 2 * self.jobs
        self.max_retries = max_retries
        self._pool: cf.ProcessPoolExecutor | None = None
        self._closed = False

    def _fresh_pool(self) -> cf.ProcessPoolExecutor:
        if self._pool is not None:
            self._kill(self._pool)
        context = multiprocessing.get_context("spawn")
        self._pool = cf.ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_warm)
        return self._pool

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T],
                      on_error: Callable[[T, BaseException], R] | None = None) -> Iterator[tuple[T, R]]:
        pool = self._pool or self._fresh_pool()
        pending: dict[cf.Future[R], T] = {}
        tries: dict[int, int] = {}  # id(item) -> runs lost with a broken pool
        retry: list[T] = []
        source = iter(items)
        exhausted = False
        while True:
            while retry or (not exhausted and len(pending) < self.in_flight):
                if retry:
                    item = retry.pop()
                else:
                    try:
                        item = next(source)
                    except StopIteration:
                        exhausted = True
                        continue
                try:
                    pending[pool.submit(fn, item)] = item
                except cf.BrokenExecutor:  # a worker died since the last wait: the others are lost too
                    retry.append(item)
                    pool = self._fresh_pool()
            if not pending:
                return
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                try:
                    result = future.result()
                except cf.BrokenExecutor as exc:
                    if pool is not None and future_pool_broken(pool):
                        pool = self._fresh_pool()
                    runs = tries.get(id(item), 0) + 1
                    if runs <= self.max_retries:
                        tries[id(item)] = runs
                        retry.append(item)
                        continue
                    if on_error is None:
                        raise
                    result = on_error(item, exc)
                except Exception as exc:
                    if on_error is None:
                        raise
                    result = on_error(item, exc)
                tries.pop(id(item), None)
                yield item, result

    @staticmethod
    def _kill(pool: cf.ProcessPoolExecutor) -> None:
        # The standard library has no public way to stop a running task; its workers are in _processes.
        processes = dict(getattr(pool, "_processes", None) or {})
        for process in processes.values():
            with contextlib.suppress(Exception):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            with contextlib.suppress(Exception):
                process.join(timeout=5)

    def close(self) -> None:
        """Kill the workers: nothing more is started, work under way is abandoned."""
        if self._pool is not None:
            self._kill(self._pool)
            self._pool = None


def future_pool_broken(pool: cf.ProcessPoolExecutor) -> bool:
    """Whether ``pool`` can take no more work (a worker died)."""
    return bool(getattr(pool, "_broken", False))
