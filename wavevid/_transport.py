"""HTTP to WaveSpeed: auth, deadlines, the retry policy applied, answers to data or errors.

- Requests go through per-thread sessions (``_sessions``); pooled keep-alive connections serve
  the polls.
- ``Authorization`` goes only to the API's own URLs; downloads and uploads to presigned URLs
  carry none.
- Each request's (connect, read) timeouts are clipped to the caller's deadline, and bodies are
  read chunk by chunk against it, so a server trickling bytes cannot hold a call past it.
- Every request goes out through one method (``_send``, then ``_sending.send``) and every
  retry through ``_retry.retry_steps``: an API call and a submit differ only by the policy they
  pass. A submit is a plan (``_steps``): an async driver waits out its retries on its loop.
- No ``requests`` or ``urllib3`` exception leaves this module: API calls raise errors of
  ``wavevid.errors`` (a passed deadline is ``APIConnectionError``); the single attempts made
  for other hosts (``put``, ``open_stream``) raise ``_retry.Failed`` or ``DeadlinePassed`` for
  their callers' retry loops.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from . import errors
from ._bodies import read_answer
from ._configuration import api_url, check_api_key, check_base_url
from ._constants import API_KEY_ENV, API_KEYS_URL, FRESH_CONNECTION_SECONDS
from ._deadline import Clock, Deadline, DeadlinePassed, reported_as
from ._envelope import Answer, api_error, error_for_status
from ._logging import get_logger, hold_secret, redact
from ._redirects import KEEP_REDIRECTS, no_authorization
from ._retry import Failed, RetryPolicy, outcome, retry_steps
from ._sending import send
from ._sessions import SessionFactory, Sessions
from ._steps import Plan, run
from ._times import server_clock_offset
from ._uncertainty import (
    UNCERTAIN,
    Unanswered,
    annotate_interrupted_submit,
    uncertain_error,
)

__all__ = ["Answer", "Content", "SessionFactory", "Transport", "error_for_status"]

logger = get_logger("wavevid.transport")
get_logger("urllib3.connectionpool")  # it logs request lines, signed query strings included

#: Makes a raw request body (bytes, a file, or a sized iterable of bytes) and its headers.
Content = Callable[[], tuple[Any, Mapping[str, str]]]


class Transport:
    """Requests to the WaveSpeed API and to the output and upload hosts."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        request_timeout: float,
        policy: RetryPolicy,
        submit_policy: RetryPolicy | None = None,
        session_factory: SessionFactory | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``submit_policy`` defaults to ``policy.for_submits()``. Raises ConfigurationError for a
        base URL that is not https (or http to loopback)."""
        self.base_url = check_base_url(base_url)
        self._api_key = check_api_key(api_key)
        hold_secret(self, self._api_key)
        self.request_timeout = request_timeout
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
        """Waits between retries; injectable so tests never sleep."""
        self.submit_policy = submit_policy or policy.for_submits()
        self.sessions = Sessions(session_factory)
        self.clock_offset: float | None = None
        """The server's clock minus ours (seconds), from the last ``Date`` header seen; None
        before any."""

    def __repr__(self) -> str:
        return f"<Transport {self.base_url}>"

    def api_url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        """The URL of an API path (see ``_configuration.api_url``)."""
        return api_url(self.base_url, path, query)

    def close(self) -> None:
        self.sessions.close()

    # --- API calls -----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        deadline: Deadline,
        body: Mapping[str, Any] | None = None,
        content: Content | None = None,
        job_id: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> Any:
        """A request that is safe to repeat (a GET, or a POST that changes nothing billable),
        retried per the policy. Returns the envelope's ``data``.

        Args:
            body: sent as JSON.
            content: instead of ``body``, makes a raw body and its headers for each attempt
                (a retry must send the body again from its start).
            policy: instead of the client's (a job check: no retries, the caller schedules).

        Raises:
            APIError (by status), APIConnectionError (the deadline included),
            ConfigurationError.
        """
        return run(self._request_steps(
            method, self.api_url(path), policy or self.policy, deadline, body=body,
            content=content, job_id=job_id,
        ), self.sleep)

    def submit(self, path: str, body: Mapping[str, Any], **options: Any) -> Any:
        """:meth:`submit_steps` run on this thread: the job's ``data``."""
        return run(self.submit_steps(path, body, **options), self.sleep)

    def submit_steps(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        deadline: Deadline,
        fingerprint: str,
        input_digests: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> Plan[Any]:
        """POST a job, as a plan (``_steps``): the same request as :meth:`call` under the policy
        for submits, sent on a fresh or recently used connection. Returns ``data``, which names
        the job.

        Outcomes, by what the client can know:
        - retried: 408, 429, or a failure while opening the connection (nothing was written);
        - refused (APIError by status, nothing created): any 3xx or 4xx, and a 4xx envelope
          code inside HTTP 200;
        - a job: any answer whose envelope carries ``data.id``, whatever its status;
        - uncertain: any 5xx (gateways answer 502/504 while the job runs), a 5xx envelope code,
          an answer without a readable envelope or ``data.id``, a read timeout, a drop, TLS
          failing after the request began.

        Args:
            fingerprint, input_digests: the caller's digests of ``body``, for an uncertain
                outcome.

        Raises:
            SubmissionUncertainError: the job may exist; never resent.
            APIError (by status), APIConnectionError (not sent, or a refused certificate).
            KeyboardInterrupt: with ``model``, ``fingerprint`` and ``submitted_at`` set on it:
                the job may exist.
        """
        started = dt.datetime.now(dt.timezone.utc)
        try:
            return (yield from self._request_steps(
                "POST", self.api_url(path, query), self.submit_policy, deadline,
                body=body, read_timeout=read_timeout,
            ))
        except Unanswered as unanswered:
            raise uncertain_error(
                path, fingerprint, input_digests, unanswered, self.clock_offset or 0.0
            ) from None
        except KeyboardInterrupt as interrupt:
            annotate_interrupted_submit(interrupt, path, fingerprint, started)
            raise

    def _request_steps(
        self,
        method: str,
        url: str,
        policy: RetryPolicy,
        deadline: Deadline,
        *,
        body: Mapping[str, Any] | None = None,
        content: Content | None = None,
        job_id: str | None = None,
        read_timeout: float | None = None,
    ) -> Plan[Any]:
        sent_at = dt.datetime.now(dt.timezone.utc)

        def attempt(retry: int) -> Any:
            nonlocal sent_at
            if not policy.idempotent:
                self._refresh_stale_connections()
            sent_at = dt.datetime.now(dt.timezone.utc)
            answer = self._api_attempt(method, url, body, content, deadline, read_timeout)
            return outcome(answer, job_id, policy.idempotent)

        def log_retry(failed: Failed, retry: int, wait: float) -> None:
            logger.info(
                "%s %s: %s; retry %d of %d in %.2f s",
                method, url, failed.detail, retry + 1, policy.max_retries, wait,
            )

        try:
            with reported_as(_connection_error):
                return (yield from retry_steps(attempt, policy, deadline, log_retry))
        except Failed as failed:
            answer = failed.answer
            if not policy.idempotent and failed.failure in UNCERTAIN:
                raise Unanswered(failed.detail, sent_at, answer and answer.status) from None
            if answer is not None:
                raise api_error(answer, job_id) from None
            raise errors.APIConnectionError(
                f"{method} {redact(url)}: {failed.detail} (gave up after the allowed retries)"
            ) from None

    def _api_attempt(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None,
        content: Content | None,
        deadline: Deadline,
        read_timeout: float | None,
    ) -> Answer:
        held = self.sessions.current()
        headers = {
            "Authorization": f"Bearer {self._key()}",
            "Accept": "application/json",
            "Accept-Encoding": "identity",  # an answer encoded anyway is decoded within its cap
        }
        data = None
        if content is not None:
            data, content_headers = content()
            headers.update(content_headers)
        started = self.clock()
        try:
            response = self._send(
                method, url, deadline, headers=headers, read_timeout=read_timeout, json=body,
                data=data, allow_redirects=False, hooks=KEEP_REDIRECTS,
            )
            answer = read_answer(response, deadline)
        finally:
            held.api_used_at = self.clock()
        logger.debug(
            "%s %s -> %s in %.3f s", method, url, answer.status, self.clock() - started
        )
        self._note_server_clock(answer)
        return answer

    # --- other hosts ---------------------------------------------------------------------------

    def open_stream(
        self, url: str, *, deadline: Deadline, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        """GET ``url`` without credentials, its body left to read (see ``_bodies.iter_body``).

        No ``Authorization`` header goes out, whatever the session, the URL's user info or a
        ``.netrc`` hold. A redirect is answered as it came, its body unread and not followed:
        ``_redirects.redirect_target`` gives its target.

        Raises:
            Failed: no answer; the caller decides about retrying. DeadlinePassed.
        """
        return self._send(
            "GET", url, deadline, headers=dict(headers or {}), what="cannot download",
            allow_redirects=False, hooks=KEEP_REDIRECTS, auth=no_authorization,
        )

    def put(
        self, url: str, data: Any, *, headers: Mapping[str, str], deadline: Deadline
    ) -> Answer:
        """PUT ``data`` (bytes or a binary stream) to a presigned URL, without credentials.

        Raises:
            Failed: the upload did not complete. DeadlinePassed.
        """
        response = self._send(
            "PUT", url, deadline, headers=dict(headers), data=data, what="upload failed",
            allow_redirects=False, hooks=KEEP_REDIRECTS, auth=no_authorization,
        )
        return read_answer(response, deadline)

    # --- one request ---------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        deadline: Deadline,
        *,
        headers: dict[str, str],
        read_timeout: float | None = None,
        what: str | None = None,
        **options: Any,
    ) -> requests.Response:
        """The one way a request goes out: this thread's session, ``_sending.send``."""
        return send(self.sessions.current().session, method, url, deadline,
                    read_timeout or self.request_timeout, headers=headers, what=what, **options)

    def _key(self) -> str:
        if not self._api_key:
            raise errors.ConfigurationError(
                f"no API key: pass Client(api_key=...) or set {API_KEY_ENV}"
                f" (keys: {API_KEYS_URL})", missing="api_key",
            )
        return self._api_key

    def _note_server_clock(self, answer: Answer) -> None:
        offset = server_clock_offset(answer.headers.get("date", ""))
        if offset is not None:
            self.clock_offset = offset

    def _refresh_stale_connections(self) -> None:
        held = self.sessions.current()
        if self.clock() - held.api_used_at > FRESH_CONNECTION_SECONDS:
            # A connection idle this long may be closing on the server's side right now; a
            # submit sent on it could be lost with no way to tell whether it was accepted.
            held.session.close()


def _connection_error(passed: DeadlinePassed) -> errors.APIConnectionError:
    return errors.APIConnectionError(str(passed))
