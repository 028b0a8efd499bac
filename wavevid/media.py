"""Uploads of local media: a ``pathlib.Path``, bytes, or a binary file object -> a URL that a
model accepts as input.

The media rule: a ``str`` is always a URL and is never read as a file name, so a form field
passed through a web view can never make the server upload its own files. A local file must
be a path-like object (``pathlib.Path``), bytes, or a binary file object.

Nothing is read whole into memory: files are streamed from disk in chunks, bytes are sent as
they are, and a stream that cannot seek is spooled to a temporary file to learn its size.

The flow is WaveSpeed's upload ticket: ``POST media/uploads`` with the file's name, size and
content type, then a ``PUT`` of the bytes to the presigned URL it returns, with exactly the
headers it names and no ``Authorization``. Where the ticket endpoint is missing (HTTP 404 or
405), the documented ``POST media/upload/binary`` multipart form is used instead, and that
transport keeps using it.
"""

from __future__ import annotations

import io
import itertools
import json
import mimetypes
import os
import re
import stat
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any, BinaryIO, TypeAlias

from urllib3.fields import RequestField

from . import errors
from ._constants import UPLOAD_CHUNK_BYTES, UPLOAD_SPOOL_MEMORY_BYTES, UPLOAD_TIMEOUT
from ._deadline import Deadline
from ._logging import get_logger, redact
from ._retry import Failure, parse_retry_after
from ._text import shorten
from ._transport import Answer, Transport, error_for_status

logger = get_logger("wavevid.media")

#: What :func:`upload` accepts. A ``str`` is not a local file: it is a URL.
MediaSource: TypeAlias = os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO

_TICKET_PATH = "media/uploads"
_MULTIPART_PATH = "media/upload/binary"
# A ticket endpoint answering these does not exist on that server (or not for POST).
_MISSING_STATUSES = frozenset({404, 405})
_FALLBACK_TYPE = "application/octet-stream"
# Enough leading bytes to recognise every format in _sniff (EBML's DocType comes latest).
_HEAD_BYTES = 64


_without_tickets: weakref.WeakSet[Transport] = weakref.WeakSet()
_without_tickets_lock = threading.Lock()


