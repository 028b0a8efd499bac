"""Retrying: how a request failed, whether it may be sent again, how long to wait, and the one
loop that every request (API calls, submits, upload PUTs, download resumes) goes through.

- A safe request (a GET, or a POST that changes nothing billable) is retried after a failure to
  connect, a failure after sending, a 429 or a 5xx.
- A submit (a paid job) is retried only when the server provably did not accept it: a 408, a
  429, or a failure while the connection was being opened, before any byte of the request was
  written. It has its own budget (``Client(submit_retries=...)``), and a 429 without
  ``Retry-After`` waits for the end of the per-minute start window.
- The wait before retry n is ``min(cap, base * 2**n)`` times a jitter factor, or the server's
  ``Retry-After`` when it gives one; a wait that would end past the deadline is not taken.
- A refused certificate is never retried (the transport raises at once).
"""

from __future__ import annotations

import enum
import functools
import random
import ssl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import requests
import urllib3.exceptions as urllib3_errors
from urllib3.connection import HTTPConnection
from urllib3.util.ssl_match_hostname import CertificateError as HostnameMismatch

from ._constants import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    BACKOFF_JITTER,
    MAX_RETRIES,
    RATE_WINDOW_SECONDS,
)
from ._deadline import Deadline
from ._envelope import Answer, effective_status, envelope_data, job_data
from ._logging import redact
from ._short_text import shorten
from ._steps import Call, Plan, Sleep, run
from ._times import parse_retry_after

T = TypeVar("T")


class Failure(enum.Enum):
    """How a request failed, as far as retrying is concerned."""

    NOT_CONNECTED = "the connection could not be opened"
    """Nothing reached the server."""
    NO_ANSWER = "the connection failed after the request was sent"
    """The request may have reached the server."""
    RATE_LIMITED = "HTTP 429"
    """The server refused the request without acting on it."""
    REQUEST_TIMEOUT = "HTTP 408"
    """The server gave up waiting for the request before acting on it."""
    SERVER_ERROR = "HTTP 5xx"
    """The server failed; for a submit, it may have acted on it."""


