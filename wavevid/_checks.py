"""Checks: GETs of a job's state, and the minimum gap between two of them.

Every GET of ``/predictions/{id}/result`` is a check, and a failed one counts. One client never
sends two checks of one job closer than the job's minimum gap (``_schedule.min_check_gap``),
counted from the end of the previous check (its request reached the server before then): the
gap is kept per job id in a :class:`CheckLog`, under a lock, so Job objects of the same id
and threads sharing the client respect it together. A check that would come too soon is not
sent; the caller keeps the state last seen. Checks go out without the transport's quick
retries (CHECK_POLICY); a transient failure is tried again no sooner than the gap (and the
server's ``Retry-After``). Other clients and other processes are not coordinated with.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ._configuration import is_loopback
from ._constants import CHECK_LOG_ENTRIES, MAX_RETRIES
from ._deadline import Clock, Deadline
from ._locks import ForkSafeLock
from ._logging import get_logger
from ._retry import RetryPolicy
from ._run_times import RunTimes
from ._schedule import CLOCK_SLACK, min_check_gap
from ._steps import Call, Plan, Sleep, run
from .errors import APIConnectionError, RateLimitError, ServerError

logger = get_logger("wavevid.jobs")

#: The transport policy of a check: one attempt; the caller schedules the next.
CHECK_POLICY = RetryPolicy(max_retries=0)

#: Failures worth checking again after: the job runs on whatever our connection does.
TRANSIENT = (APIConnectionError, ServerError, RateLimitError)


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host is loopback (a local fake, the demo): exempt from raising an
    explicit poll interval to the minimum gap."""
    host = urlsplit(url).hostname
    return bool(host) and is_loopback(host or "")


def retry_after(error: BaseException) -> float:
    """The wait a failure asks for: a 429's ``Retry-After``, else 0."""
    if isinstance(error, RateLimitError) and error.retry_after:
        return error.retry_after
    return 0.0


@dataclass
class _Entry:
    at: float
    gap: float
    data: Mapping[str, Any] | None = None
    answered_at: float = float("-inf")


class CheckLog:
    """When this client last checked each job, and what the last answer said."""

    def __init__(self) -> None:
        self._lock = ForkSafeLock()
        self._entries: dict[str, _Entry] = {}

    def reserve(self, job_id: str, gap: float, now: float) -> bool:
        """Claim a check of ``job_id`` at ``now``: False (and nothing recorded) when the last
        one was less than ``gap`` ago."""
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is not None and now - entry.at < gap - CLOCK_SLACK:
                return False
            if entry is None:
                self._prune(now)
                self._entries[job_id] = _Entry(now, gap)
            else:
                entry.at, entry.gap = now, gap
            return True

    def ended(self, job_id: str, now: float, data: Mapping[str, Any] | None = None) -> None:
        """A check claimed earlier has ended at ``now``, with ``data`` (None: it failed). The
        gap counts from here: the request reached the server before its answer came back,
        however long it took to send."""
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is None:
                return
            entry.at = max(entry.at, now)
            if data is not None and now >= entry.answered_at:
                entry.data, entry.answered_at = data, now

    def last(self, job_id: str) -> float | None:
        """When the job's last check ended, or began if it is under way (None: not recently)."""
        with self._lock:
            entry = self._entries.get(job_id)
            return None if entry is None else entry.at

    def gap(self, job_id: str) -> float | None:
        """The gap the job's last check was made under."""
        with self._lock:
            entry = self._entries.get(job_id)
            return None if entry is None else entry.gap

    def latest(self, job_id: str) -> tuple[Mapping[str, Any], float] | None:
        """The last answer and when it came, if it is still remembered."""
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is None or entry.data is None:
                return None
            return entry.data, entry.answered_at

    def _prune(self, now: float) -> None:
        if len(self._entries) < CHECK_LOG_ENTRIES:
            return
        for job_id in [k for k, e in self._entries.items() if now - e.at >= e.gap]:
            del self._entries[job_id]


