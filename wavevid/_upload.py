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

import itertools
import json
import os
import re
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeAlias

from urllib3.fields import RequestField

from . import errors
from ._constants import UPLOAD_TIMEOUT
from ._deadline import Deadline, DeadlinePassed, reported_as
from ._locks import ForkSafeLock
from ._logging import get_logger, redact
from ._media_sources import (
    FALLBACK_TYPE,
    SourceFailed,
    UploadBody,
    guess_type,
    open_source,
    sniff,
)
from ._retry import OTHER_HOST_RETRIED_STATUSES, Failed, retrying, status_failure
from ._short_text import shorten
from ._transport import Answer, Transport, error_for_status

logger = get_logger("wavevid.media")

#: What :func:`upload` accepts. A ``str`` is not a local file: it is a URL.
MediaSource: TypeAlias = os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO

_TICKET_PATH = "media/uploads"
_MULTIPART_PATH = "media/upload/binary"
# A ticket endpoint answering these does not exist on that server (or not for POST).
_MISSING_STATUSES = frozenset({404, 405})
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


_without_tickets: weakref.WeakSet[Transport] = weakref.WeakSet()
_without_tickets_lock = ForkSafeLock()


def upload(
    transport: Transport,
    source: MediaSource,
    *,
    deadline: Deadline | None = None,
    filename: str | None = None,
    content_type: str | None = None,
) -> str:
    """``Client.upload`` (which states the contract), with the client's ``transport``; the
    deadline defaults to UPLOAD_TIMEOUT seconds."""
    for option, value in (("filename", filename), ("content_type", content_type)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{option} must be a str, not {type(value).__name__}")
    if deadline is None:
        deadline = Deadline(UPLOAD_TIMEOUT, transport.clock)
    with reported_as(_upload_timed_out):
        opened = open_source(source, deadline)
        try:
            if opened.size == 0:
                raise ValueError(f"nothing to upload: {opened.what} is empty")
            sniffed = sniff(opened.head)
            name = filename or opened.name or "upload" + (sniffed[0] if sniffed else "")
            kind = content_type or guess_type(name) or (sniffed[1] if sniffed else FALLBACK_TYPE)
            logger.debug("uploading %s: %d bytes of %s", name, opened.size, kind)
            return _send(transport, opened, name, kind, deadline)
        except SourceFailed as failed:
            raise failed.error from None
        finally:
            opened.close()


def _upload_timed_out(passed: DeadlinePassed) -> errors.APIConnectionError:
    return errors.APIConnectionError(f"the upload did not finish: {passed}")


# --- the protocol --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ticket:
    url: str
    headers: dict[str, str]
    download_url: str


def _send(
    transport: Transport, source: UploadBody, name: str, kind: str, deadline: Deadline
) -> str:
    with _without_tickets_lock:
        ticketless = transport in _without_tickets
    if not ticketless:
        ticket = _request_ticket(transport, source.size, name, kind, deadline)
        if ticket is not None:
            _put(transport, ticket, source, deadline)
            logger.debug("uploaded %s -> %s", name, ticket.download_url)
            return ticket.download_url
    return _post_multipart(transport, source, name, kind, deadline)


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
        _is_header(name, value) for name, value in headers.items()
    ):
        raise _protocol_error("the upload ticket's 'headers' are not HTTP headers")
    return _Ticket(url, {str(k): str(v) for k, v in headers.items()}, _download_url(data))


def _is_header(name: Any, value: Any) -> bool:
    """Whether a ticket's header can go out as it is: a token, and a value (a string or number)
    of visible Latin-1 characters, spaces and tabs."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return isinstance(name, str) and isinstance(value, str) and bool(
        _HEADER_NAME.fullmatch(name) and _HEADER_VALUE.fullmatch(value))


def _put(transport: Transport, ticket: _Ticket, source: UploadBody, deadline: Deadline) -> None:
    """PUT the bytes with exactly the ticket's headers; connection failures, 429 and 5xx are
    retried per the transport's policy, each retry sending the body again from its start."""
    shown = redact(ticket.url)
    conditional = any(
        key.lower() == "if-none-match" and value.strip() == "*"
        for key, value in ticket.headers.items()
    )

    def attempt(retry: int) -> None:
        body = _Stream(lambda: source.chunks(deadline), source.size)
        answer = transport.put(ticket.url, body, headers=ticket.headers, deadline=deadline)
        logger.debug("PUT %s -> %d", shown, answer.status)
        if 200 <= answer.status < 300:
            return
        if answer.status == 412 and conditional and retry > 0:
            # An earlier attempt stored the file but its answer was lost: with
            # If-None-Match: *, the store refuses to overwrite what is already there.
            logger.debug("PUT %s: already stored by an earlier attempt", shown)
            return
        failed = status_failure(answer.status, answer.headers, answer, OTHER_HOST_RETRIED_STATUSES)
        raise failed if failed is not None else _put_error(ticket.url, answer)

    def log_retry(failed: Failed, retry: int, wait: float) -> None:
        logger.info(
            "PUT %s: %s; retry %d of %d in %.2f s",
            shown, failed.detail, retry + 1, transport.policy.max_retries, wait,
        )

    try:
        retrying(attempt, transport.policy, deadline, transport.sleep, log_retry)
    except Failed as failed:
        if failed.answer is not None:
            raise _put_error(ticket.url, failed.answer) from None
        raise errors.APIConnectionError(
            f"PUT {shown}: {failed.detail} (gave up after {failed.retries} retries)"
        ) from None


def _post_multipart(
    transport: Transport, source: UploadBody, name: str, kind: str, deadline: Deadline
) -> str:
    """The documented upload: one multipart/form-data field ``file``, streamed."""
    boundary = f"wavevid-{uuid.uuid4().hex}"
    field = RequestField(name="file", data=b"", filename=name)
    field.make_multipart(content_type=kind)
    preamble = f"--{boundary}\r\n{field.render_headers()}".encode()
    closing = f"\r\n--{boundary}--\r\n".encode()
    length = len(preamble) + source.size + len(closing)
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    def parts() -> Iterator[bytes | memoryview]:
        return itertools.chain((preamble,), source.chunks(deadline), (closing,))

    def content() -> tuple[_Stream, dict[str, str]]:
        return _Stream(parts, length), headers  # made anew for each attempt

    data = transport.call("POST", _MULTIPART_PATH, deadline=deadline, content=content)
    url = _download_url(data)
    logger.debug("uploaded %s (multipart) -> %s", name, url)
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
