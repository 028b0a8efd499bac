"""HTTP responses of ``FakeWaveSpeed``: WaveSpeed envelopes, errors in the published shape,
byte-range media answers, and the checks that refuse a request body."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeGuard

from wavevid.testing._records import RequestRecord

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


class Refusal(Exception):
    """Raised by an endpoint to answer ``failure(status, detail)`` instead of its normal answer."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.headers = dict(headers or {})

    def response(self) -> Response:
        """The error answer."""
        return failure(self.status, str(self), self.headers)


def failure(status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    """Answer ``status`` in the published error shape:
    ``{"code": status, "message": "<status text>", "data": {"error": detail}}``.

    The shape is the one schema WaveSpeed publishes (the Java SDK's OpenAPI file); the fake uses
    it for every error it answers.
    """
    body = {"code": status, "message": status_text(status), "data": {"error": detail}}
    return _json(status, body, headers)


def status_failure(status: int, retry_after: float | None) -> Response:
    """Answer an injected ``status`` (a ``Fault``), plus ``Retry-After`` when given.

    An ``int`` is sent as whole seconds, a ``float`` as written by ``str``.
    """
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return failure(status, f"Injected fault: HTTP {status}", headers)


def raw(status: int, body: bytes, retry_after: float | None = None) -> Response:
    """Answer ``status`` with exactly ``body``: ``application/json`` when it parses as JSON, else
    ``text/html`` (what proxies and gateways send)."""
    try:
        json.loads(body)
        content_type = "application/json"
    except (ValueError, RecursionError):  # nested past the stack: not JSON to anyone
        content_type = "text/html; charset=utf-8"
    headers = {"Content-Type": content_type}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Response(status, body, headers)


def status_text(status: int) -> str:
    """The standard reason phrase of ``status`` (``"Error"`` for a code without one)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


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
        return failure(416, f"The range starts past the end ({len(data)} bytes)", unsatisfiable)
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


def json_object(record: RequestRecord) -> dict[str, Any]:
    """The request's JSON body; a 400 refusal unless it is an object."""
    if not isinstance(record.json, dict):
        raise Refusal(400, "The request body must be a JSON object")
    return record.json


def is_int_in(value: object, low: int, high: int | None) -> TypeGuard[int]:
    """Tell whether ``value`` is an ``int`` (not a ``bool``) in ``low..high`` (``None``: no
    upper bound)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return low <= value and (high is None or value <= high)
