"""Jobs: one WaveSpeed prediction, its state, and waiting for it.

A GET of a job's state is a *check*. One client never sends two checks of one job closer than
the job's minimum gap (MIN_IMAGE_CHECK_GAP for image tasks, MIN_VIDEO_CHECK_GAP for every other
task and for paths outside the catalog), failed checks included, counted from the end of the
previous check: the wait loop, not the transport, decides when to check again, on its schedule
and after any ``Retry-After``. The gap is kept per job and per client under a lock
(``_checks``); other clients and other processes checking the same job are not coordinated
with, and ``refresh()`` or ``get_job()`` inside the gap answer with the state last seen.

Where the checks go (``_schedule``) follows the expected run time, counted from when the job
left the queue: the run time learned on this client from completed jobs of the same model and
timing parameters (``_run_times``), else the catalog's. Never past the caller's deadline. An
explicit ``poll_interval`` checks at that interval instead, raised to the minimum gap unless the
API is on a loopback host (a local fake), where no gap applies then.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._checks import TRANSIENT, JobChecker, retry_after
from ._constants import CALL_DEADLINE, JOB_TIMEOUT
from ._deadline import Clock, Deadline
from ._job_data import is_job_id, read_fields
from ._locks import ForkSafeLock
from ._logging import get_logger
from ._progress import Progress, ProgressCallback, check_callback
from ._run_times import reported_run_time, run_time_key
from ._schedule import CheckPlan
from ._short_text import short_repr
from ._steps import Stopped as Stopped  # where batches and tests have always found it
from ._steps import run
from ._times import age_seconds
from ._waiting import wait_steps
from .errors import APIError, JobTimeoutError

if TYPE_CHECKING:
    from .catalog import Model

__all__ = ["Job"]

logger = get_logger("wavevid.jobs")

TERMINAL = frozenset({"completed", "failed", "cancelled", "timeout", "deleted"})
"""Statuses after which a job never changes; every one but ``completed`` fails a wait."""
QUEUED = frozenset({"created", "pending", "queued"})
_KNOWN = TERMINAL | QUEUED | {"processing"}
_warned_statuses: set[str] = set()


class Job:
    """A WaveSpeed job. ``refresh()`` checks its state; ``wait()`` blocks until it ends."""

    def __init__(
        self,
        data: Mapping[str, Any],
        checker: JobChecker,
        *,
        expected_seconds: float,
        model_name: str | None = None,
        payload: Mapping[str, Any] | None = None,
        entry: Model | None = None,
        path: str | None = None,
    ) -> None:
        job_id = data.get("id")
        if not is_job_id(job_id):
            raise APIError(f"the answer names no job id: {short_repr(job_id)}", status_code=200)
        self.id: str = job_id
        """The WaveSpeed job (prediction) id."""
        self.model_name = model_name
        """The catalog name, when the job was submitted through the catalog."""
        self.payload = payload
        """The request body sent, when this client submitted the job."""
        self.expected_seconds = expected_seconds
        """Typical run time once out of the queue, from the catalog; a wait plans with the run
        time learned on this client instead, once it has one."""
        self._checker = checker
        self._lock = ForkSafeLock(reentrant=True)
        self._gap, self._fixed = checker.intervals(entry.task if entry is not None else None)
        self._run_key = run_time_key(path or str(data.get("model") or ""), payload, entry)
        self._seen_at = float("-inf")
        self._queued_until: float | None = None
        self._queued_by_check = False
        self._started_at: float | None = None
        self._running_checked_at: float | None = None
        self._learned = False
        self._not_before = float("-inf")
        self._update(data, checked=False)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.model} {self.status}>"

    def _update(self, data: Mapping[str, Any], *, checked: bool) -> None:
        """Take an answer about the job; a field of the wrong type counts as absent
        (``_job_data``)."""
        fields = read_fields(data, self.id)
        with self._lock:
            if self._seen_at > float("-inf") and self.done and fields.status not in TERMINAL:
                return  # an older answer than the one that ended the job
            self._seen_at = self._checker.clock()
            self.raw: Mapping[str, Any] = data
            """The last data WaveSpeed sent for this job."""
            self.model: str = fields.model or str(getattr(self, "model", ""))
            """The WaveSpeed model path."""
            self.status: str = fields.status or "created"
            self.outputs: list[Any] = fields.outputs
            """Output URLs (temporary: WaveSpeed keeps them 7 days); empty when the answer
            had none, or none in a list."""
            self.error: str = fields.error
            self.code: int | None = fields.code
            """WaveSpeed's task error code: 1xxx the input, 5xxx the service."""
            self.created_at: dt.datetime | None = fields.created_at
            self.has_nsfw_contents: list[bool] = fields.has_nsfw_contents
            self.timings: Mapping[str, Any] = fields.timings
            self._track_start(checked)
            self._learn(checked)

    def _track_start(self, checked: bool) -> None:
        """Estimate when the job left the queue: when only the submit's answer saw it queued,
        that moment; between a check that saw it queued and the next, the midpoint; for a job
        first seen running, its creation time (queue included: an overestimate)."""
        now = self._seen_at
        if self.status in QUEUED:
            self._queued_until = now
            self._queued_by_check = self._queued_by_check or checked
        elif self._started_at is None:
            if self._queued_until is None:
                self._started_at = now - age_seconds(self.created_at)
            elif self._queued_by_check:
                self._started_at = (self._queued_until + now) / 2
            else:
                self._started_at = self._queued_until
        if checked and self.status not in TERMINAL and self.status not in QUEUED:
            self._running_checked_at = now
        if self.status not in _KNOWN and self.status not in _warned_statuses:
            _warned_statuses.add(self.status)
            logger.warning("job %s: unknown status %r, treated as running", self.id, self.status)

    def _learn(self, checked: bool) -> None:
        """A completed job feeds the client's learned run times, once."""
        if self._learned or self.status != "completed" or self._run_key is None:
            return
        self._learned = True
        seconds = reported_run_time(self.raw)
        if (seconds is None and checked and self._running_checked_at is not None
                and self._started_at is not None):
            seconds = (self._running_checked_at + self._seen_at) / 2 - self._started_at
        if seconds is not None:
            self._checker.run_times.add(self._run_key, self.id, seconds, self.expected_seconds)

    @property
    def done(self) -> bool:
        """True once the status is terminal (see TERMINAL)."""
        return self.status in TERMINAL

    @property
    def succeeded(self) -> bool:
        return self.status == "completed"

    def running_for(self) -> float | None:
        """Seconds since the job left the queue (as far as checks can tell), None while queued."""
        if self._started_at is None:
            return None
        return self._checker.clock() - self._started_at

    def refresh(self, *, timeout: float | None = None) -> Job:
        """Check the current state (one GET) and return self.

        Within the job's minimum gap since this client last checked it, no request is sent:
        the job keeps the state this client saw last (from any Job object of the same id). A
        check that fails transiently (no connection, a 5xx, a 429) is tried again once the gap
        and any ``Retry-After`` have passed, within ``timeout`` (default CALL_DEADLINE).

        Raises:
            NotFoundError: no such job. APIError, APIConnectionError.
        """
        seconds = CALL_DEADLINE if timeout is None else timeout
        deadline = Deadline(seconds, self._checker.clock)
        data = self._checker.check_patiently(self.id, self._gap, deadline)
        if data is None:
            self._adopt_latest()
        else:
            self._update(data, checked=True)
        return self

    def _adopt_latest(self) -> None:
        latest = self._checker.checks.latest(self.id)
        if latest is not None and latest[1] >= self._seen_at:
            self._update(latest[0], checked=True)

    def wait(
        self, timeout: float | None = None, progress_callback: ProgressCallback | None = None
    ) -> Job:
        """Block until the job ends; returns self once completed.

        Args:
            timeout: seconds to wait in all (default JOB_TIMEOUT); the job runs on after it.
            progress_callback: ``callback(fraction, message)``, ending at 1.0.

        Raises:
            JobFailedError: any terminal status but ``completed`` (failed, cancelled, timeout,
                deleted), with ``status`` set.
            JobTimeoutError: the deadline passed first (``get_job(id).wait()`` resumes).
            NotFoundError: WaveSpeed does not know the job (at once, with ``job_id``).
            APIError: the API refused a check (a revoked key).
            KeyboardInterrupt: with ``job_id`` set on it; the job runs on.
            TypeError: a progress callback that cannot take two arguments (before any check).
        """
        check_callback(progress_callback, 2, "progress_callback(fraction, message)")
        deadline = Deadline(JOB_TIMEOUT if timeout is None else timeout, self._checker.clock)
        self.wait_until(deadline, Progress(progress_callback))
        return self

    def wait_until(
        self, deadline: Deadline, progress: Progress, stop: threading.Event | None = None
    ) -> None:
        """``wait`` for callers that own the deadline and progress: the steps of
        ``_waiting.wait_steps``, slept on this thread (or on ``stop``, which ends the wait with
        Stopped when set)."""
        run(wait_steps(self, deadline, progress), self._checker.sleep, stop)

    # --- what a wait's steps use (``_waiting``) ------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The client's monotonic clock."""
        return self._checker.clock

    def planned_seconds(self) -> float:
        """The run time a wait plans with: learned on this client, else ``expected_seconds``."""
        return self._checker.run_times.estimate(self._run_key, self.expected_seconds)

    def check_intervals(self) -> tuple[float, float | None]:
        """(the minimum gap between checks, the explicit interval or None)."""
        return self._gap, self._fixed

    def next_check_at(self, plan: CheckPlan) -> float:
        """When the plan puts the next check, never inside the gap or a ``Retry-After``."""
        now = self._checker.clock()
        last = self._checker.checks.last(self.id)
        earliest = max(now, self._not_before, now if last is None else last + self._gap)
        return plan.next_at(
            earliest, started=self._started_at, queued_until=self._queued_until,
            queued_by_check=self._queued_by_check, last=last,
        )

    def check_for_wait(self, deadline: Deadline) -> None:
        """A wait's check: a transient failure is logged and checked again on schedule (after
        any ``Retry-After``), unless the deadline has passed (JobTimeoutError)."""
        try:
            data = self._checker.check(self.id, self._gap, deadline)
        except TRANSIENT as error:
            if deadline.expired:
                raise JobTimeoutError(self.id, deadline.seconds) from error
            self._not_before = self._checker.clock() + retry_after(error)
            logger.warning("job %s: check failed (%s); checking on schedule", self.id, error)
            return
        if data is None:
            self._adopt_latest()
        else:
            self._update(data, checked=True)
