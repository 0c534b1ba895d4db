"""The executor seam: how the per-repository tasks run. The step (``crawler.step``) is the same
whatever runs it; an executor only maps it over tasks.

::

    from crawler.executors import ThreadExecutor
    for task, result in ThreadExecutor(jobs=8).map_unordered(run_task, tasks): ...

``interface.Executor`` is the protocol; ``serial`` and ``threads`` are built in; a distributed
engine plugs in here with the same two methods.
"""

from __future__ import annotations

from crawler.executors.interface import Executor
from crawler.executors.serial import SerialExecutor
from crawler.executors.threads import ThreadExecutor

__all__ = ["Executor", "SerialExecutor", "ThreadExecutor", "for_jobs"]


def for_jobs(jobs: int) -> Executor:
    """The default executor: threads, ``jobs`` at a time (serial for one)."""
    return SerialExecutor() if jobs <= 1 else ThreadExecutor(jobs)
