"""Jobs of ``FakeWaveSpeed``: their schedule, their store and their JSON rendering."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from wavevid.testing._fake_rules import JobScript, Outcome

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "timeout"})

_FAILURE_DEFAULTS: Mapping[str, tuple[int, str]] = {
    "failed": (1403, "Task execution failed."),
    "cancelled": (1405, "The task was cancelled."),
    "timeout": (5004, "The task timed out."),
}


@dataclass(frozen=True)
class Plan:
    """What happens to a job, fixed when it is submitted."""

    queue_seconds: float
    processing_seconds: float
    outcome: Outcome
    code: int | None
    error: str
    outputs: list[Any] | None

    @classmethod
    def from_script(
        cls, script: JobScript | None, *, queue_seconds: float, processing_seconds: float
    ) -> Plan:
        """Build the plan for ``script`` (``None``: complete normally) over the fake's defaults."""
        if script is None:
            return cls(queue_seconds, processing_seconds, "completed", None, "", None)
        default_code, default_error = _FAILURE_DEFAULTS.get(script.outcome, (None, ""))
        return cls(
            queue_seconds=_first(script.queue_seconds, queue_seconds),
            processing_seconds=_first(script.processing_seconds, processing_seconds),
            outcome=script.outcome,
            code=default_code if script.code is None else script.code,
            error=script.error or default_error,
            outputs=script.outputs,
        )


def _first(override: float | None, default: float) -> float:
    return default if override is None else override


@dataclass(eq=False)
class FakeJob:
    """A job the fake accepted; its status is a function of time.

    ``created`` for the plan's queue time, then ``processing`` for its processing time, then the
    planned outcome. A ``never`` job stays ``processing`` until ``finished_monotonic`` is set (by
    ``FakeWaveSpeed.finish``), and then is ``completed``. ``created_at`` is the wall-clock time
    (UTC); the ``*_monotonic`` fields are ``time.monotonic()`` values.
    """

    id: str
    model: str
    input: dict[str, Any]
    webhook: str | None
    created_at: datetime
    created_monotonic: float
    plan: Plan
    finished_monotonic: float | None = None

    @property
    def processing_starts(self) -> float:
        """The moment the job leaves the queue."""
        return self.created_monotonic + self.plan.queue_seconds

    def terminal_at(self) -> float | None:
        """The moment the job is (or will be) terminal; ``None`` for an unfinished ``never`` job."""
        if self.finished_monotonic is not None:
            return self.finished_monotonic
        if self.plan.outcome == "never":
            return None
        return self.processing_starts + self.plan.processing_seconds

    @property
    def completed_monotonic(self) -> float | None:
        """When the status became terminal, or ``None`` while it is not terminal yet."""
        end = self.terminal_at()
        return end if end is not None and end <= time.monotonic() else None

    @property
    def final_status(self) -> str:
        """The terminal status the job reaches."""
        return "completed" if self.plan.outcome == "never" else self.plan.outcome

    @property
    def status(self) -> str:
        """The current status: created, processing or a terminal one."""
        if self.completed_monotonic is not None:
            return self.final_status
        return "created" if time.monotonic() < self.processing_starts else "processing"


def render_prediction(job: FakeJob, base_url: str, *, submitted: bool = False) -> dict[str, Any]:
    """Return the prediction object the API shows for ``job`` now.

    ``submitted=True`` renders the answer to the submit itself, which is always ``created``.
    """
    status = "created" if submitted else job.status
    data: dict[str, Any] = {
        "id": job.id,
        "model": job.model,
        "outputs": [],
        "urls": {"get": f"{base_url}/api/v3/predictions/{job.id}/result"},
        "has_nsfw_contents": [],
        "status": status,
        "created_at": job.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "error": "",
        "timings": {"inference": 0},
    }
    end = job.terminal_at()
    if status in TERMINAL_STATUSES and end is not None:
        data.update(_terminal_fields(job, base_url, status, end))
    return data


def _terminal_fields(job: FakeJob, base_url: str, status: str, end: float) -> dict[str, Any]:
    milliseconds = max(round((end - job.processing_starts) * 1000), 0)
    fields: dict[str, Any] = {"executionTime": milliseconds, "timings": {"inference": milliseconds}}
    if status == "completed":
        outputs = job.plan.outputs
        if outputs is None:
            outputs = [f"{base_url}/outputs/{job.id}.mp4"]
        fields.update(outputs=outputs, has_nsfw_contents=[False] * len(outputs))
    else:
        fields.update(code=job.plan.code, error=job.plan.error)
    return fields


class JobStore:
    """Thread-safe store of jobs in submit order; lets a caller wait for a job to end."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._jobs: dict[str, FakeJob] = {}
        self._closed = False

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

    def finish(self, job_id: str) -> None:
        """End job ``job_id`` now unless it is terminal already; ``KeyError`` if unknown."""
        with self._changed:
            job = self._jobs[job_id]
            if job.completed_monotonic is None:
                job.finished_monotonic = time.monotonic()
            self._changed.notify_all()

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
