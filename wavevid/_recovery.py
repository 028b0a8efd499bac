"""Recovering from an uncertain submit: the job is adopted only on positive identification.

WaveSpeed's history covers the whole account or organisation (the web playground included), so
"the only job of this model in the window" may be a colleague's. A history item is a candidate
when it is for the model path, was created within [sent_at - skew, answered_at + skew] (skew:
the server's clock offset plus ``RECOVERY_CLOCK_SLACK``) and is not a job this client already
submitted or adopted. A candidate is the job only when its input (``inputs``/``input`` on the
history item, else on its poll answer) equals the body sent on every key the client sent,
transport flags excluded, numbers compared by value, keys the server added ignored. Exactly one
match is adopted (claimed under a lock); anything else is never adopted.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ._constants import MAX_CLOCK_OFFSET, RECOVERY_CLOCK_SLACK, TRANSPORT_FLAGS
from ._deadline import Deadline
from ._history import list_jobs
from ._logging import get_logger
from ._runtime import Runtime
from ._steps import Call, Known, Plan, Sleep
from .errors import APIConnectionError, APIError, Candidate, SubmissionUncertainError
from .jobs import Job

logger = get_logger("wavevid.recovery")


def input_digests(payload: Mapping[str, Any]) -> dict[str, str]:
    """A digest of each value sent, transport flags excluded: enough to recognise the input
    key by key without keeping values (uploaded media URLs may be signed)."""
    return {str(key): _digest(value) for key, value in payload.items()
            if key not in TRANSPORT_FLAGS}


def inputs_match(digests: Mapping[str, str], given: Mapping[str, Any]) -> bool:
    """Whether ``given`` has every key of ``digests`` with an equal value (a value nested past
    Python's stack, which no body sent holds, is not equal)."""
    try:
        return bool(digests) and all(
            key in given and _digest(given[key]) == digest for key, digest in digests.items()
        )
    except RecursionError:
        return False


def recovery_steps(
    runtime: Runtime,
    error: SubmissionUncertainError,
    deadline: Deadline,
    *,
    allow_unverified_single: bool = False,
) -> Plan[Job]:
    """The search for the job of an uncertain submit, as a plan (``_steps``): a look at each of
    ``runtime.recovery_delays`` after the failure, within ``deadline``; the job once positively
    identified (:func:`look`). ``error`` is :class:`~._steps.Known` from the start, the job
    once found.

    Raises:
        SubmissionUncertainError: ``error`` itself, its ``candidates`` set, after the last look.
    """
    yield Known(uncertain=error)
    started = runtime.clock()
    for delay in runtime.recovery_delays:
        wait = started + delay - runtime.clock()
        final = wait >= deadline.remaining()  # no time to wait for it: the last look, now
        if wait > 0 and not final:
            yield Sleep(wait)
        try:
            job: Job | None = yield Call(functools.partial(
                look, runtime, error, deadline, allow_unverified_single=allow_unverified_single,
            ), deadline)
        except (APIError, APIConnectionError) as failure:
            logger.warning("submit to %s: the search for the job failed (%s)", error.model, failure)
            job = None
        if job is not None:
            yield Known(job, new=True)
            return job
        if final or deadline.expired:
            break
    raise error


def look(
    runtime: Runtime,
    error: SubmissionUncertainError,
    deadline: Deadline,
    *,
    allow_unverified_single: bool = False,
) -> Job | None:
    """One search of the history; the job when exactly one candidate is identified (and
    claimed), else None. Sets ``error.candidates``."""
    found = _candidates(runtime, error, deadline)
    candidates = [_with_input(runtime, job, deadline) for job in found]
    error.candidates = [Candidate(job.id, job.created_at, job.status) for job in candidates]
    matches = [job for job in candidates
               if job.payload is not None and inputs_match(error.input_digests, job.payload)]
    if len(matches) != 1 and allow_unverified_single and len(candidates) == 1:
        matches = candidates
    if runtime.is_submitting(error.fingerprint):
        matches = []  # an identical submit of this client awaits its answer: it may be its job
    if len(matches) != 1 or not runtime.claim(matches[0].id):
        logger.info(
            "submit to %s: %d candidate(s), %d identified; not adopted",
            error.model, len(candidates), len(matches),
        )
        return None
    job = matches[0]
    logger.info("submit to %s: recovered job %s (its input matches)", error.model, job.id)
    return job


def _candidates(
    runtime: Runtime, error: SubmissionUncertainError, deadline: Deadline
) -> list[Job]:
    offset = min(abs(error.clock_offset), MAX_CLOCK_OFFSET)  # a stored error may carry anything
    skew = dt.timedelta(seconds=offset + RECOVERY_CLOCK_SLACK)
    earliest, latest = error.submitted_at - skew, error.answered_at + skew
    found = []
    for job in list_jobs(runtime, lambda: deadline, model=error.model, created_after=earliest):
        created = job.created_at
        if (
            job.model == error.model  # never trust the server's filter alone
            and created is not None and earliest <= created <= latest
            and not runtime.is_ours(job.id)
        ):
            found.append(job)
    return found


def _with_input(runtime: Runtime, job: Job, deadline: Deadline) -> Job:
    """The candidate with its input: from the history item, else from its poll answer (whose
    carrying the input is not documented either)."""
    if job.payload is not None:
        return job
    try:
        data = runtime.check_once(job.id, deadline)
    except (APIError, APIConnectionError) as failure:  # this one stays unidentified
        logger.info("candidate %s: its input could not be read (%s)", job.id, failure)
        return job
    return job if data is None else runtime.job_from(data)


def _digest(value: Any) -> str:
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """Numbers by value (``5`` and ``5.0`` alike), mappings and lists throughout."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return str(value)
