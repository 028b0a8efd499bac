"""HTTP responses of ``FakeWaveSpeed``: WaveSpeed envelopes and byte-range media answers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

JSON_CHUNK = 1
"""Bytes per chunk when a JSON body is trickled."""
MEDIA_CHUNK = 1024
"""Bytes per chunk when a media body is trickled."""

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class Response:
    """A complete answer; the server adds ``Content-Length`` and ``X-Request-Id``."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    trickle_chunk: int = JSON_CHUNK


def success(data: Any) -> Response:
    """Answer 200 with the envelope ``{"code": 200, "message": "success", "data": data}``."""
    return _json(200, {"code": 200, "message": "success", "data": data})


def failure(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """Answer ``status`` with the envelope ``{"code": status, "message": ..., "data": null}``."""
    return _json(status, {"code": status, "message": message, "data": None}, headers)


def status_failure(status: int, retry_after: float | None) -> Response:
    """Answer ``status`` with its standard phrase, plus ``Retry-After`` when given.

    An ``int`` is sent as whole seconds, a ``float`` as written by ``str``.
    """
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Injected failure"
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return failure(status, phrase, headers)


def _json(status: int, payload: object, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )


def media(data: bytes, content_type: str, range_header: str | None) -> Response:
    """Serve ``data``, honouring a single ``Range: bytes=N-``, ``bytes=N-M`` or ``bytes=-K``.

    A range that cannot be parsed is ignored (200 with the whole body); one that starts past the
    end answers 416 with ``Content-Range: bytes */<size>``.
    """
    headers = {"Content-Type": content_type, "Accept-Ranges": "bytes"}
    span = _parse_range(range_header, len(data))
    if span is None:
        return Response(200, data, headers, MEDIA_CHUNK)
    start, end = span
    if start >= len(data):
        unsatisfiable = {**headers, "Content-Range": f"bytes */{len(data)}"}
        return failure(416, "Range Not Satisfiable", unsatisfiable)
    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
    return Response(206, data[start : end + 1], headers, MEDIA_CHUNK)


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return the inclusive ``(start, end)`` asked for, ``start >= size`` meaning unsatisfiable.

    ``None``: no valid single range, serve the whole body.
    """
    match = _RANGE.fullmatch((header or "").strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None
        suffix = int(last)
        return (max(size - suffix, 0) if suffix else size), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    return start, (min(int(last), size - 1) if last else size - 1)
