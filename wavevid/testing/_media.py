"""Uploaded media of ``FakeWaveSpeed``: upload tickets, stored files, multipart parsing."""

from __future__ import annotations

import mimetypes
import threading
import uuid
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser

_KINDS = frozenset({"image", "video", "audio"})


def media_kind(filename: str, content_type: str | None) -> str | None:
    """Classify a file as ``image``, ``video`` or ``audio`` by content type, else by extension.

    Returns ``None`` when neither names one of those kinds.
    """
    for candidate in (content_type, mimetypes.guess_type(filename)[0]):
        kind = (candidate or "").split("/", 1)[0].lower()
        if kind in _KINDS:
            return kind
    return None


def guess_type(filename: str) -> str:
    """Return the content type the extension of ``filename`` suggests (default: octet-stream)."""
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


@dataclass(frozen=True)
class StoredMedia:
    """A file the fake holds and serves at its download URL."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class UploadTicket:
    """A promise to accept ``size`` bytes of ``content_type`` with a PUT to the token's URL."""

    token: str
    filename: str
    size: int
    content_type: str


class MediaStore:
    """Thread-safe tickets and files, both keyed by an unguessable token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tickets: dict[str, UploadTicket] = {}
        self._files: dict[str, StoredMedia] = {}

    def open_ticket(self, filename: str, size: int, content_type: str) -> UploadTicket:
        """Create and return a ticket for a later ``put``."""
        ticket = UploadTicket(uuid.uuid4().hex, filename, size, content_type)
        with self._lock:
            self._tickets[ticket.token] = ticket
        return ticket

    def ticket(self, token: str) -> UploadTicket | None:
        """Return the ticket for ``token``, or ``None``."""
        with self._lock:
            return self._tickets.get(token)

    def put(self, token: str, media: StoredMedia) -> None:
        """Store (or replace) the file served under ``token``."""
        with self._lock:
            self._files[token] = media

    def add(self, media: StoredMedia) -> str:
        """Store ``media`` under a new token and return the token."""
        token = uuid.uuid4().hex
        self.put(token, media)
        return token

    def get(self, token: str) -> StoredMedia | None:
        """Return the file stored under ``token``, or ``None``."""
        with self._lock:
            return self._files.get(token)

    def clear(self) -> None:
        """Forget every ticket and file."""
        with self._lock:
            self._tickets.clear()
            self._files.clear()


def parse_multipart_file(content_type: str, body: bytes, field: str = "file") -> StoredMedia | None:
    """Return form field ``field`` of a ``multipart/form-data`` body, or ``None`` if absent."""
    head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    part = next((p for p in message.walk() if _field_name(p) == field), None)
    if part is None:
        return None
    filename = part.get_filename() or field
    payload = part.get_payload(decode=True)
    return StoredMedia(
        filename=filename,
        content_type=part.get_content_type() if "Content-Type" in part else guess_type(filename),
        data=payload if isinstance(payload, bytes) else b"",
    )


def _field_name(part: Message) -> str | None:
    name = part.get_param("name", header="content-disposition")
    return name if isinstance(name, str) else None
