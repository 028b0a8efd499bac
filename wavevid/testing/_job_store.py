"""The jobs of one ``FakeWaveSpeed``, in submit order, and when each may start.

Without a concurrency limit a job starts when its queue time ends. With ``max_concurrency``,
as WaveSpeed's account-levels page describes it ("over the concurrency limit a new task waits
until one finishes"), jobs start in submit order, each once its queue time has ended and fewer
than ``max_concurrency`` jobs are processing.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from wavevid.testing._jobs import FakeJob, Plan


class JobStore:
    """Thread-safe store of jobs in submit order; lets a caller wait for a job to end."""

    def __init__(self, max_concurrency: int | None = None) -> None:
        """``max_concurrency``: how many jobs may process at once (``None``: any number)."""
        self._changed = threading.Condition()
        self._jobs: dict[str, FakeJob] = {}
        self._closed = False
        self._limit = max_concurrency

    def create(self, model: str, body: dict[str, Any], webhook: str | None, plan: Plan) -> FakeJob:
        """Accept a new job now and return it; its id is 32 lowercase hex characters."""
        job = FakeJob(
            id=uuid.uuid4().hex,
            model=model,
            input=body,
            webhook=webhook,
            created_at=datetime.now(timezone.utc),
            created_monotonic=time.monotonic(),
            plan=plan,
        )
        with self._changed:
            job.starts_monotonic = self._start_of(job, list(self._jobs.values()))
            self._jobs[job.id] = job
        return job

    def get(self, job_id: str | None) -> FakeJob | None:
        """Return the job named ``job_id``, or ``None``."""
        with self._changed:
            return self._jobs.get(job_id) if job_id is not None else None

    def snapshot(self) -> dict[str, FakeJob]:
        """Return a copy of the id -> job mapping, in submit order."""
        with self._changed:
            return dict(self._jobs)

    def newest_first(self) -> list[FakeJob]:
        """Return every job, the most recently submitted first."""
        with self._changed:
            return list(reversed(self._jobs.values()))

    def finish(self, job_id: str) -> list[FakeJob]:
        """End job ``job_id`` now unless it is terminal already; ``KeyError`` if unknown.

        Returns the jobs whose end moved: this one, and those that start sooner because its
        slot is free.
        """
        now = time.monotonic()
        with self._changed:
            job = self._jobs[job_id]
            if job.completed_monotonic is not None:
                return []
            job.finished_monotonic = now
            if job.starts_monotonic is None or job.starts_monotonic > now:
                job.starts_monotonic = now  # it never held a slot
            moved = [job, *self._reschedule(now)]
            self._changed.notify_all()
            return moved

    def wait_terminal(self, job: FakeJob, timeout: float) -> bool:
        """Block until ``job`` is terminal (True) or ``timeout`` passes or the store closes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while job.completed_monotonic is None and not self._closed:
                now = time.monotonic()
                if now >= deadline:
                    return False
                end = job.terminal_at()
                wake = deadline if end is None else min(deadline, end)
                self._changed.wait(max(wake - now, 0.0))
            return job.completed_monotonic is not None

    def clear(self) -> None:
        """Forget every job."""
        with self._changed:
            self._jobs.clear()

    def close(self) -> None:
        """Release every ``wait_terminal`` caller now and from now on."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    # Scheduling (callers hold self._changed)

    def _reschedule(self, now: float) -> list[FakeJob]:
        """Start again the computation for every job that has not started; return those moved."""
        moved = []
        jobs = list(self._jobs.values())
        for index, job in enumerate(jobs):
            starts = job.starts_monotonic
            if job.finished_monotonic is not None or (starts is not None and starts <= now):
                continue
            job.starts_monotonic = self._start_of(job, jobs[:index])
            if job.starts_monotonic != starts:
                moved.append(job)
        return moved

    def _start_of(self, job: FakeJob, earlier: list[FakeJob]) -> float | None:
        """When ``job`` starts, given the jobs submitted before it; ``None``: not foreseeable."""
        if self._limit is None:
            return job.ready_monotonic
        starts = [other.starts_monotonic for other in earlier]
        if None in starts:
            return None  # in submit order: behind a job that waits for a slot itself
        earliest = max([job.ready_monotonic, *(s for s in starts if s is not None)])
        ends = [_end(other) for other in earlier]
        for moment in sorted({earliest, *(end for end in ends if earliest < end < math.inf)}):
            if sum(end > moment for end in ends) < self._limit:
                return moment
        return None


def _end(job: FakeJob) -> float:
    end = job.terminal_at()
    return math.inf if end is None else end
