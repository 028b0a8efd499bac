"""The retry policy: what is retried, and how long to wait. Pure functions; the caller sleeps.

- A GET is retried after a connection failure, a read timeout, a 429 or a 5xx.
- A submit (a paid job) is retried only when the server provably did not accept it: a 429, or
  a failure to connect. Anything after the body may have reached the server is never retried.
- The wait before retry n is ``min(cap, base * 2**n)`` times a jitter factor, or the server's
  ``Retry-After`` when it gives one; a wait that would end past the deadline is not taken.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from ._constants import BACKOFF_BASE, BACKOFF_CAP, BACKOFF_JITTER, MAX_RETRIES


class Failure(enum.Enum):
    """How a request failed, as far as retrying is concerned."""

    NOT_CONNECTED = "the connection could not be opened"
    """Nothing reached the server."""
    NO_ANSWER = "the connection failed after the request was sent"
    """The request may have reached the server."""
    RATE_LIMITED = "HTTP 429"
    """The server refused the request without acting on it."""
    SERVER_ERROR = "HTTP 5xx"
    """The server failed; for a submit, it may have acted on it."""


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries, and the backoff between them."""

    max_retries: int = MAX_RETRIES
    backoff_base: float = BACKOFF_BASE
    backoff_cap: float = BACKOFF_CAP
    jitter: float = BACKOFF_JITTER
    random: Callable[[], float] = random.random
    """A number in [0, 1); tests pin it."""

    def retryable(self, failure: Failure, *, submit: bool) -> bool:
        """Whether a request that failed this way may be sent again."""
        if submit:
            return failure in (Failure.NOT_CONNECTED, Failure.RATE_LIMITED)
        return True

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        backoff = min(self.backoff_cap, self.backoff_base * 2.0 ** min(retry, 64))
        return backoff * (1.0 - self.jitter * self.random())

    def next_wait(
        self, failure: Failure, retry: int, *, submit: bool, remaining: float,
        retry_after: float | None = None,
    ) -> float | None:
        """The wait before retry number ``retry``, or None when the request must not be retried:
        it is not safe, the retries are used up, or the wait would end past the deadline
        (``remaining`` seconds away)."""
        if retry >= self.max_retries or not self.retryable(failure, submit=submit):
            return None
        wait = self.delay(retry, retry_after)
        return wait if wait < remaining else None


def parse_retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds: a number, or an HTTP date; None when absent or bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())
