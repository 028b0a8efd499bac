"""Deadlines on an injectable clock, and the one signal that a deadline has passed.

Internal code raises :class:`DeadlinePassed` wherever it notices; each public boundary turns it,
once, into the error it documents (``APIConnectionError`` for API calls and uploads,
``JobTimeoutError`` for waits, ``DownloadError`` for downloads).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Clock = Callable[[], float]


class DeadlinePassed(Exception):
    """A deadline passed while something was under way.

    Deliberately not an ``OSError``: neither urllib3 nor the retry loop may take it for a
    network failure worth another attempt.
    """

    def __init__(self, seconds: float, doing: str | None = None) -> None:
        self.seconds = seconds
        what = f"{doing} when the deadline" if doing else "the deadline"
        super().__init__(f"{what} ({seconds:g} s) {'passed' if doing else 'has passed'}")


class Deadline:
    """A moment on a monotonic clock by which a call must return."""

    def __init__(self, seconds: float, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        """The allowance it was made with."""
        self._clock = clock
        self._at = clock() + seconds

    def remaining(self) -> float:
        """Seconds left, never below zero."""
        return max(0.0, self._at - self._clock())

    @property
    def expired(self) -> bool:
        return self._clock() >= self._at

    def check(self, doing: str | None = None) -> None:
        """Raise DeadlinePassed (saying what was ``doing``) once the deadline has passed."""
        if self.expired:
            raise DeadlinePassed(self.seconds, doing)

    def clip(self, seconds: float) -> float:
        """``seconds``, or what is left if that is less."""
        return min(seconds, self.remaining())

    def cut(self) -> None:
        """Make the deadline pass now (its caller was cancelled): every later check fails.
        ``_watchdog.cut`` also cuts off the requests under way with it."""
        self._at = float("-inf")


@contextmanager
def reported_as(error: Callable[[DeadlinePassed], Exception]) -> Iterator[None]:
    """At a public boundary: a DeadlinePassed inside becomes ``error(passed)``."""
    try:
        yield
    except DeadlinePassed as passed:
        raise error(passed) from None