@dataclass
class JobChecker:
    """What jobs need from their client: one check of a job (a GET without retries), the clock
    and sleeper, the explicit poll interval, and the client's check log and learned run times."""

    fetch: Callable[[str, Deadline], Mapping[str, Any]]
    clock: Clock
    sleep: Callable[[float], None]
    poll_interval: float | None = None
    """An explicit interval between checks; None follows the schedule."""
    loopback: bool = False
    """The API is on a loopback host: an explicit interval is used as given."""
    retries: int = MAX_RETRIES
    """How often refresh() and get_job() try a transiently failing check again."""
    checks: CheckLog = field(default_factory=CheckLog)
    run_times: RunTimes = field(default_factory=RunTimes)
    _raised: bool = field(default=False, init=False, repr=False)

    def intervals(self, task: str | None) -> tuple[float, float | None]:
        """(minimum gap, fixed interval or None) for a job of catalog task ``task``. An explicit
        interval below the gap is raised to it (logged once); on a loopback host it is used as
        given, and no gap applies."""
        gap = min_check_gap(task)
        interval = self.poll_interval
        if interval is None:
            return gap, None
        if self.loopback:
            return 0.0, interval
        if interval < gap:
            if not self._raised:
                self._raised = True
                logger.info("poll interval %g s raised to the minimum gap between checks of"
                            " one job, %g s", interval, gap)
            return gap, gap
        return gap, interval

    def check(self, job_id: str, gap: float, deadline: Deadline) -> Mapping[str, Any] | None:
        """One check now, or None (no request) when the job was checked less than ``gap`` ago.

        Raises:
            what the fetch raises; the failed check still counts toward the gap.
        """
        if not self.checks.reserve(job_id, gap, self.clock()):
            return None
        data = None
        try:
            data = self.fetch(job_id, deadline)
        finally:
            self.checks.ended(job_id, self.clock(), data)
        return data

    def check_patiently(
        self, job_id: str, gap: float, deadline: Deadline
    ) -> Mapping[str, Any] | None:
        """:meth:`check`, a transient failure tried again (up to ``retries`` times, within the
        deadline) once the gap and any ``Retry-After`` have passed."""
        return run(self.check_patiently_steps(job_id, gap, deadline), self.sleep)

    def check_patiently_steps(
        self, job_id: str, gap: float, deadline: Deadline
    ) -> Plan[Mapping[str, Any] | None]:
        """:meth:`check_patiently` as a plan (``_steps``): its waits are steps."""
        tries = 0
        while True:
            try:
                data: Mapping[str, Any] | None = yield Call(
                    functools.partial(self.check, job_id, gap, deadline), deadline
                )
                return data
            except TRANSIENT as error:
                last = self.checks.last(job_id)
                resume = max((last if last is not None else 0.0) + gap,
                             self.clock() + retry_after(error))
                wait = max(0.0, resume - self.clock())
                if tries >= self.retries or wait >= deadline.remaining():
                    raise
                tries += 1
                logger.info("job %s: check failed (%s); again in %.1f s", job_id, error, wait)
                yield Sleep(wait)

    def get_steps(self, job_id: str, deadline: Deadline) -> Plan[Mapping[str, Any]]:
        """The job's data for ``get_job``, as a plan: a check, or within the gap the last
        answer."""
        gap = self.checks.gap(job_id)
        if gap is None:
            gap = self.intervals(None)[0]
        while True:
            data = yield from self.check_patiently_steps(job_id, gap, deadline)
            if data is not None:
                return data
            latest = self.checks.latest(job_id)
            if latest is not None:
                return latest[0]
            # Checked a moment ago by another thread, whose answer has not come: wait our turn.
            last = self.checks.last(job_id)
            wait = max(0.0, (last if last is not None else 0.0) + gap - self.clock())
            if wait >= deadline.remaining():
                raise APIConnectionError(f"job {job_id}: no check allowed before the deadline")
            yield Sleep(wait)
