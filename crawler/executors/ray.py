"""Tasks on Ray: a local Ray that census starts and stops, or an existing cluster (``--ray-address``
or ``RAY_ADDRESS``). Install with ``pip install 'census[ray]'``.

The driver keeps everything that talks to GitHub's REST API (the planner), so the rate limit stays
one process's concern; each Ray task runs the per-repository step on one resolved repository (or a
repository's whole series of dates in a backfill) and returns its rows, which travel as Arrow
through Ray's object store. Each task asks for a quarter of a CPU (it waits on git and the network
much of the time). No more than ``in_flight`` tasks are submitted at once (``ray.wait``), so
the object store and the driver's memory stay bounded however long the list is; each result is
handed back, saved to the checkpoint by the driver, and dropped.

Faults: a worker that dies mid-task (a lost node, the OOM killer) is retried by Ray
(``max_retries``); a repository whose scan raises is recorded ``failed`` by the step itself and
never retried; a task that still cannot finish after its retries becomes a ``failed`` row through
``on_error``. The token is never in a task's arguments: workers read ``GITHUB_TOKEN`` from their
own environment (a local Ray inherits the driver's; on a cluster, set it on every node).

A local Ray started here binds 127.0.0.1 only, and its dashboard is off.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from crawler.errors import InputError

T = TypeVar("T")
R = TypeVar("R")

INSTALL = "pip install 'census[ray]'"


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise InputError(f"--engine ray needs Ray: {INSTALL}") from None
    return ray


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


class RayExecutor:
    in_process = False

    def __init__(self, *, address: str | None = None, num_cpus: int | None = None, in_flight: int | None = None,
                 max_retries: int = 3, task_cpus: float = 0.25) -> None:
        ray = _ray()
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            if address:
                try:
                    ray.init(address=address, log_to_driver=False, logging_level="ERROR")
                except (ConnectionError, ValueError, RuntimeError) as exc:
                    raise InputError(f"cannot reach the Ray cluster at {address}: "
                                     f"{' '.join(str(exc).split())[:200]}") from None
            else:
                os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # loopback, on Linux too
                ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                         _node_ip_address="127.0.0.1")
                self._started = True
        # A scan waits on git and the network much of the time: a quarter of a CPU each keeps the
        # cores busy (measured: at one CPU a task, 2,000 repositories took 2.8 times as long).
        cpus = float(ray.cluster_resources().get("CPU", 1))
        slots = max(1, int(cpus / task_cpus))
        self.in_flight = in_flight or 2 * slots
        self._remote = ray.remote(max_retries=max_retries, retry_exceptions=False, num_cpus=task_cpus)(_call)
        self._pending: dict[Any, Any] = {}

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T],
                      on_error: Callable[[T, BaseException], R] | None = None) -> Iterator[tuple[T, R]]:
        ray = self._ray
        pending = self._pending
        fn_ref = ray.put(fn)  # sent once, not with every task

        def collect(block: bool) -> Iterator[tuple[T, R]]:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=None if block else 0)
                if not ready:
                    return
                ref = ready[0]
                item = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except (ray.exceptions.RayError, OSError) as exc:
                    if on_error is None:
                        raise
                    result = on_error(item, exc)
                del ref
                yield item, result
                if block:
                    return

        for item in items:
            while len(pending) >= self.in_flight:
                yield from collect(block=True)
            pending[self._remote.remote(fn_ref, item)] = item
            yield from collect(block=False)
        while pending:
            yield from collect(block=True)

    def close(self) -> None:
        """Cancel what is under way; stop the local Ray census started (a cluster is left running)."""
        for ref in list(self._pending):
            with contextlib.suppress(Exception):  # already finished or gone: nothing to cancel
                self._ray.cancel(ref, force=True)
        self._pending.clear()
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
            self._started = False
