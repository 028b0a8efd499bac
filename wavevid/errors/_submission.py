"""A submit that may have created its job: ``SubmissionUncertainError`` and the candidates a
search found."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from ._base import WavevidError


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
    def before_sending(
        cls,
        model: str,
        payload: Mapping[str, Any],
        *,
        submitted_at: _dt.datetime,
        answered_by: _dt.datetime,
        clock_offset: float = 0.0,
    ) -> SubmissionUncertainError:
        """The error a submit of ``payload`` to the model path ``model`` raises if its answer is
        lost, made before the POST: stored (``to_dict()``) before sending, it lets another
        process look for the job (``find_submission``) after this one died mid-submit.

        Args:
            payload: the body as it will be sent (``Model.build_payload``; no local media).
            submitted_at: when the submit starts (UTC).
            answered_by: when it will have ended for sure (its deadline): the last moment the
                job could have been created.
            clock_offset: WaveSpeed's clock minus the clock ``submitted_at`` and ``answered_by``
                were read from, in seconds (``Client.clock_offset``): ``find_submission``
                widens its search window by it, as for an error the submit raised itself.
        """
        from .._payload import fingerprint  # lazily: both modules import this one
        from .._recovery import input_digests

        return cls(
            f"the submit to {model} started at {submitted_at.isoformat()} and was not answered",
            model=model,
            fingerprint=fingerprint(payload),
            input_digests=input_digests(payload),
            submitted_at=submitted_at,
            answered_at=answered_by,
            clock_offset=clock_offset,
        )

    def matches(self, input: Mapping[str, Any]) -> bool:
        """Whether a job's ``input`` (a webhook delivery's, a poll's) is the body this submit
        sent: every key sent, with an equal value (numbers by value; keys the server added are
        ignored). The positive identification ``find_submission`` makes."""
        from .._recovery import inputs_match

        return inputs_match(self.input_digests, input)

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
