"""Finding jobs: by id, in recent history, and the one an uncertain submit may have created
(``JobLookups``: the client's methods for them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from . import _history, _recovery
from ._client_base import ClientBase
from ._run_times import RunTimeEstimate
from .errors import SubmissionUncertainError
from .jobs import Job


class JobLookups(ClientBase):
    """The client's calls that find jobs it did not just submit (a base of ``Client``)."""

    def get_job(self, job_id: str, *, timeout: float | None = None) -> Job:
        """The job's current state, from its id alone (one GET; within the minimum gap since
        this client last checked the job, the state it saw then): from any process or machine.

        Raises:
            InvalidParametersError (a ValueError): not a job id, before any request.
            NotFoundError: no such job (WaveSpeed keeps 7 days).
        """
        return self._runtime.get_job(job_id, self._deadline(timeout))

    def run_time_estimates(self) -> list[RunTimeEstimate]:
        """What this client learned of run times from its completed jobs, per model path and
        timing parameters: the estimates its waits plan with (a snapshot)."""
        return self._runtime.checker.run_times.snapshot()

    def list_jobs(
        self,
        *,
        model: str | None = None,
        status: str | None = None,
        created_after: dt.datetime | None = None,
        created_before: dt.datetime | None = None,
        page_size: int = 100,
        timeout: float | None = None,
    ) -> Iterator[Job]:
        """Recent jobs, newest first, fetched a page at a time as you iterate (WaveSpeed keeps
        7 days of history). ``model`` is a catalog name or a WaveSpeed path; a name the catalog
        does not know raises UnknownModelError (with the closest names) at the first step of
        the iteration, before any request."""
        return _history.list_jobs(
            self._runtime, lambda: self._deadline(timeout), model=model, status=status,
            created_after=created_after, created_before=created_before, page_size=page_size,
        )

    def find_submission(
        self,
        error: SubmissionUncertainError,
        *,
        timeout: float | None = None,
        allow_unverified_single: bool = False,
    ) -> Job | None:
        """Look once in recent history for the job an uncertain submit may have created (what
        ``generate()`` does by itself): the job only on positive identification, its input
        equal to the body sent; else None, with ``error.candidates`` set. None means no job
        was identified, not that none exists.

        Args:
            allow_unverified_single: adopt the only candidate even when its input cannot be
                compared. Only for callers who guarantee one submitter per account and model:
                history covers the whole account, the web playground included.
        """
        return _recovery.look(self._runtime, error, self._deadline(timeout),
                              allow_unverified_single=allow_unverified_single)
