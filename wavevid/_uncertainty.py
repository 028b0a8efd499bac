"""When a submit may have created its job: the failures that leave it uncertain, the error that
carries what a search needs, and a Ctrl-C during the round trip that carries the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ._logging import get_logger
from ._retry import Failure
from .errors import SubmissionUncertainError

logger = get_logger("wavevid.transport")  # the transport's submit

#: A submit that failed these ways may have created its job.
UNCERTAIN = frozenset({Failure.NO_ANSWER, Failure.SERVER_ERROR})


class Unanswered(Exception):
    """A request that must not be repeated went out, and no usable answer came back."""

    def __init__(self, detail: str, sent_at: dt.datetime, status: int | None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.sent_at = sent_at
        self.answered_at = dt.datetime.now(dt.timezone.utc)
        self.status = status


def uncertain_error(
    path: str,
    fingerprint: str,
    input_digests: Mapping[str, str] | None,
    unanswered: Unanswered,
    clock_offset: float,
) -> SubmissionUncertainError:
    """The error of a submit that went out without a usable answer, with what a search for its
    job needs."""
    logger.warning(
        "submit to %s may have been accepted (%s); fingerprint %s",
        path, unanswered.detail, fingerprint,
    )
    return SubmissionUncertainError(
        f"the submit to {path} may have been accepted and billed ({unanswered.detail}); it"
        " was not sent again",
        model=path,
        fingerprint=fingerprint,
        input_digests=dict(input_digests or {}),
        submitted_at=unanswered.sent_at,
        answered_at=unanswered.answered_at,
        status_code=unanswered.status,
        clock_offset=clock_offset,
    )


def annotate_interrupted_submit(
    interrupt: KeyboardInterrupt, path: str, fingerprint: str, started: dt.datetime
) -> None:
    """Ctrl-C during a submit's round trip: the job may exist. The interrupt carries what a
    person needs to look for it (``model``, ``fingerprint``, ``submitted_at``)."""
    interrupt.model = path  # type: ignore[attr-defined]
    interrupt.fingerprint = fingerprint  # type: ignore[attr-defined]
    interrupt.submitted_at = started  # type: ignore[attr-defined]
    if hasattr(interrupt, "add_note"):
        interrupt.add_note(
            f"wavevid: interrupted during the submit to {path}: the job may exist and be billed;"
            f" look for one created after {started.isoformat(timespec='seconds')} before"
            f" resubmitting (fingerprint {fingerprint})"
        )
