"""Jobs of ``FakeWaveSpeed``: their plan, their status over time and their JSON rendering."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wavevid.testing._rules import JobScript, Outcome

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "timeout", "deleted"})
"""Every status a job ends in; ``deleted`` is weakly sourced (one WaveSpeed blog post)."""

_FAILURE_DEFAULTS: Mapping[str, tuple[int | None, str]] = {
    "failed": (1403, "Task execution failed."),
    "cancelled": (1405, "The task was cancelled."),
    "timeout": (5004, "The task timed out."),
    "deleted": (None, "The task was deleted."),
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

    ``created`` until ``starts_monotonic`` (the plan's queue time after the submit, later when
    the fake's ``max_concurrency`` makes it wait for a free slot; ``None`` while no slot is
    known to free up), then ``processing`` for the plan's processing time, then the planned
    outcome. A ``never`` job stays ``processing`` until ``finished_monotonic`` is set (by
    ``FakeWaveSpeed.finish``), and then is ``completed``. ``input`` is the body the service
    kept (keys the model does not know are dropped). ``created_at`` is the wall-clock time
    (UTC); the ``*_monotonic`` fields are ``time.monotonic()`` values.
    """

    id: str
    model: str
    input: dict[str, Any]
    webhook: str | None
    created_at: datetime
    created_monotonic: float
    plan: Plan
    starts_monotonic: float | None = None
    finished_monotonic: float | None = None

    @property
    def ready_monotonic(self) -> float:
        """The moment the job's queue time ends: it starts then if a slot is free."""
        return self.created_monotonic + self.plan.queue_seconds

    def terminal_at(self) -> float | None:
        """The moment the job is (or will be) terminal; ``None`` for an unfinished ``never``
        job, and for a job that waits for a slot no known end frees."""
        if self.finished_monotonic is not None:
            return self.finished_monotonic
        if self.plan.outcome == "never" or self.starts_monotonic is None:
            return None
        return self.starts_monotonic + self.plan.processing_seconds

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
        starts = self.starts_monotonic
        return "processing" if starts is not None and time.monotonic() >= starts else "created"


def render_prediction(
    job: FakeJob, base_url: str, *, submitted: bool = False, with_input: bool = False
) -> dict[str, Any]:
    """Return the prediction object the API shows for ``job`` now.

    ``submitted=True`` renders the answer to the submit itself, which is always ``created``;
    ``with_input=True`` adds the job's ``input``.
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
    if with_input:
        data["input"] = job.input
    return data


def _terminal_fields(job: FakeJob, base_url: str, status: str, end: float) -> dict[str, Any]:
    starts = end if job.starts_monotonic is None else job.starts_monotonic
    milliseconds = max(round((end - starts) * 1000), 0)
    fields: dict[str, Any] = {"executionTime": milliseconds, "timings": {"inference": milliseconds}}
    if status == "completed":
        outputs = job.plan.outputs
        if outputs is None:
            outputs = [f"{base_url}/outputs/{job.id}.mp4"]
        fields.update(outputs=outputs, has_nsfw_contents=[False] * len(outputs))
    else:
        fields.update(code=job.plan.code, error=job.plan.error)
    return fields


