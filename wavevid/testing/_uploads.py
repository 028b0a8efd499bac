"""Upload endpoints of ``FakeWaveSpeed``: the ticket and its presigned PUT, the multipart
upload, and the uploaded files served back.

Tickets name the headers the PUT must carry. WaveSpeed's Python SDK tests show two kinds:
``{"Content-Type": "<type>"}`` and ``{"If-None-Match": "*"}`` (no Content-Type); the fake hands
out one kind or the other (``upload_headers``). A PUT carrying ``If-None-Match: *`` is refused
with 412 when the file is stored already, as object stores do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote

from wavevid.testing._media import (
    MediaStore,
    StoredMedia,
    UploadTicket,
    guess_type,
    media_kind,
    parse_multipart_file,
)
from wavevid.testing._records import RequestRecord
from wavevid.testing._responses import (
    Refusal,
    Response,
    is_int_in,
    json_object,
    media,
    success,
)

UploadHeaders = Literal["content-type", "if-none-match"]
UPLOAD_HEADERS = frozenset({"content-type", "if-none-match"})


class Uploads:
    """The upload endpoints over one ``MediaStore``; thread-safe as the store is."""

    def __init__(self, store: MediaStore, headers: UploadHeaders, base_url: Callable[[], str]):
        """``headers``: which kind of ticket to hand out; ``base_url``: the fake's URL, once
        known."""
        self.store = store
        self.headers = headers
        self._base_url = base_url

    def ticket(self, record: RequestRecord) -> Response:
        """``POST /api/v3/media/uploads``: a ticket for one PUT."""
        body = json_object(record)
        filename, size, content_type = (
            body.get("filename"),
            body.get("size"),
            body.get("content_type"),
        )
        if not (
            isinstance(filename, str)
            and filename
            and is_int_in(size, 0, None)
            and isinstance(content_type, (str, type(None)))
        ):
            raise Refusal(400, "Expected filename, size (an integer >= 0), content_type (optional)")
        kind = _kind_of(filename, content_type)
        content_type = content_type or guess_type(filename)
        ticket = self.store.open_ticket(filename, size, content_type)
        upload = {
            "method": "PUT",
            "url": f"{self._base_url()}/upload/{ticket.token}",
            "headers": self._ticket_headers(ticket),
        }
        fields = self._fields(kind, ticket.token, filename, size)
        return success({**fields, "upload": upload})

    def put(self, record: RequestRecord, token: str) -> Response:
        """``PUT /upload/<token>``: the presigned upload."""
        ticket = self.store.ticket(token)
        if ticket is None:
            raise Refusal(404, "Unknown upload URL")
        if record.had_authorization:
            raise Refusal(400, "A presigned upload URL must not receive an Authorization header")
        for name, value in self._ticket_headers(ticket).items():
            if record.header(name) != value:
                raise Refusal(400, f"{name} must be {value!r}, as in the upload headers")
        if len(record.body) != ticket.size:
            raise Refusal(
                400, f"Expected {ticket.size} bytes as announced, received {len(record.body)}"
            )
        if record.header("If-None-Match") == "*" and self.store.get(token) is not None:
            raise Refusal(412, "The object exists already (If-None-Match: *)")
        self.store.put(token, StoredMedia(ticket.filename, ticket.content_type, record.body))
        return Response(200)

    def binary(self, record: RequestRecord) -> Response:
        """``POST /api/v3/media/upload/binary``: a multipart upload."""
        content_type = record.header("Content-Type") or ""
        stored = parse_multipart_file(content_type, record.body)
        if stored is None:
            raise Refusal(400, "Expected multipart/form-data with a 'file' field")
        kind = _kind_of(stored.filename, stored.content_type)
        token = self.store.add(stored)
        return success(self._fields(kind, token, stored.filename, len(stored.data)))

    def file(self, record: RequestRecord, token: str) -> Response:
        """``GET /media/<token>/<name>``: an uploaded file, with Range support."""
        stored = self.store.get(token)
        if stored is None:
            raise Refusal(404, "Media not found")
        return media(stored.data, stored.content_type, record.header("Range"))

    def _ticket_headers(self, ticket: UploadTicket) -> dict[str, str]:
        if self.headers == "if-none-match":
            return {"If-None-Match": "*"}
        return {"Content-Type": ticket.content_type}

    def _fields(self, kind: str, token: str, filename: str, size: int) -> dict[str, Any]:
        download_url = f"{self._base_url()}/media/{token}/{quote(filename, safe='')}"
        return {"type": kind, "download_url": download_url, "filename": filename, "size": size}


def _kind_of(filename: str, content_type: str | None) -> str:
    """``image``, ``video`` or ``audio``; a 400 refusal for any other file."""
    kind = media_kind(filename, content_type)
    if kind is None:
        raise Refusal(400, f"Unsupported file type: {filename}")
    return kind
