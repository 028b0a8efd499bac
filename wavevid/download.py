"""Downloads of outputs: streamed, resumed with Range requests, length-checked, atomic on disk.

- Output hosts get no ``Authorization`` header (:meth:`Transport.open_stream` sends none).
- The body is read in chunks of ``DOWNLOAD_CHUNK_BYTES``, all within one deadline. To a path it
  goes into ``<path>.part`` next to the target, which is flushed, fsynced and then moved onto the
  target with ``os.replace``: the target is either the old file, untouched, or the whole new one.
- A connection cut, a body ending short of its announced length, a 429 or a 5xx is retried (at
  most ``max_resumes`` times) with ``Range: bytes=<received>-``; a 206 starting there is
  appended, a 200 (the server ignores ranges) starts over from zero.
- Every failure is a :class:`~wavevid.errors.DownloadError` and leaves nothing partial behind.
  Messages and logs show the URL without its query string, where signed URLs keep their secret.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import requests
import urllib3.exceptions as urllib3_errors

from . import errors
from ._answers import describe_error
from ._bodies import iter_body
from ._constants import DOWNLOAD_CHUNK_BYTES, DOWNLOAD_RESUMES
from ._deadline import Deadline, DeadlinePassed
from ._logging import get_logger, redact
from ._retry import Failed, Failure, RetryPolicy, parse_retry_after, retrying
from ._text import shorten
from ._transport import Transport

__all__ = ["ProgressFn", "check_writable", "download_to_bytes", "download_to_path"]

logger = get_logger("wavevid.download")

ProgressFn = Callable[[int, int | None], None]
"""``on_progress(received, total)``: bytes so far, and the expected total (None when unknown)."""

_PART_SUFFIX = ".part"
# Never follow a symbolic link planted where the .part file goes.
_PART_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
_PART_FLAGS |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)

# What reading a body may raise: urllib3 and requests errors come through raw, and so do socket
# errors.
_READ_ERRORS = (
    requests.RequestException,
    urllib3_errors.HTTPError,
    OSError,
)
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)
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


def download_to_path(
    transport: Transport,
    url: str,
    path: str | os.PathLike[str],
    *,
    deadline: Deadline,
    on_progress: ProgressFn | None = None,
    max_resumes: int = DOWNLOAD_RESUMES,
) -> Path:
    """Download ``url`` to the file ``path``, atomically.

    The body streams into ``<path>.part`` in the target's folder (never whole in memory), which
    replaces the target only once every expected byte is written, flushed and fsynced. Folders
    are not created. A ``.part`` left by a killed process is overwritten; two downloads to the
    same path at once are not supported (they would share the ``.part`` file).

    Args:
        transport: makes the requests (without credentials).
        url: an http(s) URL, usually a job's ``outputs[0]``.
        path: the file to write; an existing file is replaced on success only.
        deadline: the whole download, resumes and waits included, ends by then.
        on_progress: called after each chunk with ``(received, total)``; the last call is
            ``(size, size)``. ``received`` goes back only when a server ignoring ranges makes
            the download start over. An exception from it is logged once and ignored;
            ``KeyboardInterrupt`` propagates (and the ``.part`` file is removed).
        max_resumes: how many times a failed transfer is requested again.

    Returns:
        The resolved path of the written file.

    Raises:
        DownloadError: a non-http(s) URL or an unusable path (both before any request); an HTTP
            error; too many failed transfers; the deadline; a length mismatch; a write error.
            The ``.part`` file is removed and an existing target is left as it was.
    """
    _check_url(url)
    target = check_writable(path)
    part = target.with_name(target.name + _PART_SUFFIX)
    shown = _safe_url(url)
    try:
        file = os.fdopen(os.open(part, _PART_FLAGS, 0o666), "wb")
    except OSError as error:
        raise errors.DownloadError(
            f"download of {shown} failed: cannot create {part}: {error.strerror or error}"
        ) from None
    finished = False
    try:
        with file:
            _Download(transport, url, file, deadline, on_progress, max_resumes).run()
            file.flush()
            os.fsync(file.fileno())
        part.replace(target)  # os.replace: atomic within the folder
        finished = True
    except OSError as error:  # the network's OSErrors are handled inside: this is the disk
        raise errors.DownloadError(
            f"download of {shown} failed: cannot write {part}: {error.strerror or error}"
        ) from None
    finally:
        if not finished:
            _remove_quietly(part)
    _sync_folder(target.parent)
    return target


def download_to_bytes(
    transport: Transport,
    url: str,
    *,
    deadline: Deadline,
    on_progress: ProgressFn | None = None,
    max_resumes: int = DOWNLOAD_RESUMES,
) -> bytes:
    """Download ``url`` into memory.

    Args and behaviour as :func:`download_to_path`, without the file.

    Returns:
        The whole body, its length checked against the announced one when there is one.

    Raises:
        DownloadError: as :func:`download_to_path`; nothing partial is returned.
    """
    _check_url(url)
    buffer = io.BytesIO()
    _Download(transport, url, buffer, deadline, on_progress, max_resumes).run()
    return buffer.getvalue()


def fetch(
    transport: Transport,
    url: str,
    target: Path | None,
    *,
    deadline: Deadline,
    on_progress: ProgressFn | None = None,
) -> tuple[bytes | None, Path | None]:
    """The output at ``url``: saved to ``target`` (``(None, path)``), or, without a target,
    held in memory (``(bytes, None)``). Raises as the two functions it stands for."""
    if target is None:
        return download_to_bytes(transport, url, deadline=deadline, on_progress=on_progress), None
    path = download_to_path(transport, url, target, deadline=deadline, on_progress=on_progress)
    return None, path


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Check that a download could be saved at ``path``, before paying for it.

    The target's folder must exist, be a folder and accept a new file (tried by creating and
    removing a temporary file: ``os.access`` is wrong on some filesystems); the target, if it
    exists, must be a regular file. Nothing is created or changed.

    Returns:
        The resolved target path (symbolic links followed).

    Raises:
        DownloadError: saying which of those conditions fails.
    """
    target = Path(path).resolve()
    folder = target.parent
    if target.exists() and not target.is_file():
        kind = "a folder" if target.is_dir() else "not a regular file"
        raise errors.DownloadError(f"cannot save a download as {target}: it is {kind}")
    if not folder.exists():
        raise errors.DownloadError(
            f"cannot save a download as {target}: the folder {folder} does not exist"
        )
    if not folder.is_dir():
        raise errors.DownloadError(f"cannot save a download as {target}: {folder} is not a folder")
    try:
        handle, probe = tempfile.mkstemp(prefix=".wavevid-", suffix=".probe", dir=folder)
        os.close(handle)
        Path(probe).unlink()
    except OSError as error:
        raise errors.DownloadError(
            f"cannot save a download as {target}: cannot write in {folder}"
            f" ({error.strerror or error})"
        ) from None
    return target


