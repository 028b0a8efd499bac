"""Job history: WaveSpeed's recent jobs a page at a time, and the search for the job an
uncertain submit may have created."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._constants import FIND_SUBMISSION_SLACK
from ._deadline import Deadline
from ._runtime import Runtime
from .errors import APIError, SubmissionUncertainError
from .jobs import Job
from .payload import fingerprint


def list_jobs(
    runtime: Runtime,
    deadline: Callable[[], Deadline],
    *,
    model: str | None = None,
    status: str | None = None,
    created_after: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
    page_size: int = 100,
) -> Iterator[Job]:
    """``Client.list_jobs``; each page's request gets a fresh ``deadline()``."""
    query: dict[str, Any] = {"page_size": page_size}
    if model:
        known = runtime.catalog.find(model)
        query["model"] = known.path if known else model
    if status:
        query["status"] = status
    for key, moment in (("created_after", created_after), ("created_before", created_before)):
        if moment is not None:
            query[key] = _iso(moment)
    page = 1
    while True:
        body = {**query, "page": page}
        data = runtime.transport.call("POST", "predictions", deadline=deadline(), body=body)
        if not isinstance(data, Mapping):
            raise APIError("the history answer has no page", status_code=200)
        items = data.get("items") or []
        for item in items:
            yield runtime.job_from(item)
        total = data.get("total")
        if not items or (isinstance(total, int) and page * page_size >= total):
            return
        page += 1


def find_submission(
    runtime: Runtime, error: SubmissionUncertainError, deadline: Callable[[], Deadline]
) -> Job | None:
    """``Client.find_submission``: same model, created since shortly before the submit, same
    input (by fingerprint)."""
    since = error.submitted_at - dt.timedelta(seconds=FIND_SUBMISSION_SLACK)
    for job in list_jobs(runtime, deadline, model=error.model, created_after=since):
        if job.payload is not None and fingerprint(job.payload) == error.fingerprint:
            return job
    return None


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