def upload(
    transport: Transport,
    source: MediaSource,
    *,
    deadline: Deadline | None = None,
    filename: str | None = None,
    content_type: str | None = None,
) -> str:
    """Upload local media and return the URL to pass as a model input.

    Args:
        transport: the client's transport (auth, retries, sessions).
        source: a path-like object (``pathlib.Path``), ``bytes``, ``bytearray``,
            ``memoryview``, or a binary file object. A seekable file is sent from its current
            position to its end, and its position is restored afterwards; a stream that cannot
            seek (a pipe, a socket) is read to its end first.
        deadline: for the whole upload, retries included; default ``UPLOAD_TIMEOUT`` seconds.
        filename: the name the server records; default: the path's name, else the file
            object's ``name``, else ``upload`` with an extension recognised from the content.
        content_type: default: guessed from the file name, else recognised from the content,
            else ``application/octet-stream``.

    Returns:
        The uploaded file's ``download_url``.

    Raises:
        TypeError: ``source`` is a ``str`` (a URL, never a file name), a text-mode file, or
            not media at all.
        ValueError: the path does not exist, is not a regular file, or the source is empty;
            the file ended before the size it announced.
        OSError: reading the local file failed.
        APIError: by status, for the ticket, the PUT or the multipart upload; also for an
            answer that does not follow the protocol.
        APIConnectionError: the network failed after the allowed retries, or the deadline
            passed.
        ConfigurationError: no API key.
    """
    for option, value in (("filename", filename), ("content_type", content_type)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{option} must be a str, not {type(value).__name__}")
    if deadline is None:
        deadline = Deadline(UPLOAD_TIMEOUT, transport.clock)
    payload = _open(source, deadline)
    try:
        if payload.size == 0:
            raise ValueError(f"nothing to upload: {payload.what} is empty")
        sniffed = _sniff(payload.head)
        name = filename or payload.name or "upload" + (sniffed[0] if sniffed else "")
        kind = content_type or _guess_type(name) or (sniffed[1] if sniffed else _FALLBACK_TYPE)
        logger.debug("uploading %s: %d bytes of %s", name, payload.size, kind)
        try:
            return _send(transport, payload, name, kind, deadline)
        except _DeadlinePassed:
            raise errors.APIConnectionError(
                f"the upload of {name} did not finish within its deadline"
                f" ({deadline.seconds:g} s)"
            ) from None
        except _SourceFailed as failed:
            raise failed.error from None
    finally:
        payload.close()


# --- the protocol --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ticket:
    url: str
    headers: dict[str, str]
    download_url: str


def _send(transport: Transport, payload: _Payload, name: str, kind: str, deadline: Deadline) -> str:
    with _without_tickets_lock:
        ticketless = transport in _without_tickets
    if not ticketless:
        ticket = _request_ticket(transport, payload.size, name, kind, deadline)
        if ticket is not None:
            _put(transport, ticket, payload, deadline)
            logger.debug("uploaded %s -> %s", name, redact(ticket.download_url))
            return ticket.download_url
    return _post_multipart(transport, payload, name, kind, deadline)


def _request_ticket(
    transport: Transport, size: int, name: str, kind: str, deadline: Deadline
) -> _Ticket | None:
    """The ticket for one PUT; None when this server has no ticket endpoint (remembered)."""
    body = {"filename": name, "size": size, "content_type": kind}
    try:
        data = transport.call("POST", _TICKET_PATH, deadline=deadline, body=body)
    except errors.APIError as error:
        if error.status_code not in _MISSING_STATUSES:
            raise
        with _without_tickets_lock:
            _without_tickets.add(transport)
        logger.info(
            "%s has no upload ticket endpoint (HTTP %d); using %s from now on",
            transport.base_url, error.status_code, _MULTIPART_PATH,
        )
        return None
    upload = data.get("upload") if isinstance(data, Mapping) else None
    if not isinstance(upload, Mapping):
        raise _protocol_error("the upload ticket has no 'upload' object")
    method = upload.get("method", "PUT")
    if not isinstance(method, str) or method.upper() != "PUT":
        raise _protocol_error(f"the upload ticket asks for method {method!r}; only PUT is known")
    url = upload.get("url")
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        raise _protocol_error("the upload ticket has no http(s) 'url'")
    headers = upload.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(
        isinstance(value, (str, int)) and not isinstance(value, bool) for value in headers.values()
    ):
        raise _protocol_error("the upload ticket's 'headers' are not a mapping of strings")
    return _Ticket(url, {str(k): str(v) for k, v in headers.items()}, _download_url(data))


def _put(transport: Transport, ticket: _Ticket, payload: _Payload, deadline: Deadline) -> None:
    """PUT the bytes with exactly the ticket's headers; connection failures, 429 and 5xx are
    retried per the transport's policy, each retry sending the body again from its start."""
    conditional = any(
        key.lower() == "if-none-match" and value.strip() == "*"
        for key, value in ticket.headers.items()
    )
    retry = 0
    while True:
        body = _Stream(lambda: payload.chunks(deadline), payload.size)
        answer: Answer | None = None
        try:
            answer = transport.put(ticket.url, body, headers=ticket.headers, deadline=deadline)
        except errors.APIConnectionError as error:
            failure, detail = Failure.NO_ANSWER, str(error)
        else:
            logger.debug("PUT %s -> %d", redact(ticket.url), answer.status)
            if 200 <= answer.status < 300:
                return
            if answer.status == 412 and conditional and retry > 0:
                # An earlier attempt stored the file but its answer was lost: with
                # If-None-Match: *, the store refuses to overwrite what is already there.
                logger.debug("PUT %s: already stored by an earlier attempt", redact(ticket.url))
                return
            if answer.status == 429:
                failure = Failure.RATE_LIMITED
            elif answer.status >= 500:
                failure = Failure.SERVER_ERROR
            else:
                raise _put_error(ticket.url, answer)
            detail = f"HTTP {answer.status}"
        retry_after = None
        if answer is not None:
            retry_after = parse_retry_after(answer.headers.get("retry-after"))
        wait = transport.policy.next_wait(
            failure, retry, submit=False, remaining=deadline.remaining(), retry_after=retry_after
        )
        if wait is None:
            if answer is not None:
                raise _put_error(ticket.url, answer)
            raise errors.APIConnectionError(
                f"PUT {redact(ticket.url)}: {detail} (gave up after {retry} retries)"
            )
        logger.info(
            "PUT %s: %s; retry %d of %d in %.2f s",
            redact(ticket.url), detail, retry + 1, transport.policy.max_retries, wait,
        )
        transport.sleep(wait)
        retry += 1


def _post_multipart(
    transport: Transport, payload: _Payload, name: str, kind: str, deadline: Deadline
) -> str:
    """The documented upload: one multipart/form-data field ``file``, streamed."""
    boundary = f"wavevid-{uuid.uuid4().hex}"
    field = RequestField(name="file", data=b"", filename=name)
    field.make_multipart(content_type=kind)
    preamble = f"--{boundary}\r\n{field.render_headers()}".encode()
    closing = f"\r\n--{boundary}--\r\n".encode()
    length = len(preamble) + payload.size + len(closing)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    def parts() -> Iterator[bytes | memoryview]:
        return itertools.chain((preamble,), payload.chunks(deadline), (closing,))

    def content() -> tuple[_Stream, dict[str, str]]:
        return _Stream(parts, length), headers  # made anew for each attempt

    data = transport.call("POST", _MULTIPART_PATH, deadline=deadline, content=content)
    url = _download_url(data)
    logger.debug("uploaded %s (multipart) -> %s", name, redact(url))
    return url


def _download_url(data: Any) -> str:
    url = data.get("download_url") if isinstance(data, Mapping) else None
    if not isinstance(url, str) or not url:
        raise _protocol_error("the upload answer has no 'download_url'")
    return url


def _protocol_error(message: str) -> errors.APIError:
    return errors.APIError(message, status_code=200)


def _put_error(url: str, answer: Answer) -> errors.APIError:
    message = f"the upload to {url} failed: {_answer_message(answer)}"
    return error_for_status(answer.status, message, answer)


def _answer_message(answer: Answer) -> str:
    """The storage host's reason: a JSON ``message``, an XML ``<Message>``, else the text."""
    text = answer.body.decode("utf-8", "replace")
    try:
        envelope = json.loads(text)
    except ValueError:
        envelope = None
    if isinstance(envelope, Mapping):
        for key in ("message", "error", "detail"):
            if isinstance(envelope.get(key), str) and envelope[key]:
                return shorten(envelope[key], 300)
    found = re.search(r"<Message>(.*?)</Message>", text, re.DOTALL)
    return shorten((found.group(1) if found else text).strip(), 300) or f"HTTP {answer.status}"


class _Stream:
    """A request body that ``requests`` streams with a Content-Length: a sized iterable whose
    every iteration starts again from the first byte."""

    def __init__(self, parts: Callable[[], Iterator[bytes | memoryview]], length: int) -> None:
        self._parts = parts
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes | memoryview]:
        return self._parts()