# --- the transfer ----------------------------------------------------------------------------


class _Progress:
    """Calls ``on_progress``; its exceptions are logged once and ignored."""

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
        except Exception:
            if not self._failed:
                logger.warning("the download progress callback failed; ignored", exc_info=True)
            self._failed = True

    def finish(self, size: int) -> None:
        if self._last != (size, size):
            self.report(size, size)


class _Download:
    """One download: requests, resumes and the length check, writing into ``sink``."""

    def __init__(
        self,
        transport: Transport,
        url: str,
        sink: BinaryIO,
        deadline: Deadline,
        on_progress: ProgressFn | None,
        max_resumes: int,
    ) -> None:
        self.transport = transport
        self.url = url
        self.shown = _safe_url(url)
        self.sink = sink
        self.deadline = deadline
        self.progress = _Progress(on_progress)
        self.max_resumes = max(0, max_resumes)
        self.received = 0
        self.total: int | None = None
        self.resumable = True  # False when the body is content-encoded: ranges would not match

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
            response = self.transport.open_stream(self.url, deadline=self.deadline, headers=headers)
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
        """Check the status and length headers before reading the body. Raises Failed for a
        status worth another request, DownloadError for any other refusal."""
        status = response.status_code
        if status == 206:
            self._accept_range(response.headers.get("Content-Range"))
            return
        if status == 200:
            if self.received:
                logger.debug("download of %s: the server sent it all again", self.shown)
                self.sink.seek(0)
                self.sink.truncate()
                self.received = 0
            encoding = response.headers.get("Content-Encoding", "").strip().lower()
            if encoding not in ("", "identity"):
                self.resumable = False
                self.total = None
            else:
                self.total = _content_length(response.headers.get("Content-Length"))
            return
        if status == 429 or status >= 500:
            failure = Failure.RATE_LIMITED if status == 429 else Failure.SERVER_ERROR
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise Failed(failure, f"HTTP {status}", wait=retry_after)
        hint = _STATUS_HINTS.get(status)
        raise self._error(f"HTTP {status}" + (f" ({hint})" if hint else ""))

    def _accept_range(self, header: str | None) -> None:
        match = _CONTENT_RANGE.fullmatch((header or "").strip())
        if match is None or int(match.group(1)) != self.received:
            raise self._error(
                f"HTTP 206 with Content-Range {shorten(header or 'missing')!r} where bytes"
                f" from {self.received} were asked for"
            )
        end = int(match.group(2))
        total = end + 1 if match.group(3) == "*" else int(match.group(3))
        if end < self.received or end >= total:
            raise self._error(f"HTTP 206 with an invalid Content-Range {shorten(header or '')!r}")
        if self.total is not None and total != self.total:
            raise self._error(
                f"the file changed on the server: {total} bytes now, {self.total} before"
            )
        self.total = total

    def _take(self, chunk: bytes) -> None:
        size = self.received + len(chunk)
        if self.total is not None and size > self.total:
            raise self._error(f"the body is longer than the {self.total} bytes announced")
        self.sink.write(chunk)
        self.received = size
        self.progress.report(size, self.total)

    def _error(self, what: str) -> errors.DownloadError:
        if self.total is None:
            tally = f"{self.received} bytes received, total unknown"
        else:
            tally = f"{self.received} of {self.total} bytes received"
        message = f"download of {self.shown} failed: {what} ({tally})"
        return errors.DownloadError(" ".join(message.split()))


# --- helpers ---------------------------------------------------------------------------------


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        shown = shorten(redact(url))
        raise errors.DownloadError(f"cannot download {shown!r}: only http(s) URLs are supported")


def _safe_url(url: str) -> str:
    """``url`` without user info, query or fragment, for messages and logs."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return shorten(redact(f"{parts.scheme}://{host}{parts.path}"), 200)


def _content_length(header: str | None) -> int | None:
    values = {value.strip() for value in (header or "").split(",")}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if value.isdigit() else None


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        logger.warning("could not remove %s: %s", path, error)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a failure here loses nothing already written."""
    if os.name != "posix":
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        logger.debug("could not fsync the folder %s", folder)
    finally:
        os.close(handle)
