"""Errors of talking to WaveSpeed: the service refused (by status) or could not be reached."""

from __future__ import annotations

from ._base import WavevidError


class APIError(WavevidError):
    """WaveSpeed answered with an error.

    Attributes:
        status_code: the HTTP status.
        code: the envelope's ``code`` (may differ from the HTTP status), when given.
        message: the most specific reason the answer gave (``data.error``, else ``error``,
            ``detail`` or ``message``), with the envelope's ``message`` when it adds to it.
        error_code: WaveSpeed's ``error_code``, when the answer carried one.
        request_id: the server's request id, when it sent one; quote it to WaveSpeed support.
        job_id: the job the request was about, when known.
        body: the answer's body as text, redacted and shortened, when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: int | None = None,
        request_id: str | None = None,
        job_id: str | None = None,
        error_code: str | int | None = None,
        body: str | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.job_id = job_id
        self.error_code = error_code
        self.body = body
        super().__init__(self._render())

    def _render(self) -> str:
        text = f"HTTP {self.status_code}"
        if self.code is not None and self.code != self.status_code:
            text += f" (code {self.code})"
        text += f": {self.message}"
        if self.error_code is not None:
            text += f" [error_code {self.error_code}]"
        if self.job_id:
            text += f" [job {self.job_id}]"
        if self.request_id:
            text += f" [request {self.request_id}]"
        return text


class BadRequestError(APIError):
    """HTTP 400: the server rejected the request's parameters."""


class AuthenticationError(APIError):
    """HTTP 401: the API key is missing or wrong."""


class PermissionDeniedError(APIError):
    """HTTP 403: the key may not do this (account level, balance, role)."""


class NotFoundError(APIError):
    """HTTP 404: no such model path or job."""


class RateLimitError(APIError):
    """HTTP 429: too many requests, after the allowed retries.

    Attributes:
        retry_after: seconds the server asked to wait, when it said.
    """

    retry_after: float | None = None


class ServerError(APIError):
    """HTTP 5xx from WaveSpeed, after the allowed retries. (A submit answered 5xx is
    SubmissionUncertainError: a gateway answers 502/504 while the job runs and is billed.)"""


class APIConnectionError(WavevidError):
    """The network failed after the allowed retries, or a certificate was refused. Nothing was
    submitted: a submit whose request may have been written is SubmissionUncertainError."""