# --- local sources -------------------------------------------------------------------------------


class _DeadlinePassed(Exception):
    """Raised from inside a body being sent; deliberately not an OSError, so that neither the
    transport nor urllib3 mistakes it for a network failure to retry."""


class _SourceFailed(Exception):
    """Reading the local source failed while sending; carries the error to raise instead."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _check(deadline: Deadline) -> None:
    if deadline.expired:
        raise _DeadlinePassed


class _Payload:
    """A local source, opened: its size, a name, its first bytes, and its bytes from the start
    as often as an attempt needs them."""

    def __init__(self, size: int, name: str | None, head: bytes, what: str) -> None:
        self.size = size
        self.name = name
        self.head = head
        self.what = what

    def chunks(self, deadline: Deadline) -> Iterator[bytes | memoryview]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the source (a file this module opened is closed)."""


class _Buffer(_Payload):
    def __init__(self, view: memoryview) -> None:
        super().__init__(view.nbytes, None, bytes(view[:_HEAD_BYTES]), "the bytes")
        self._view = view

    def chunks(self, deadline: Deadline) -> Iterator[memoryview]:
        for start in range(0, self.size, UPLOAD_CHUNK_BYTES):
            _check(deadline)
            yield self._view[start : start + UPLOAD_CHUNK_BYTES]

    def close(self) -> None:
        self._view.release()


class _File(_Payload):
    """``size`` bytes of a seekable file from position ``start``."""

    def __init__(
        self, file: IO[bytes], start: int, size: int, name: str | None, what: str, *, owned: bool
    ) -> None:
        file.seek(start)
        head = bytes(_as_bytes(file.read(_HEAD_BYTES), what))
        file.seek(start)
        super().__init__(size, name, head, what)
        self._file = file
        self._start = start
        self._owned = owned

    def chunks(self, deadline: Deadline) -> Iterator[bytes]:
        left = self.size
        try:
            self._file.seek(self._start)
            while left:
                _check(deadline)
                chunk = self._file.read(min(UPLOAD_CHUNK_BYTES, left))
                if not chunk:
                    raise _SourceFailed(
                        ValueError(
                            f"{self.what} ended after {self.size - left} of the {self.size}"
                            " bytes announced for it; was it changed during the upload?"
                        )
                    )
                chunk = bytes(chunk[:left]) if len(chunk) > left else chunk
                left -= len(chunk)
                yield chunk
        except OSError as error:
            raise _SourceFailed(error) from None

    def close(self) -> None:
        if self._owned:
            self._file.close()
            return
        try:  # the caller's file: back where it was, so that a second upload sends the same
            self._file.seek(self._start)
        except (OSError, ValueError):
            logger.debug("could not restore the position of %s", self.what)


