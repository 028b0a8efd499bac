"""One download's transfer into a sink (a ``.part`` file or a buffer: ``download`` owns those).

- Requests carry no credentials; redirects are followed by ``_output_urls``, never by requests.
- The body is read decoded, in chunks of ``DOWNLOAD_CHUNK_BYTES``, all within one deadline, and
  counted against a size limit in decoded bytes: an announced length over it fails before the
  body is read, a longer body (an endless chunked one, a decompression bomb) as it passes it.
- A connection cut, a body ending short of its announced length, a 429 or a 5xx is retried (at
  most ``max_resumes`` times) with ``Range: bytes=<received>-``; a 206 starting there is
  appended, a 200 (the server ignores ranges) starts over from zero. A content-encoded body
  always starts over: Range offsets count encoded bytes, which were never written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import BinaryIO

import requests
import urllib3.exceptions as urllib3_errors

from . import errors
from ._bodies import content_codings, iter_body, undecodable
from ._constants import DOWNLOAD_CHUNK_BYTES
from ._deadline import Deadline, DeadlinePassed
from ._logging import get_logger
from ._output_urls import RedirectRefused, open_following, safe_url
from ._retry import (
    OTHER_HOST_RETRIED_STATUSES,
    Failed,
    Failure,
    RetryPolicy,
    describe_error,
    retrying,
    status_failure,
)
from ._short_text import shorten
from ._transport import Transport
from .jobs import Stopped

logger = get_logger("wavevid.download")

ProgressFn = Callable[[int, int | None], None]
"""``on_progress(received, total)``: bytes so far, and the expected total (None when unknown)."""

# What reading a body may raise: urllib3 and requests errors come through raw, and so do socket
# errors.
_READ_ERRORS = (
    requests.RequestException,
    urllib3_errors.HTTPError,
    OSError,
)
_CONTENT_RANGE = re.compile(r"bytes\s+([0-9]+)-([0-9]+)/([0-9]+|\*)", re.IGNORECASE)
# Byte counts in headers have at most this many digits (2**63 - 1, the largest file size an
# operating system reports, has 19): longer ones are invalid, never a giant int.
_MAX_COUNT_DIGITS = 19
_EXPIRED_HINT = (
    "output URLs are temporary: WaveSpeed deletes outputs after 7 days, and an output host"
    " answering 403 or 404 usually means the URL has expired"
)
_STATUS_HINTS = {
    401: "the output host asks for credentials; wavevid never sends it the API key",
    403: _EXPIRED_HINT,
    404: _EXPIRED_HINT,
    410: _EXPIRED_HINT,
}


@dataclass(frozen=True)
class SizeLimit:
    """The most decoded bytes a download may have, and the setting that changes it."""

    max_bytes: int
    setting: str


class _Progress:
    """Calls ``on_progress``; its exceptions are logged once and ignored, except Stopped (a
    batch interrupted: the download must end)."""

    def __init__(self, callback: ProgressFn | None) -> None:
        self._callback = callback
        self._last: tuple[int, int | None] | None = None
        self._failed = False

    def report(self, received: int, total: int | None) -> None:
        if self._callback is None:
            return
        self._last = (received, total)
        try:
            self._callback(received, total)
        except Stopped:
            raise
        except Exception:
            if not self._failed:
                logger.warning("the download progress callback failed; ignored", exc_info=True)
            self._failed = True

    def finish(self, size: int) -> None:
        if self._last != (size, size):
            self.report(size, size)


class Transfer:
    """One download: requests, resumes, the length and size checks, writing into ``sink``."""

    def __init__(
        self,
        transport: Transport,
        url: str,
        sink: BinaryIO,
        *,
        deadline: Deadline,
        on_progress: ProgressFn | None,
        max_resumes: int,
        limit: SizeLimit,
    ) -> None:
        self.transport = transport
        self.url = url
        self.shown = safe_url(url)
        self.sink = sink
        self.deadline = deadline
        self.progress = _Progress(on_progress)
        self.max_resumes = max(0, max_resumes)
        self.limit = limit
        self.received = 0
        self.total: int | None = None
        self.resumable = True  # False once a body came content-encoded: ranges would not match

    def run(self) -> None:
        """Transfer the whole body into the sink. Raises DownloadError."""
        policy = replace(self.transport.policy, max_retries=self.max_resumes)
        try:
            retrying(self._attempt, policy, self.deadline, self.transport.sleep, self._log_resume)
        except Failed as failed:
            raise self._error(self._gave_up(failed, policy)) from None
        self.progress.finish(self.received)

    def _gave_up(self, failed: Failed, policy: RetryPolicy) -> str:
        if self.deadline.expired:
            return f"the deadline ({self.deadline.seconds:g} s) passed: {failed.detail}"
        if failed.retries >= self.max_resumes:
            return f"{failed.detail}; gave up after {failed.retries} resumes"
        wait = policy.delay(failed.retries, failed.wait)
        return f"{failed.detail}; waiting {wait:g} s to retry would pass the deadline"

    def _log_resume(self, failed: Failed, retry: int, wait: float) -> None:
        logger.debug(
            "download of %s: %s; resume %d of %d from byte %d in %.2f s",
            self.shown, failed.detail, retry + 1, self.max_resumes, self.received, wait,
        )

    def _attempt(self, retry: int) -> None:
        """One request, writing what arrives. Raises Failed when another request may finish
        the body, DownloadError when none can."""
        start = self.received if self.resumable else 0
        headers = {"Accept-Encoding": "identity"}  # byte counts and ranges on the stored file
        if start:
            headers["Range"] = f"bytes={start}-"
        try:
            response = open_following(
                self.transport, self.url, deadline=self.deadline, headers=headers
            )
        except RedirectRefused as refused:
            raise self._error(refused.detail) from None
        except errors.ConfigurationError as error:  # a URL no request can be made for
            raise self._error(str(error)) from None
        except DeadlinePassed as passed:
            raise Failed(Failure.NO_ANSWER, str(passed)) from None
        except Failed as failed:
            failed.wait = 0.0  # nothing came back: ask again at once
            raise
        with response:
            self._accept(response)
            chunks = iter_body(response, self.deadline, DOWNLOAD_CHUNK_BYTES)
            while True:
                try:
                    chunk = next(chunks, None)
                except DeadlinePassed as passed:
                    raise Failed(Failure.NO_ANSWER, str(passed), wait=0.0) from None
                except urllib3_errors.DecodeError as error:
                    codings = ", ".join(content_codings(response.headers))
                    raise self._error(
                        f"the body cannot be decoded from {shorten(codings)}"
                        f" ({describe_error(error)})"
                    ) from None
                except _READ_ERRORS as error:
                    raise Failed(
                        Failure.NO_ANSWER, f"the connection broke ({describe_error(error)})",
                        wait=0.0,
                    ) from None
                if chunk is None:
                    break
                self._take(chunk)  # outside the try: a disk error is not a network error
        if self.total is not None and self.received < self.total:
            raise Failed(
                Failure.NO_ANSWER, f"the body ended {self.total - self.received} bytes short",
                wait=0.0,
            )

    def _accept(self, response: requests.Response) -> None:
        """Check the status, encoding and length headers before reading the body. Raises
        Failed for a status worth another request, DownloadError for any other refusal."""
        status = response.status_code
        if status == 206:
            if content_codings(response.headers):
                self.resumable = False
                raise Failed(
                    Failure.NO_ANSWER, "a resumed part came content-encoded; starting over",
                    wait=0.0,
                )
            self._accept_range(response.headers.get("Content-Range"))
            self._check_announced(self.total)
            return
        if status == 200:
            if self.received:
                logger.debug("download of %s: the server sent it all again", self.shown)
                self.sink.seek(0)
                self.sink.truncate()
                self.received = 0
            if content_codings(response.headers):
                coding = undecodable(response.headers)
                if coding is not None:
                    raise self._error(
                        f"the body is in content-encoding {shorten(coding)!r},"
                        " which cannot be decoded"
                    )
                self.resumable = False
                self.total = None  # Content-Length counts encoded bytes
            else:
                self.total = _content_length(response.headers.get("Content-Length"))
                self._check_announced(self.total)
            return
        failed = status_failure(status, response.headers, retried=OTHER_HOST_RETRIED_STATUSES)
        if failed is not None:
            raise failed
        hint = _STATUS_HINTS.get(status)
        raise self._error(f"HTTP {status}" + (f" ({hint})" if hint else ""))

    def _accept_range(self, header: str | None) -> None:
        match = _CONTENT_RANGE.fullmatch((header or "").strip())
        start, end, size = (_byte_count(part) for part in match.groups()) if match else [None] * 3
        if start is None or end is None or start != self.received:
            raise self._error(
                f"HTTP 206 with Content-Range {shorten(header or 'missing')!r} where bytes"
                f" from {self.received} were asked for"
            )
        total = end + 1 if match is not None and match.group(3) == "*" else size
        if total is None or end < self.received or end >= total:
            raise self._error(f"HTTP 206 with an invalid Content-Range {shorten(header or '')!r}")
        if self.total is not None and total != self.total:
            raise self._error(
                f"the file changed on the server: {total} bytes now, {self.total} before"
            )
        self.total = total

    def _check_announced(self, total: int | None) -> None:
        if total is not None and total > self.limit.max_bytes:
            raise self._error(f"{total} bytes announced, {self._over_limit()}")

    def _take(self, chunk: bytes) -> None:
        size = self.received + len(chunk)
        if self.total is not None and size > self.total:
            raise self._error(f"the body is longer than the {self.total} bytes announced")
        if size > self.limit.max_bytes:
            raise self._error(f"the body goes on: {self._over_limit()}")
        self.sink.write(chunk)
        self.received = size
        self.progress.report(size, self.total)

    def _over_limit(self) -> str:
        return f"more than the limit of {self.limit.max_bytes} bytes ({self.limit.setting})"

    def _error(self, what: str) -> errors.DownloadError:
        if self.total is None:
            tally = f"{self.received} bytes received, total unknown"
        else:
            tally = f"{self.received} of {self.total} bytes received"
        message = f"download of {self.shown} failed: {what} ({tally})"
        return errors.DownloadError(" ".join(message.split()))


def _content_length(header: str | None) -> int | None:
    values = {value.strip() for value in (header or "").split(",")}
    if len(values) != 1:
        return None
    return _byte_count(values.pop())


def _byte_count(text: str) -> int | None:
    """A byte count or offset from a header: ASCII digits only (``isdigit`` alone takes "²"),
    at most ``_MAX_COUNT_DIGITS``; None for anything else."""
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_COUNT_DIGITS:
        return None
    return int(text)
