"""Being a good citizen of GitHub's rate limits: waits, bounded retries, and a shared gate.

GitHub answers an exhausted *primary* limit with 403 or 429 and ``x-ratelimit-remaining: 0``;
the wait lasts until ``x-ratelimit-reset``, measured against the server's ``Date`` (never our
clock, which may be off). A *secondary* limit says ``retry-after``, or nothing (then wait a
minute, then longer). 5xx answers and timeouts get a few jittered exponential retries. Every
wait is capped by ``max_wait``: past it, the call raises ``DeferredError`` and the scan records
the repository (and the ones after it) as ``deferred`` for the next run.

The clock and the sleep are injectable so tests take milliseconds. One ``RateGate`` is shared by
all threads of a scan: when one request learns that the limit is exhausted, the others wait too
instead of hammering the server.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type

from crawler.errors import DeferredError

T = TypeVar("T")

SECONDARY_DEFAULT_WAIT = 60.0  # GitHub: "wait at least one minute" when no retry-after is given
SERVER_ERROR_ATTEMPTS = 4


class RateLimited(Exception):
    """A rate-limit answer, with the wait the server asked for (seconds, from its own clock)."""

    def __init__(self, wait: float, kind: str) -> None:
        super().__init__(f"{kind} rate limit: wait {wait:.0f}s")
        self.wait, self.kind = wait, kind


class Transient(Exception):
    """A 5xx answer or a timeout: worth a few more tries."""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _number(text: str | None) -> float | None:
    """A header's number, or None when it is missing or not a finite number (a broken server)."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and value == value and abs(value) < 1e12 else None


def _server_now(date: str | None) -> float:
    """The server's clock from its ``Date`` header; ours when it has none or a broken one."""
    if date:
        try:
            return email.utils.parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    return time.time()


def rate_limit_wait(status: int, headers: Mapping[str, str], attempt: int = 1) -> RateLimited | None:
    """The rate-limit signal in an answer, if any: primary (reset by the server's Date) or secondary."""
    if status not in (403, 429):
        return None
    retry_after_text = _header(headers, "retry-after")
    retry_after = _number(retry_after_text)
    if retry_after is not None:
        return RateLimited(max(retry_after, 0.0), "secondary")
    if retry_after_text is not None:  # asked to wait, but not how long (a broken header): as if unsaid
        return RateLimited(SECONDARY_DEFAULT_WAIT * 2 ** (attempt - 1), "secondary")
    if _header(headers, "x-ratelimit-remaining") == "0":
        reset = _number(_header(headers, "x-ratelimit-reset"))
        if reset is not None:
            return RateLimited(max(reset - _server_now(_header(headers, "date")), 0.0) + 1.0, "primary")
    if status == 429 or (status == 403 and _header(headers, "x-ratelimit-remaining") is not None):
        return RateLimited(SECONDARY_DEFAULT_WAIT * 2 ** (attempt - 1), "secondary")
    return None


@dataclass
class RateGate:
    """Shared by every thread of a scan: nobody sends before ``open_at`` (the clock's time)."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] | None = None  # None: time.sleep, looked up when called
    max_wait: float = 900.0
    open_at: float = 0.0
    deferred: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def close_for(self, seconds: float) -> None:
        with self._lock:
            self.open_at = max(self.open_at, self.clock() + seconds)

    def defer(self, reason: str) -> None:
        with self._lock:
            self.deferred = self.deferred or reason

    def wait(self) -> None:
        """Block until the gate is open; raise ``DeferredError`` if that is past the cap."""
        if self.deferred:
            raise DeferredError(self.deferred)
        delay = self.open_at - self.clock()
        if delay > self.max_wait:
            self.defer(f"rate limit resets in {delay:.0f}s, more than --max-wait {self.max_wait:.0f}s")
            raise DeferredError(self.deferred or "rate limited")
        if delay > 0:
            self.pause(delay)

    def pause(self, seconds: float) -> None:
        if seconds > 0:
            (self.sleep or time.sleep)(seconds)


@dataclass
class RetryPolicy:
    """Runs one request with the waits and retries above. ``classify(error, attempt)`` maps an
    exception to ``RateLimited``, ``Transient`` or None (not retried: raised as it is)."""

    gate: RateGate
    classify: Callable[[BaseException, int], BaseException | None]
    attempts: int = SERVER_ERROR_ATTEMPTS
    rate_limit_attempts: int = 8
    jitter: Callable[[], float] = random.random

    def call(self, fn: Callable[[], T]) -> T:
        counts = {"transient": 0, "rate": 0}

        def attempt() -> T:
            self.gate.wait()
            try:
                return fn()
            except Exception as error:
                signal = self.classify(error, counts["rate"] + 1)
                if isinstance(signal, RateLimited):
                    counts["rate"] += 1
                    if signal.wait > self.gate.max_wait:
                        self.gate.defer(f"{signal.kind} rate limit: the server asks to wait {signal.wait:.0f}s, "
                                        f"more than --max-wait {self.gate.max_wait:.0f}s")
                        raise DeferredError(self.gate.deferred or "rate limited") from None
                    self.gate.close_for(signal.wait)  # every thread waits, not only this one
                    raise signal from error
                if isinstance(signal, Transient):
                    counts["transient"] += 1
                    raise signal from error
                raise

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, RateLimited):
                return 0.0  # the gate does the waiting
            base = min(2.0 ** (counts["transient"] - 1), 30.0)
            return base * (0.5 + self.jitter())  # jittered exponential: about 1, 2, 4 … seconds

        def stop(state: RetryCallState) -> bool:
            return counts["transient"] >= self.attempts or counts["rate"] >= self.rate_limit_attempts

        retrying = Retrying(retry=retry_if_exception_type((RateLimited, Transient)), stop=stop, wait=wait,
                            sleep=self.gate.pause, reraise=True)
        try:
            return retrying(attempt)
        except (RateLimited, Transient) as signal:  # out of tries: the original error speaks
            raise (signal.__cause__ or signal) from None