def _open(source: object, deadline: Deadline) -> _Payload:
    if isinstance(source, str):
        raise TypeError(
            "a str is a URL, never a local file name (so that a form field cannot make the"
            " server upload its own files): pass pathlib.Path(...) for a local file, or bytes"
            " or a binary file object"
        )
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        # Byte-sized items, one dimension; a non-contiguous view has to be copied.
        return _Buffer(view.cast("B") if view.c_contiguous else memoryview(view.tobytes()))
    if isinstance(source, os.PathLike):
        return _open_path(Path(os.fsdecode(source)))
    if isinstance(source, io.TextIOBase):
        raise TypeError("the file is open in text mode: open it with 'rb' to upload it")
    if not callable(getattr(source, "read", None)):
        raise TypeError(
            f"cannot upload a {type(source).__name__}: expected a pathlib.Path, bytes or a"
            " binary file object"
        )
    return _open_file(source, deadline)


def _open_path(path: Path) -> _File:
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise ValueError(f"cannot upload {path}: no such file") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"cannot upload {path}: it is a directory")
    if not stat.S_ISREG(mode):  # a FIFO or device: opening may block, reading may never end
        raise ValueError(f"cannot upload {path}: not a regular file")
    file = path.open("rb")
    try:
        size = os.fstat(file.fileno()).st_size
        return _File(file, 0, size, path.name, str(path), owned=True)
    except BaseException:
        file.close()
        raise


def _open_file(file: Any, deadline: Deadline) -> _File:
    name = _file_name(file)
    what = f"the file object {name}" if name else "the file object"
    try:
        start = file.tell() if file.seekable() else None
    except (AttributeError, OSError):
        start = None
    if start is None:
        return _spool(file, name, what, deadline)
    file.seek(0, io.SEEK_END)
    end = file.tell()
    if start:
        what += f" (from position {start})"
    return _File(file, start, max(0, end - start), name, what, owned=False)


def _spool(file: Any, name: str | None, what: str, deadline: Deadline) -> _File:
    """Copy a stream that cannot seek to a temporary file (in memory while small)."""
    # Not a with block: on success the spool lives on inside the returned _File, which closes it.
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=UPLOAD_SPOOL_MEMORY_BYTES)  # noqa: SIM115
    try:
        while True:
            if deadline.expired:
                raise errors.APIConnectionError(
                    f"{what} was still being read when the deadline ({deadline.seconds:g} s)"
                    " passed"
                )
            chunk = file.read(UPLOAD_CHUNK_BYTES)
            if chunk is None:
                raise ValueError(f"{what} is non-blocking and had no data ready")
            if not chunk:
                break
            spool.write(_as_bytes(chunk, what))
        size = spool.tell()
        logger.debug("spooled %d bytes of %s (it cannot seek)", size, what)
        return _File(spool, 0, size, name, what, owned=True)
    except BaseException:
        spool.close()
        raise


def _as_bytes(data: Any, what: str) -> Any:
    if isinstance(data, str):
        raise TypeError(f"{what} is open in text mode: open it with 'rb' to upload it")
    return data if data is not None else b""


def _file_name(file: Any) -> str | None:
    """The base name of a file object's ``name``; None for an fd number or ``<stdin>``."""
    name = getattr(file, "name", None)
    if not isinstance(name, str) or (name.startswith("<") and name.endswith(">")):
        return None
    return PurePath(name).name or None


def _guess_type(filename: str) -> str | None:
    guessed = mimetypes.guess_type(filename, strict=False)[0]
    return guessed if guessed != _FALLBACK_TYPE else None


_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"GIF87a", ".gif", "image/gif"),
    (b"GIF89a", ".gif", "image/gif"),
    (b"OggS", ".ogg", "audio/ogg"),
    (b"fLaC", ".flac", "audio/flac"),
    (b"ID3", ".mp3", "audio/mpeg"),
)


def _sniff(head: bytes) -> tuple[str, str] | None:
    """The extension and content type of the media format ``head`` starts with, or None."""
    for prefix, extension, kind in _SIGNATURES:
        if head.startswith(prefix):
            return extension, kind
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE"):
        return (".webp", "image/webp") if head[8:12] == b"WEBP" else (".wav", "audio/wav")
    if head[4:8] == b"ftyp":  # ISO base media: the brand tells QuickTime and audio-only apart
        brand = head[8:12]
        if brand == b"qt  ":
            return ".mov", "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return ".m4a", "audio/mp4"
        return ".mp4", "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska, or WebM by its DocType
        return (".webm", "video/webm") if b"webm" in head else (".mkv", "video/x-matroska")
    if len(head) >= 2 and head[0] == 0xFF and _is_mpeg_audio_frame(head[1]):
        return ".mp3", "audio/mpeg"
    return None


def _is_mpeg_audio_frame(second: int) -> bool:
    """After 0xFF: the rest of the 11-bit frame sync, a valid version, and a layer (1-3),
    which rules out AAC's ADTS (layer 0) and JPEG (0xD8)."""
    return second & 0xE0 == 0xE0 and (second >> 3) & 3 != 1 and (second >> 1) & 3 != 0
