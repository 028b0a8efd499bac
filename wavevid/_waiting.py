"""One wait for a job, as steps: the same schedule, deadline and progress whoever drives it.

:class:`Waiting` never sleeps and never sends a request: :meth:`Waiting.next_step` says what
comes next; :func:`wait_steps` makes that a plan (``_steps``) that every driver runs:
``Job.wait_until`` on its own thread (sleeping there, or on a batch's stop event), ``AsyncClient``
from the event loop (``asyncio.sleep``, the check in its executor: a waiting job holds no thread).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._constants import PROGRESS_TICK
from ._deadline import Deadline
from ._progress import Progress
from ._schedule import CheckPlan
from ._steps import Call, Known, Plan, Sleep
from .errors import JobFailedError, JobTimeoutError

if TYPE_CHECKING:
    from .jobs import Job

#: What :meth:`Waiting.next_step` returns when the job is to be checked now.
CHECK_NOW = 0.0


class Waiting:
    """One wait of ``job`` until ``deadline``, reporting to ``progress``; one driver at a time."""

    def __init__(self, job: Job, deadline: Deadline, progress: Progress) -> None:
        self.job = job
        self.deadline = deadline
        self.progress = progress
        self.expected = job.planned_seconds()
        """The run time this wait plans with (learned on the client, else the catalog's)."""
        self._plan = CheckPlan(self.expected, *job.check_intervals())
        self._pause_ends: float | None = None

    def next_step(self) -> float | None:
        """What to do now: ``CHECK_NOW`` (call :meth:`check`, then :meth:`report`), a number of
        seconds to sleep (then :meth:`report`), or None: the job completed (progress told).

        Raises:
            JobTimeoutError: the deadline passed before the job ended.
            JobFailedError: it ended another way than ``completed``.
        """
        job, clock = self.job, self.job.clock
        if self._pause_ends is None:
            if job.done:
                self._ended()
                return None
            if self.deadline.expired:
                raise JobTimeoutError(job.id, self.deadline.seconds)
            at = job.next_check_at(self._plan)
            self._pause_ends = clock() + self.deadline.clip(at - clock())
        left = self._pause_ends - clock()
        if left <= 0:
            self._pause_ends = None
            return CHECK_NOW
        return min(left, PROGRESS_TICK) if self.progress.active else left

    def check(self) -> None:
        """The check (one GET, or none inside the job's minimum gap); any thread may run it."""
        self.job.check_for_wait(self.deadline)

    def report(self) -> None:
        """Tell the progress callback where the job stands (after a sleep or a check)."""
        job = self.job
        if job.done:
            return
        running = job.running_for()
        if running is None:
            self.progress.queued()
        else:
            self.progress.processing(running, self.expected)

    def _ended(self) -> None:
        job = self.job
        if not job.succeeded:
            raise JobFailedError(job.id, job.status, code=job.code, error=job.error)
        self.progress.job_completed()


def wait_steps(job: Job, deadline: Deadline, progress: Progress) -> Plan[None]:
    """The plan of one wait (see :class:`Waiting`); the job is :class:`~._steps.Known` from the
    start. Raises as :meth:`Waiting.next_step`."""
    yield Known(job)
    waiting = Waiting(job, deadline, progress)
    while (step := waiting.next_step()) is not None:
        yield Call(waiting.check, deadline) if step == CHECK_NOW else Sleep(step)
        waiting.report()
