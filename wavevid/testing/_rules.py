"""Injected behaviour for ``FakeWaveSpeed``: request faults and job scripts.

Both are *rules*: kept in the order they were added, each matches some requests (or jobs) and is
used at most ``times`` times. The first live rule that matches wins, so a request consumes at most
one fault and a job follows at most one script.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

FaultTarget = Literal["submit", "poll", "download", "upload", "any"]
Outcome = Literal["completed", "failed", "cancelled", "timeout", "deleted", "never"]

_TARGETS = frozenset({"submit", "poll", "download", "upload", "any"})
_OUTCOMES = frozenset({"completed", "failed", "cancelled", "timeout", "deleted", "never"})


def subset_matches(when: Mapping[str, Any] | None, subject: object) -> bool:
    """Tell whether ``subject`` contains every key of ``when`` with an equal value.

    Nested mappings in ``when`` are matched as subsets too. ``None`` matches any subject
    (including none); any other ``when`` never matches a subject that is not a mapping.
    """
    if when is None:
        return True
    if not isinstance(subject, Mapping):
        return False
    return all(
        key in subject and _value_matches(value, subject[key]) for key, value in when.items()
    )


def _value_matches(expected: object, actual: object) -> bool:
    if isinstance(expected, Mapping):
        return subset_matches(expected, actual)
    return expected == actual


def _raise_problems(checks: tuple[tuple[bool, str], ...]) -> None:
    problems = [message for broken, message in checks if broken]
    if problems:
        raise ValueError("; ".join(problems))


@dataclass
class Fault:
    """One injected misbehaviour of the fake server.

    ``target`` picks the requests: ``submit`` (``POST /api/v3/<model>``), ``poll`` (``GET
    /api/v3/predictions/<id>[/result]``), ``download`` (``GET /outputs/<id>.mp4``), ``upload`` (the
    upload ticket, the presigned PUT, the multipart upload) or ``any`` (every request). Of those,
    it affects the ones about job ``job_id`` (if set) that match ``when`` (if set): ``when`` is
    matched against the body the job was submitted with when the request is about a known job
    (poll, download), else against the request's JSON body (submit, upload ticket). Requests
    refused for a missing or wrong API key never consume a fault.

    Effects, in order: ``delay`` (sleep before answering); then ``drop`` (close the connection
    without any response) or ``status`` (answer that status instead of running the endpoint,
    with ``Retry-After: <retry_after>`` if set); the answer is written with ``trickle`` (headers
    at once, then one small chunk of body per ``trickle`` seconds), ``cut_after`` (close after
    that many body bytes) or ``short_by`` (close when that many body bytes are missing) while
    ``Content-Length`` states the full size. A submit hit by ``drop`` or ``delay`` has created
    its job first.

    ``status`` is 400..599 and answers an error in the published shape (``{"code": status,
    "message": "<status text>", "data": {"error": ...}}``), or exactly ``body`` when given
    (``application/json`` if it parses as JSON, else ``text/html``: a gateway's page, a
    truncated answer); ``status=200`` needs a ``body`` (an answer that looks fine but is not).
    A submit answered with a ``status`` creates no job, unless ``create`` is set: then the job
    is created (as the endpoint would, sync mode included, without waiting for it) and the
    fault's answer replaces the real one, as a gateway's 502/504 does while the job runs.
    ``create`` is for ``submit`` faults with a ``status`` only.

    ``hits`` counts the requests the fault has affected; it stops matching once ``hits == times``
    (``times=None``: never).
    """

    target: FaultTarget
    times: int | None = 1
    status: int | None = None
    retry_after: float | int | None = None
    drop: bool = False
    delay: float = 0.0
    trickle: float | None = None
    cut_after: int | None = None
    short_by: int | None = None
    when: Mapping[str, Any] | None = None
    job_id: str | None = None
    body: bytes | None = None
    create: bool = False
    hits: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        """Reject values and combinations that have no meaning; raises ``ValueError``."""
        sizes = (self.delay, self.trickle or 0, self.cut_after or 0, self.short_by or 0)
        status_ok = self.status is None or 400 <= self.status <= 599 or (
            self.status == 200 and self.body is not None
        )
        _raise_problems(
            (
                (self.target not in _TARGETS, f"target must be one of {sorted(_TARGETS)}"),
                (self.times is not None and self.times < 1, "times must be None or >= 1"),
                (not status_ok, "status must be in 400..599, or 200 with a body"),
                (self.drop and self.status is not None, "drop and status exclude each other"),
                (self.body is not None and self.status is None, "body must come with a status"),
                (
                    self.create and (self.target != "submit" or self.status is None),
                    "create must come with target 'submit' and a status",
                ),
                (
                    self.cut_after is not None and self.short_by is not None,
                    "cut_after and short_by exclude each other",
                ),
                (min(sizes) < 0, "delay, trickle, cut_after and short_by must not be negative"),
            )
        )

    def applies_to(self, target: str | None, job_id: str | None, subject: object) -> bool:
        """Tell whether a request of kind ``target`` about ``job_id`` with ``subject`` matches."""
        return (
            self.target in ("any", target)
            and (self.job_id is None or self.job_id == job_id)
            and subset_matches(self.when, subject)
        )

    def body_limit(self, size: int) -> int:
        """Return how many bytes of a ``size``-byte body are sent before the connection closes."""
        if self.cut_after is not None:
            return min(self.cut_after, size)
        if self.short_by is not None:
            return max(size - self.short_by, 0)
        return size


@dataclass
class JobScript:
    """The scripted fate of jobs whose submit body matches ``when`` (``None``: every job).

    ``outcome`` is the terminal status reached at the end of processing; ``never`` keeps the job
    ``processing`` until ``FakeWaveSpeed.finish``. For ``failed``, ``cancelled``, ``timeout`` and
    ``deleted`` (a status one WaveSpeed post names) the result carries ``data.code`` and
    ``data.error`` (a default per outcome when ``code`` is ``None`` or ``error`` is empty; none
    for ``deleted``'s code) and no outputs. ``outputs`` replaces the default output list of
    a completed job; ``queue_seconds`` and ``processing_seconds`` override the fake's defaults.
    ``hits`` counts the jobs the script has shaped; it stops matching once ``hits == times``.
    """

    outcome: Outcome = "completed"
    code: int | None = None
    error: str = ""
    processing_seconds: float | None = None
    queue_seconds: float | None = None
    outputs: list[Any] | None = None
    when: Mapping[str, Any] | None = None
    times: int | None = None
    hits: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        """Reject values that have no meaning; raises ``ValueError``."""
        durations = (self.processing_seconds or 0, self.queue_seconds or 0)
        _raise_problems(
            (
                (self.outcome not in _OUTCOMES, f"outcome must be one of {sorted(_OUTCOMES)}"),
                (self.times is not None and self.times < 1, "times must be None or >= 1"),
                (min(durations) < 0, "queue_seconds and processing_seconds must not be negative"),
            )
        )


class _Rule(Protocol):
    times: int | None
    hits: int


RuleT = TypeVar("RuleT", bound=_Rule)


class RuleBook(Generic[RuleT]):
    """Thread-safe list of rules in the order added; a rule is live until ``hits == times``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[RuleT] = []

    def add(self, rule: RuleT) -> RuleT:
        """Append ``rule`` (after every rule added before) and return it."""
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, accepts: Callable[[RuleT], bool]) -> RuleT | None:
        """Return the first live rule that ``accepts``, counting one hit on it; else ``None``."""
        with self._lock:
            for rule in self._rules:
                if (rule.times is None or rule.hits < rule.times) and accepts(rule):
                    rule.hits += 1
                    return rule
        return None

    def clear(self) -> None:
        """Forget every rule."""
        with self._lock:
            self._rules.clear()
