"""Jobs: one WaveSpeed prediction, its state, and waiting for it.

Polls follow the model's expected run time E, counted from when the job leaves the queue: every
min(2.5 s, E/4) until E (rare early, for a job that finishes early), one poll at E, then from
1 s after it, backing off slowly to 5 s. Never past the caller's deadline; ``poll_interval``
forces a fixed interval instead.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._constants import (
    CALL_DEADLINE,
    EARLY_POLL_CAP,
    EARLY_POLL_FRACTION,
    JOB_TIMEOUT,
    LATE_POLL_CAP,
    LATE_POLL_GROWTH,
    LATE_POLL_MIN,
    MIN_POLL_INTERVAL,
    PROGRESS_TICK,
)
from ._deadline import Clock, Deadline
from ._logging import get_logger
from ._progress import Progress, ProgressCallback
from .errors import (
    APIConnectionError,
    JobFailedError,
    JobTimeoutError,
    RateLimitError,
    ServerError,
)

logger = get_logger("wavevid.jobs")

TERMINAL = frozenset({"completed", "failed", "cancelled", "timeout"})
"""Statuses after which a job never changes."""
QUEUED = frozenset({"created", "pending", "queued"})
_KNOWN = TERMINAL | QUEUED | {"processing"}
_warned_statuses: set[str] = set()

#: Failures worth polling through: the job runs on whatever our connection does.
_TRANSIENT = (APIConnectionError, ServerError, RateLimitError)


class Stopped(Exception):
    """A wait was stopped from another thread (a batch interrupted with Ctrl-C)."""


@dataclass
class Poller:
    """What jobs need from their client: fetch a job's data, the clock, the sleeper."""

    fetch: Callable[[str, Deadline], Mapping[str, Any]]
    clock: Clock
    sleep: Callable[[float], None]
    poll_interval: float | None = None


class PollSchedule:
    """When to poll next (see the module docstring); one per wait."""

    def __init__(self, expected: float, fixed_interval: float | None = None) -> None:
        self.expected = max(expected, MIN_POLL_INTERVAL)
        self.fixed_interval = fixed_interval
        self._late_polls = 0

    def next_delay(self, running_for: float | None) -> float:
        """Seconds until the next poll; ``running_for`` is None while the job is queued."""
        if self.fixed_interval is not None:
            return self.fixed_interval
        early = min(EARLY_POLL_CAP, max(MIN_POLL_INTERVAL, self.expected * EARLY_POLL_FRACTION))
        if running_for is None:
            return early
        if running_for < self.expected:
            return max(MIN_POLL_INTERVAL, min(early, self.expected - running_for))
        delay = min(LATE_POLL_CAP, LATE_POLL_MIN * LATE_POLL_GROWTH**self._late_polls)
        self._late_polls += 1
        return delay


