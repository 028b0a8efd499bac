"""The error tree. Every error wavevid raises is a :class:`WavevidError`.

Messages never contain API keys, webhook secrets or signed URLs. Every error pickles (Celery and
multiprocessing carry exceptions between processes) with its attributes intact.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, NamedTuple


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


class WavevidError(Exception):
    """Base class of every error raised by wavevid."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class ConfigurationError(WavevidError):
    """The client cannot be used as configured: no API key, a bad base URL, plain http to a
    host that is not loopback."""


class CatalogError(WavevidError):
    """A catalog file or entry is wrong.

    Attributes:
        problem: what is wrong, in words.
        file: the file, when known.
        entry: the model entry's name, when the problem is inside one.
        key: the dotted key inside the entry (``input.properties.duration.default``).
        line: the 1-based line in the file, when known.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        entry: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.entry = entry
        self.key = key
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.entry:
            where.append(f"entry {self.entry!r}")
        if self.key:
            where.append(f"key {self.key!r}")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem


class UnknownModelError(WavevidError, LookupError):
    """No catalog model has this name, alias or path.

    Attributes:
        name: what was looked up.
        suggestions: the closest known names, best first (may be empty).
    """

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {' or '.join(map(repr, suggestions))}?" if suggestions else ""
        super().__init__(f"unknown model {name!r}{hint} (`wavevid models` lists them all)")

    def __str__(self) -> str:  # LookupError would print the args tuple's repr
        return str(self.args[0])


class ParameterProblem(NamedTuple):
    """One thing wrong with one input parameter."""

    parameter: str
    """The parameter's name; nested values as ``loras[0].scale``; empty for the whole input."""
    message: str
    """What is wrong and, where it helps, what is allowed."""

    def __str__(self) -> str:
        return f"{self.parameter}: {self.message}" if self.parameter else self.message


class InvalidParametersError(WavevidError, ValueError):
    """The input does not fit the model's schema. Nothing was uploaded or submitted.

    Attributes:
        model: the model's catalog name.
        errors: every problem found, in parameter order.
    """

    def __init__(self, model: str, errors: list[ParameterProblem]) -> None:
        self.model = model
        self.errors = errors
        listed = "; ".join(map(str, errors))
        noun = "parameter" if len(errors) == 1 else "parameters"
        super().__init__(f"invalid {noun} for {model}: {listed}")


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


class Candidate(NamedTuple):
    """A job in the history that an uncertain submit may have created, not identified as it."""

    id: str
    created_at: _dt.datetime | None
    status: str


class SubmissionUncertainError(WavevidError):
    """A submit may or may not have been accepted (and billed): the request was sent and no
    usable answer came back (a drop, a read timeout, a 5xx such as a gateway's 504, an answer
    without a job id). Never resubmitted: ``generate()`` first looks for the job and continues
    only on positive identification; ``Client.find_submission`` looks once.

    Deliberately not an :class:`APIConnectionError`, so a generic network-retry handler cannot
    resubmit a job that may exist.

    Attributes:
        model: the model path the job was submitted to.
        fingerprint: a hash of the payload sent.
        input_digests: a hash of each input value sent (transport flags excluded), to recognise
            the job's input key by key without keeping the values (uploaded media URLs may be
            signed).
        submitted_at: when the request was sent (UTC).
        answered_at: when the failure was seen (UTC).
        status_code: the HTTP status of the answer, when there was one.
        clock_offset: the server's clock minus ours (seconds), from its last ``Date`` header.
        candidates: jobs in the history that may be it, not positively identified (empty until
            a search has run).
    """

    def __init__(
        self,
        message: str,
        *,
        model: str,
        fingerprint: str,
        submitted_at: _dt.datetime,
        answered_at: _dt.datetime | None = None,
        status_code: int | None = None,
        input_digests: dict[str, str] | None = None,
        clock_offset: float = 0.0,
        candidates: list[Candidate] | None = None,
    ) -> None:
        self.model = model
        self.fingerprint = fingerprint
        self.input_digests = dict(input_digests or {})
        self.submitted_at = submitted_at
        self.answered_at = answered_at or submitted_at
        self.status_code = status_code
        self.clock_offset = clock_offset
        self.candidates = list(candidates or [])
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        """What another process needs to look for the job later (``find_submission``), as
        JSON-safe values: store it with the row or task that submitted."""
        return {
            "message": str(self),
            "model": self.model,
            "fingerprint": self.fingerprint,
            "input_digests": dict(self.input_digests),
            "submitted_at": self.submitted_at.isoformat(),
            "answered_at": self.answered_at.isoformat(),
            "status_code": self.status_code,
            "clock_offset": self.clock_offset,
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> SubmissionUncertainError:
        """The error :meth:`to_dict` described. Raises KeyError or ValueError for anything
        else."""
        return cls(
            state["message"],
            model=state["model"],
            fingerprint=state["fingerprint"],
            input_digests=dict(state.get("input_digests") or {}),
            submitted_at=_dt.datetime.fromisoformat(state["submitted_at"]),
            answered_at=_dt.datetime.fromisoformat(state["answered_at"]),
            status_code=state.get("status_code"),
            clock_offset=float(state.get("clock_offset") or 0.0),
        )


class JobFailedError(WavevidError):
    """The job ended without a video.

    Attributes:
        job_id: the WaveSpeed job id.
        status: ``failed``, ``cancelled``, ``timeout`` or ``deleted``.
        code: WaveSpeed's task error code (1xxx: the input; 5xxx: the service), when given.
        error: WaveSpeed's error message.
        retryable: True when the code says the service failed (5xxx), so resubmitting may work.
    """

    def __init__(self, job_id: str, status: str, *, code: int | None, error: str) -> None:
        self.job_id = job_id
        self.status = status
        self.code = code
        self.error = error
        self.retryable = code is not None and 5000 <= code < 6000
        detail = f" (code {code})" if code is not None else ""
        super().__init__(f"job {job_id} {status}{detail}: {error or 'no reason given'}")


class JobTimeoutError(WavevidError, TimeoutError):
    """Our deadline passed; the job still runs remotely and ``Client.get_job(job_id)`` finds it.

    Attributes:
        job_id: the WaveSpeed job id.
        timeout: the deadline that passed, in seconds.
    """

    def __init__(self, job_id: str, timeout: float) -> None:
        self.job_id = job_id
        self.timeout = timeout
        super().__init__(
            f"job {job_id} not finished after {timeout:g} s; it still runs on WaveSpeed"
            f" (resume with client.get_job({job_id!r}).wait())"
        )


class DownloadError(WavevidError):
    """The output could not be downloaded completely. No partial file is left behind, and an
    existing file at the target is untouched.

    Attributes:
        job_id: the job whose output it was, when known: it completed (and was billed), so
            ``client.download(client.get_job(job_id), path)`` tries again (outputs last 7 days).
    """

    job_id: str | None = None


class WebhookVerificationError(WavevidError):
    """A webhook delivery failed verification. The reason never contains the secret.

    Attributes:
        reason: why, in words.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class WavevidWarning(UserWarning):
    """Base class of wavevid's warnings: misuse, or a result to trust less. Each is given at
    most once per subject per process; filter them with :mod:`warnings` (operational events go
    to logging instead, which is silent unless configured)."""


class UnverifiedModelWarning(WavevidWarning):
    """A model's parameters were never checked against WaveSpeed's live schema
    (``verified: false``); given once per model, when a request body was built."""


class UnvalidatedInputWarning(WavevidWarning):
    """A job goes to a WaveSpeed path the catalog does not know, so its input is sent
    unvalidated; given once per path."""
