"""HTTP to WaveSpeed: auth, deadlines, the retry policy applied, answers to data or errors.

- Requests go through per-thread sessions (``_sessions``); pooled keep-alive connections serve
  the polls.
- ``Authorization`` goes only to the API's own URLs; downloads and uploads to presigned URLs
  carry none.
- Each request's (connect, read) timeouts are clipped to the caller's deadline, and bodies are
  read chunk by chunk against it, so a server trickling bytes cannot hold a call past it.
- No ``requests`` or ``urllib3`` exception leaves this module: every failure is an error of
  ``wavevid.errors``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import requests
import urllib3.exceptions as urllib3_errors

from . import errors
from ._answers import (
    Answer,
    api_error,
    classify,
    describe_error,
    effective_status,
    error_for_status,
    parse_json,
)
from ._constants import (
    API_PREFIX,
    CONNECT_TIMEOUT,
    FRESH_CONNECTION_SECONDS,
    MAX_JSON_BYTES,
    READ_CHUNK_BYTES,
)
from ._deadline import Clock, Deadline
from ._logging import get_logger, redact, register_secret
from ._retry import Failure, RetryPolicy, parse_retry_after
from ._sessions import SessionFactory, Sessions
from .payload import fingerprint

__all__ = ["Answer", "Content", "SessionFactory", "Transport", "error_for_status", "iter_body"]

logger = get_logger("wavevid.transport")
get_logger("urllib3.connectionpool")  # it logs request lines, signed query strings included

#: Makes a raw request body (bytes, a file, or a sized iterable of bytes) and its headers.
Content = Callable[[], tuple[Any, Mapping[str, str]]]

class _Failed(Exception):
    """One attempt failed in a way the retry policy decides about."""

    def __init__(self, failure: Failure, detail: str, answer: Answer | None = None) -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = detail
        self.answer = answer


class Transport:
    """Requests to the WaveSpeed API and to the output and upload hosts."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str,
        request_timeout: float,
        policy: RetryPolicy,
        session_factory: SessionFactory | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Raises ConfigurationError for a base URL that is not https (or http to loopback)."""
        self.base_url = check_base_url(base_url)
        self._api_key = check_api_key(api_key)
        register_secret(api_key)
        self.request_timeout = request_timeout
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
        """Waits between retries; injectable so tests never sleep."""
        self.sessions = Sessions(session_factory)

    def __repr__(self) -> str:
        return f"<Transport {self.base_url}>"

    def api_url(self, path: str) -> str:
        """The URL of an API path (``predictions/ID/result``), its segments kept unescaped."""
        return f"{self.base_url}{API_PREFIX}/{quote(path.strip('/'), safe='/-_.~')}"

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
    ) -> Any:
        """A request that is safe to repeat (a GET, or a POST that changes nothing billable),
        retried per the policy. Returns the envelope's ``data``.

        Args:
            body: sent as JSON.
            content: instead of ``body``, makes a raw body and its headers for each attempt
                (a retry must send the body again from its start).

        Raises:
            APIError (by status), APIConnectionError, ConfigurationError.
        """
        url = self.api_url(path)
        retry = 0
        while True:
            try:
                answer = self._api_attempt(method, url, body, deadline, content=content)
                return self._envelope_data(answer, job_id)
            except _Failed as failed:
                wait = self._wait_before_retry(failed, retry, deadline, submit=False)
                if wait is None:
                    self._give_up(failed, method, url, job_id)
                self._log_retry(method, url, failed, retry, wait)
                self.sleep(wait)
                retry += 1

    def submit(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        deadline: Deadline,
        query: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        """POST a job. Retried only when the server provably did not accept it (429, or no
        connection); sent on a fresh or recently used connection. Returns ``data``.

        Raises:
            SubmissionUncertainError: the request went out and no answer came back.
            APIError (by status; a 5xx is ServerError, not retried), APIConnectionError.
        """
        url = self.api_url(path)
        if query:
            url += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        retry = 0
        while True:
            self._refresh_stale_connections()
            submitted_at = dt.datetime.now(dt.timezone.utc)
            try:
                answer = self._api_attempt("POST", url, body, deadline, read_timeout)
                return self._envelope_data(answer, None)
            except _Failed as failed:
                if failed.failure is Failure.NO_ANSWER:
                    raise self._uncertain(path, body, submitted_at, failed) from None
                wait = self._wait_before_retry(failed, retry, deadline, submit=True)
                if wait is None:
                    self._give_up(failed, "POST", url, None)
                self._log_retry("POST", url, failed, retry, wait)
                self.sleep(wait)
                retry += 1

    # --- other hosts ---------------------------------------------------------------------------

    def open_stream(
        self, url: str, *, deadline: Deadline, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        """GET ``url`` without credentials, its body left to read (see :func:`iter_body`).

        Raises:
            APIConnectionError: no answer; the caller decides about retrying.
        """
        session = self.sessions.current().session
        try:
            return session.get(
                url, headers=dict(headers or {}), timeout=self._timeouts(deadline), stream=True
            )
        except requests.RequestException as error:
            raise errors.APIConnectionError(f"cannot download: {describe_error(error)}") from None

    def put(
        self, url: str, data: Any, *, headers: Mapping[str, str], deadline: Deadline
    ) -> Answer:
        """PUT ``data`` (bytes or a binary stream) to a presigned URL, without credentials.

        Raises:
            APIConnectionError: the upload did not complete.
        """
        session = self.sessions.current().session
        try:
            with session.put(
                url, data=data, headers=dict(headers), timeout=self._timeouts(deadline),
                stream=True,
            ) as response:
                return Answer(response.status_code, response.headers, _read_all(response, deadline))
        except (requests.RequestException, urllib3_errors.HTTPError, OSError) as error:
            raise errors.APIConnectionError(f"upload failed: {describe_error(error)}") from None

    # --- one attempt ---------------------------------------------------------------------------

    def _api_attempt(
        self,
        method: str,
        url: str,
        body: Mapping[str, Any] | None,
        deadline: Deadline,
        read_timeout: float | None = None,
        content: Content | None = None,
    ) -> Answer:
        held = self.sessions.current()
        headers = {"Authorization": f"Bearer {self._key()}", "Accept": "application/json"}
        data = None
        if content is not None:
            data, content_headers = content()
            headers.update(content_headers)
        started = self.clock()
        try:
            response = held.session.request(
                method,
                url,
                json=body,
                data=data,
                headers=headers,
                timeout=self._timeouts(deadline, read_timeout),
                stream=True,
                allow_redirects=False,
            )
            with response:
                received = _read_all(response, deadline)
            answer = Answer(response.status_code, response.headers, received)
        except requests.exceptions.SSLError as error:
            raise errors.APIConnectionError(f"TLS failed: {describe_error(error)}") from None
        except requests.exceptions.InvalidURL as error:
            raise errors.ConfigurationError(f"bad URL: {describe_error(error)}") from None
        except (requests.RequestException, urllib3_errors.HTTPError, OSError) as error:
            raise _Failed(classify(error), describe_error(error)) from None
        finally:
            held.api_used_at = self.clock()
        logger.debug(
            "%s %s -> %s in %.3f s", method, redact(url), answer.status, self.clock() - started
        )
        status = effective_status(answer)
        if status == 429:
            raise _Failed(Failure.RATE_LIMITED, "HTTP 429", answer)
        if status >= 500:
            raise _Failed(Failure.SERVER_ERROR, f"HTTP {status}", answer)
        return answer

    def _timeouts(
        self, deadline: Deadline, read_timeout: float | None = None
    ) -> tuple[float, float]:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise errors.APIConnectionError(f"the deadline ({deadline.seconds:g} s) has passed")
        read = read_timeout or self.request_timeout
        return (min(CONNECT_TIMEOUT, remaining), min(read, remaining))

    def _key(self) -> str:
        if not self._api_key:
            raise errors.ConfigurationError(
                "no API key: pass Client(api_key=...) or set WAVESPEED_API_KEY"
                " (keys: https://wavespeed.ai/accesskey)"
            )
        return self._api_key

    def _refresh_stale_connections(self) -> None:
        held = self.sessions.current()
        if self.clock() - held.api_used_at > FRESH_CONNECTION_SECONDS:
            # A connection idle this long may be closing on the server's side right now; a
            # submit sent on it could be lost with no way to tell whether it was accepted.
            held.session.close()

    # --- outcomes ------------------------------------------------------------------------------

    def _wait_before_retry(
        self, failed: _Failed, retry: int, deadline: Deadline, *, submit: bool
    ) -> float | None:
        retry_after = None
        if failed.answer is not None:
            retry_after = parse_retry_after(failed.answer.headers.get("retry-after"))
        return self.policy.next_wait(
            failed.failure, retry, submit=submit, remaining=deadline.remaining(),
            retry_after=retry_after,
        )

    def _log_retry(self, method: str, url: str, failed: _Failed, retry: int, wait: float) -> None:
        logger.info(
            "%s %s: %s; retry %d of %d in %.2f s",
            method, redact(url), failed.detail, retry + 1, self.policy.max_retries, wait,
        )

    def _give_up(self, failed: _Failed, method: str, url: str, job_id: str | None) -> NoReturn:
        if failed.answer is not None:
            raise api_error(failed.answer, job_id)
        raise errors.APIConnectionError(
            f"{method} {redact(url)}: {failed.detail} (gave up after the allowed retries)"
        )

    def _uncertain(
        self, path: str, body: Mapping[str, Any], submitted_at: dt.datetime, failed: _Failed
    ) -> errors.SubmissionUncertainError:
        digest = fingerprint(body)
        logger.warning(
            "submit to %s may have been accepted (%s); fingerprint %s",
            path, failed.detail, digest,
        )
        return errors.SubmissionUncertainError(
            f"the submit to {path} may have been accepted and billed ({failed.detail}); it was"
            " not retried. Client.find_submission(error) looks for the job.",
            model=path,
            fingerprint=digest,
            submitted_at=submitted_at,
        )

    def _envelope_data(self, answer: Answer, job_id: str | None) -> Any:
        envelope = parse_json(answer, job_id)
        if answer.status >= 300 or effective_status(answer, envelope) >= 300:
            raise api_error(answer, job_id)
        if not isinstance(envelope, Mapping) or "data" not in envelope:
            raise errors.APIError(
                "the answer has no envelope data", status_code=answer.status,
                request_id=answer.request_id, job_id=job_id,
            )
        return envelope["data"]


def check_api_key(api_key: str | None) -> str | None:
    """The key without surrounding whitespace (a pasted newline). Raises ConfigurationError,
    without the key, when whitespace remains inside it."""
    if api_key is None:
        return None
    key = api_key.strip()
    if any(character.isspace() for character in key):
        raise errors.ConfigurationError(
            "the API key contains whitespace or a line break: check how it was copied"
        )
    return key or None


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash. Raises ConfigurationError unless it is https, or
    http to a loopback host (a local fake or proxy), without credentials in it."""
    parts = urlsplit(base_url.strip())
    if parts.username is not None or parts.password is not None:
        raise errors.ConfigurationError(
            "the base URL must not carry credentials; the API key goes in api_key"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = f"{parts.scheme}://{parts.hostname}" if parts.hostname else "that"
        raise errors.ConfigurationError(f"bad base URL ({shown}): expected https://host")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise errors.ConfigurationError(
            f"refusing plain http to {parts.hostname}: the API key would cross the network"
            " unencrypted (http is allowed to loopback hosts only)"
        )
    if parts.query or parts.fragment:
        raise errors.ConfigurationError("the base URL must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def iter_body(
    response: requests.Response, deadline: Deadline, chunk_bytes: int = READ_CHUNK_BYTES
) -> Iterator[bytes]:
    """The body in chunks as they arrive; stops with APIConnectionError at the deadline.

    Each read waits at most one read timeout (clipped to the deadline when the request was
    made), and the deadline is checked between reads.
    """
    raw = response.raw
    while True:
        if deadline.expired:
            raise errors.APIConnectionError(
                f"the answer was still arriving when the deadline ({deadline.seconds:g} s) passed"
            )
        chunk = raw.read1(chunk_bytes, decode_content=True)
        if not chunk:
            return
        yield chunk


def _read_all(response: requests.Response, deadline: Deadline) -> bytes:
    chunks, size = [], 0
    try:
        for chunk in iter_body(response, deadline):
            size += len(chunk)
            if size > MAX_JSON_BYTES:
                raise _Failed(Failure.NO_ANSWER, f"answer larger than {MAX_JSON_BYTES} bytes")
            chunks.append(chunk)
    except errors.APIConnectionError as error:
        raise _Failed(Failure.NO_ANSWER, str(error)) from None
    return b"".join(chunks)