_SUBMIT_RETRIED = frozenset({Failure.NOT_CONNECTED, Failure.RATE_LIMITED, Failure.REQUEST_TIMEOUT})


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries, the backoff between them, and which failures allow one."""

    max_retries: int = MAX_RETRIES
    backoff_base: float = BACKOFF_BASE
    backoff_cap: float = BACKOFF_CAP
    jitter: float = BACKOFF_JITTER
    random: Callable[[], float] = random.random
    """A number in [0, 1); tests pin it."""
    idempotent: bool = True
    """False for a request that must not reach the server twice (a submit): it is retried only
    after failures that prove it was not acted on, and it goes out on a fresh connection."""
    rate_limited_wait: float | None = None
    """The wait after a 429 that names no ``Retry-After``, instead of the backoff."""

    def for_submits(self, max_retries: int | None = None) -> RetryPolicy:
        """The policy for requests that must not be repeated once they may have arrived, with
        their own retry budget; a 429 without ``Retry-After`` waits out the start window."""
        return replace(
            self, idempotent=False, rate_limited_wait=RATE_WINDOW_SECONDS,
            max_retries=self.max_retries if max_retries is None else max_retries,
        )

    def retryable(self, failure: Failure) -> bool:
        """Whether a request that failed this way may be sent again."""
        return self.idempotent or failure in _SUBMIT_RETRIED

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        if retry_after is not None:
            return max(0.0, retry_after)
        backoff = min(self.backoff_cap, self.backoff_base * 2.0 ** min(retry, 64))
        return backoff * (1.0 - self.jitter * self.random())

    def next_wait(
        self, failure: Failure, retry: int, *, remaining: float, retry_after: float | None = None
    ) -> float | None:
        """The wait before retry number ``retry``, or None when the request must not be retried:
        it is not safe, the retries are used up, or the wait would end past the deadline
        (``remaining`` seconds away)."""
        if retry >= self.max_retries or not self.retryable(failure):
            return None
        if failure is Failure.RATE_LIMITED and retry_after is None:
            retry_after = self.rate_limited_wait
        wait = self.delay(retry, retry_after)
        return wait if wait < remaining else None


class Failed(Exception):
    """One attempt failed in a way the policy decides about.

    Attributes:
        failure: how it failed.
        detail: one redacted line for messages and logs.
        answer: the HTTP answer, when there was one (for the error it becomes).
        wait: the wait the failure itself asks for (a ``Retry-After``; 0 to go again at once),
            instead of the backoff.
        retries: set when the loop gives up: the retries made before this attempt.
    """

    def __init__(
        self, failure: Failure, detail: str, *, answer: Any = None, wait: float | None = None
    ) -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        self.answer = answer
        self.wait = wait
        self.retries = 0


def retry_steps(
    attempt: Callable[[int], T],
    policy: RetryPolicy,
    deadline: Deadline,
    on_retry: Callable[[Failed, int, float], None],
) -> Plan[T]:
    """The plan (``_steps``) of ``attempt(retry)`` until it returns, retried per ``policy``
    within ``deadline``: each attempt a call (shielded when the request must not be repeated:
    a cancel waits for its answer), each wait a sleep, so an async driver waits on its loop.

    ``on_retry(failed, retry, wait)`` is told before each wait (for logging).

    Raises:
        Failed: the last failure, with ``retries`` set, once the policy allows no more.
    """
    retry = 0
    while True:
        try:
            result: T = yield Call(functools.partial(attempt, retry), deadline,
                                   shielded=not policy.idempotent)
            return result
        except Failed as failed:
            wait = policy.next_wait(
                failed.failure, retry, remaining=deadline.remaining(), retry_after=failed.wait
            )
            if wait is None:
                failed.retries = retry
                raise
            on_retry(failed, retry, wait)
            yield Sleep(wait)
            retry += 1


def retrying(
    attempt: Callable[[int], T],
    policy: RetryPolicy,
    deadline: Deadline,
    sleep: Callable[[float], None],
    on_retry: Callable[[Failed, int, float], None],
) -> T:
    """:func:`retry_steps` run on this thread, waiting with ``sleep``."""
    return run(retry_steps(attempt, policy, deadline, on_retry), sleep)


class ConnectionNotOpened(urllib3_errors.NewConnectionError):
    """Opening the connection (TCP, a proxy's CONNECT, TLS) failed: no byte of the request was
    written. Raised by wavevid's connections (``_sessions``) around their connect step; a
    subclass of urllib3's own connection failure, so that urllib3 and requests treat it as one."""

    def __init__(self, connection: HTTPConnection, cause: BaseException) -> None:
        super().__init__(connection, str(cause) or type(cause).__name__)
        self.cause = cause


def classify(error: BaseException) -> Failure:
    """NOT_CONNECTED only when the request provably never left: the connection itself failed."""
    for reason in _chain(error):
        if isinstance(
            reason,
            (requests.exceptions.ConnectTimeout, urllib3_errors.NewConnectionError,
             urllib3_errors.ConnectTimeoutError),
        ):
            return Failure.NOT_CONNECTED
    return Failure.NO_ANSWER


def is_certificate_failure(error: BaseException) -> bool:
    """Whether ``error`` comes from a refused certificate (verification or host name): a
    configuration problem that no retry mends."""
    return any(
        isinstance(reason, (ssl.SSLCertVerificationError, HostnameMismatch))
        or (isinstance(reason, ssl.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(reason))
        for reason in _chain(error)
    )


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what it wraps: requests' first argument, urllib3's ``reason`` and
    ``original_error``, ours ``cause``, and an explicit ``__cause__`` (never ``__context__``: an
    exception merely raised while handling another says nothing about where this one came
    from)."""
    seen: set[int] = set()
    todo: list[Any] = [error]
    while todo:
        reason = todo.pop()
        if not isinstance(reason, BaseException) or id(reason) in seen:
            continue
        seen.add(id(reason))
        yield reason
        todo.extend(reason.args[:1])
        for name in ("reason", "original_error", "cause", "__cause__"):
            todo.append(getattr(reason, name, None))


#: Statuses after which the API provably did not act on the request: sent again (so is a 5xx,
#: unless the request was a submit).
RETRIED_STATUSES = {408: Failure.REQUEST_TIMEOUT, 429: Failure.RATE_LIMITED}
#: The same for the upload and output hosts, which answer 408 for other reasons.
OTHER_HOST_RETRIED_STATUSES = {429: Failure.RATE_LIMITED}


def status_failure(
    status: int,
    headers: Mapping[str, str],
    answer: Answer | None = None,
    retried: Mapping[int, Failure] = RETRIED_STATUSES,
) -> Failed | None:
    """The Failed for a status that asks to be sent again later (``retried``, or any 5xx),
    waiting for the server's ``Retry-After``; None for any other status."""
    failure = retried.get(status) or (Failure.SERVER_ERROR if status >= 500 else None)
    if failure is None:
        return None
    wait = parse_retry_after(headers.get("retry-after"))
    return Failed(failure, f"HTTP {status}", answer=answer, wait=wait)


def outcome(answer: Answer, job_id: str | None, idempotent: bool) -> Any:
    """The envelope's ``data``; or Failed for the policy to weigh; or the APIError of a refusal.
    For a request that must not be repeated (a submit), an answer naming a job is that job
    whatever its status, and a 2xx naming none may still have created one."""
    if not idempotent:
        data = job_data(answer)
        if data is not None:
            return data
    status = effective_status(answer)
    failed = status_failure(status, answer.headers, answer)
    if failed is not None:
        raise failed
    if idempotent or status >= 300:
        return envelope_data(answer, job_id)
    shown = shorten(redact(answer.body.decode("utf-8", "replace")))
    raise Failed(Failure.NO_ANSWER, f"HTTP {status} without a job id: {shown!r}", answer=answer)


def describe_error(error: BaseException) -> str:
    """An exception as one redacted line, without urllib3's object reprs."""
    reason: Any = error
    while reason.args and isinstance(reason.args[0], BaseException):
        reason = reason.args[0]
    if isinstance(reason, urllib3_errors.MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    text = str(reason) or type(reason).__name__
    return shorten(" ".join(redact(text).split()), 200)
