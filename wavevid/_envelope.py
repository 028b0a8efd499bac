"""What comes back: HTTP answers, WaveSpeed's envelope, and the refusals it states as wavevid
errors (what an answer means for retrying is ``_retry``'s).

WaveSpeed wraps every answer in ``{code, message, data}``; the envelope's ``code`` mirrors the
HTTP status, and some failures show only there. Every status maps to one class of the error
tree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import errors
from ._constants import ERROR_BODY_CHARS
from ._job_data import is_job_id
from ._logging import redact
from ._short_text import shorten
from ._times import parse_retry_after

_STATUS_ERRORS: dict[int, type[errors.APIError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    429: errors.RateLimitError,
}


@dataclass
class Answer:
    """A complete HTTP answer, its body read in full."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-request-id") or None


def parse_json(answer: Answer, job_id: str | None) -> Any:
    try:
        return json.loads(answer.body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
        if answer.status >= 300:
            return None
        raise errors.APIError(
            f"the answer is not JSON: {shorten(answer.body.decode('utf-8', 'replace'))}",
            status_code=answer.status, request_id=answer.request_id, job_id=job_id,
        ) from None


def effective_status(answer: Answer, envelope: Any = None) -> int:
    """The HTTP status, or the envelope's error ``code`` when HTTP says 200 but the envelope
    does not (WaveSpeed's envelope mirrors the status; some failures only show there)."""
    if answer.status != 200:
        return answer.status
    if envelope is None:
        try:
            envelope = json.loads(answer.body)
        except (ValueError, RecursionError):
            return answer.status
    code = envelope.get("code") if isinstance(envelope, Mapping) else None
    if isinstance(code, int) and 400 <= code <= 599:
        return code
    return answer.status


def api_error(answer: Answer, job_id: str | None) -> errors.APIError:
    """The error for an answer that refused the request: the most specific reason it gives
    (``data.error``, then ``error``/``detail``, with ``message``), its ``error_code``, its body."""
    envelope = _json_or_none(answer.body)
    status = effective_status(answer, envelope)
    text = answer.body.decode("utf-8", "replace")
    message = _reason(envelope) or shorten(text) or f"HTTP {status}"
    code = envelope.get("code") if isinstance(envelope, Mapping) else None
    return error_for_status(
        status, message, answer, code=code if isinstance(code, int) else None, job_id=job_id,
        error_code=_error_code(envelope),
    )


def error_for_status(
    status: int,
    message: str,
    answer: Answer,
    *,
    code: int | None = None,
    job_id: str | None = None,
    error_code: str | int | None = None,
) -> errors.APIError:
    """The error class for an HTTP status (RateLimitError with its Retry-After), the message
    redacted, the request id and the (redacted) body taken from ``answer``. A 4xx WaveSpeed does
    not document is a plain APIError that says so."""
    cls = _STATUS_ERRORS.get(status) or (errors.ServerError if status >= 500 else errors.APIError)
    if cls is errors.APIError and 400 <= status < 500:
        message += " (a status WaveSpeed does not document)"
    body = answer.body.decode("utf-8", "replace")
    error = cls(
        redact(message), status_code=status, code=code, request_id=answer.request_id,
        job_id=job_id, error_code=error_code,
        body=shorten(redact(body), ERROR_BODY_CHARS) if body else None,
    )
    if isinstance(error, errors.RateLimitError):
        error.retry_after = parse_retry_after(answer.headers.get("retry-after"))
    return error


def job_data(answer: Answer) -> Mapping[str, Any] | None:
    """The envelope's ``data`` when it names a job (an ``id`` shaped like a job id), whatever
    the status: proof that the job exists."""
    envelope = _json_or_none(answer.body)
    data = envelope.get("data") if isinstance(envelope, Mapping) else None
    if isinstance(data, Mapping) and is_job_id(data.get("id")):
        return data
    return None


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None


def _reason(envelope: Any) -> str | None:
    if not isinstance(envelope, Mapping):
        return None
    data = envelope.get("data")
    details = [data.get("error")] if isinstance(data, Mapping) else []
    details += [envelope.get("error"), envelope.get("detail")]
    detail = next((value for value in details if isinstance(value, str) and value.strip()), None)
    message = envelope.get("message")
    message = message if isinstance(message, str) and message.strip() else None
    if detail and message and message.lower() not in detail.lower():
        return shorten(f"{detail} ({message})", 300)
    found = detail or message
    return shorten(found, 300) if found else None


def _error_code(envelope: Any) -> str | int | None:
    if not isinstance(envelope, Mapping):
        return None
    for where in (envelope, envelope.get("data")):
        value = where.get("error_code") if isinstance(where, Mapping) else None
        if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
            return value
    return None


def envelope_data(answer: Answer, job_id: str | None) -> Any:
    """The envelope's ``data``. Raises the APIError of a refusal, or of an answer without an
    envelope."""
    envelope = parse_json(answer, job_id)
    if answer.status >= 300 or effective_status(answer, envelope) >= 300:
        raise api_error(answer, job_id)
    if not isinstance(envelope, Mapping) or "data" not in envelope:
        raise errors.APIError(
            "the answer has no envelope data", status_code=answer.status,
            request_id=answer.request_id, job_id=job_id,
        )
    return envelope["data"]