class Job:
    """A WaveSpeed job. ``refresh()`` fetches its state; ``wait()`` blocks until it ends."""

    def __init__(
        self,
        data: Mapping[str, Any],
        poller: Poller,
        *,
        expected_seconds: float,
        model_name: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        self.id: str = str(data["id"])
        """The WaveSpeed job (prediction) id."""
        self.model_name = model_name
        """The catalog name, when the job was submitted through the catalog."""
        self.payload = payload
        """The request body sent, when this client submitted the job."""
        self.expected_seconds = expected_seconds
        """Typical run time once out of the queue; drives polling and progress."""
        self._poller = poller
        self._queued_until: float | None = None
        self._started_at: float | None = None
        self._update(data)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.model} {self.status}>"

    def _update(self, data: Mapping[str, Any]) -> None:
        self.raw: Mapping[str, Any] = data
        """The last data WaveSpeed sent for this job."""
        self.model: str = str(data.get("model") or getattr(self, "model", "") or "")
        """The WaveSpeed model path."""
        self.status: str = str(data.get("status") or "created")
        self.outputs: list[Any] = list(data.get("outputs") or [])
        """Output URLs (temporary: WaveSpeed keeps them 7 days)."""
        self.error: str = str(data.get("error") or "")
        code = data.get("code")
        self.code: int | None = code if isinstance(code, int) and code != 0 else None
        """WaveSpeed's task error code: 1xxx the input, 5xxx the service."""
        self.created_at: dt.datetime | None = parse_time(data.get("created_at"))
        self.has_nsfw_contents: list[bool] = list(data.get("has_nsfw_contents") or [])
        self.timings: Mapping[str, Any] = dict(data.get("timings") or {})
        self._track_start()

    def _track_start(self) -> None:
        """Estimate when the job left the queue: the last moment it was seen queued, or, for a
        job first seen running, its creation time (queue included: an overestimate)."""
        now = self._poller.clock()
        if self.status in QUEUED:
            self._queued_until = now
        elif self._started_at is None:
            self._started_at = self._queued_until
            if self._started_at is None:
                self._started_at = now - _age_seconds(self.created_at)
        if self.status not in _KNOWN and self.status not in _warned_statuses:
            _warned_statuses.add(self.status)
            logger.warning("job %s: unknown status %r, treated as running", self.id, self.status)

    @property
    def done(self) -> bool:
        """True once the status is terminal: completed, failed, cancelled or timeout."""
        return self.status in TERMINAL

    @property
    def succeeded(self) -> bool:
        return self.status == "completed"

    def running_for(self) -> float | None:
        """Seconds since the job left the queue (as far as polls can tell), None while queued."""
        if self._started_at is None:
            return None
        return self._poller.clock() - self._started_at

    def refresh(self, *, timeout: float | None = None) -> Job:
        """Fetch the current state (one GET, with the transport's retries); returns self."""
        seconds = CALL_DEADLINE if timeout is None else timeout
        return self._refresh(Deadline(seconds, self._poller.clock))

    def _refresh(self, deadline: Deadline) -> Job:
        self._update(self._poller.fetch(self.id, deadline))
        return self

    def wait(
        self, timeout: float | None = None, progress_callback: ProgressCallback | None = None
    ) -> Job:
        """Block until the job ends; returns self once completed.

        Args:
            timeout: seconds to wait in all (default JOB_TIMEOUT); the job runs on after it.
            progress_callback: ``callback(fraction, message)``, ending at 1.0.

        Raises:
            JobFailedError: failed, cancelled or timed out remotely.
            JobTimeoutError: the deadline passed first (``get_job(id).wait()`` resumes).
            APIError: the API refused a poll (a revoked key, an unknown job).
            KeyboardInterrupt: with ``job_id`` set on it; the job runs on.
        """
        deadline = Deadline(JOB_TIMEOUT if timeout is None else timeout, self._poller.clock)
        self.wait_until(deadline, Progress(progress_callback))
        return self

    def wait_until(
        self, deadline: Deadline, progress: Progress, stop: threading.Event | None = None
    ) -> None:
        """``wait`` for callers that own the deadline and progress (generate, batches)."""
        schedule = PollSchedule(self.expected_seconds, self._poller.poll_interval)
        try:
            while not self.done:
                if deadline.expired:
                    raise JobTimeoutError(self.id, deadline.seconds)
                delay = schedule.next_delay(self.running_for())
                self._pause(deadline.clip(delay), progress, stop)
                self._poll(deadline)
                self._report(progress)
        except KeyboardInterrupt as interrupt:
            attach_job(interrupt, self.id)
            raise
        if not self.succeeded:
            raise JobFailedError(self.id, self.status, code=self.code, error=self.error)
        progress.job_completed()

    def _poll(self, deadline: Deadline) -> None:
        try:
            self._refresh(deadline)
        except _TRANSIENT as error:
            if deadline.expired:
                raise JobTimeoutError(self.id, deadline.seconds) from error
            logger.warning("job %s: poll failed (%s); polling on", self.id, error)

    def _pause(self, seconds: float, progress: Progress, stop: threading.Event | None) -> None:
        """Sleep ``seconds``, telling the progress callback about time passing."""
        end = self._poller.clock() + seconds
        while True:
            left = end - self._poller.clock()
            if left <= 0:
                return
            step = min(left, PROGRESS_TICK) if progress.active else left
            if stop is not None:
                if stop.wait(step):
                    raise Stopped(self.id)
            else:
                self._poller.sleep(step)
            self._report(progress)

    def _report(self, progress: Progress) -> None:
        running = self.running_for()
        if self.done:
            return
        if running is None:
            progress.queued()
        else:
            progress.processing(running, self.expected_seconds)


def attach_job(interrupt: KeyboardInterrupt, job_id: str) -> None:
    interrupt.job_id = job_id  # type: ignore[attr-defined]
    note = f"wavevid: job {job_id} still runs on WaveSpeed; client.get_job({job_id!r}) resumes it"
    if hasattr(interrupt, "add_note"):
        interrupt.add_note(note)


def _age_seconds(moment: dt.datetime | None) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (dt.datetime.now(dt.timezone.utc) - moment).total_seconds())


_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(value: object) -> dt.datetime | None:
    """An ISO-8601 time as WaveSpeed writes it (nanoseconds, ``Z``), in UTC; None if absent."""
    if not isinstance(value, str) or not value:
        return None
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
