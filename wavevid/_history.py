"""Job history: WaveSpeed's recent jobs, newest first, a page at a time.

Paging ends on an empty page, a page shorter than the page size asked for, a page with no id
not seen before, an item older than ``created_after``, the ``total`` when the server gives one
(the newer history page has none), or after ``HISTORY_MAX_PAGES``: a server that ignores the
page number cannot keep a caller looping. Items that are not mappings with a job id are
skipped; a page whose ``items`` are not a list is an APIError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._constants import HISTORY_MAX_PAGES
from ._deadline import Deadline
from ._job_data import is_job_id
from ._runtime import Runtime
from .errors import APIError
from .jobs import Job


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
    """``Client.list_jobs``; each page's request gets a fresh ``deadline()``. A ``model``
    name (no ``/``) the catalog does not know is UnknownModelError before any request; a path
    outside the catalog is sent as it is."""
    query: dict[str, Any] = {"page_size": page_size}
    if model:
        path = "/" in model.strip("/")
        known = runtime.catalog.find(model) if path else runtime.catalog.get(model)
        query["model"] = known.path if known else model
    if status:
        query["status"] = status
    for key, moment in (("created_after", created_after), ("created_before", created_before)):
        if moment is not None:
            query[key] = _iso(moment)
    since = _utc(created_after) if created_after is not None else None
    seen: set[str] = set()
    for page in range(1, HISTORY_MAX_PAGES + 1):
        body = {**query, "page": page}
        data = runtime.transport.call("POST", "predictions", deadline=deadline(), body=body)
        if not isinstance(data, Mapping):
            raise APIError("the history answer has no page", status_code=200)
        listed = data.get("items") or []
        if not isinstance(listed, list):
            raise APIError("the history page's items are not a list", status_code=200)
        items = [item for item in listed if _is_item(item)]
        unseen = [item for item in items if str(item["id"]) not in seen]
        for item in unseen:
            job = runtime.job_from(item)
            if since is not None and job.created_at is not None and job.created_at < since:
                return  # newest first: the rest is older still
            seen.add(job.id)
            yield job
        if not unseen or len(items) < page_size or _past_total(data, page, page_size):
            return


def _is_item(item: Any) -> bool:
    """A history item names a job (one without a job id is skipped: no Job can be made)."""
    return isinstance(item, Mapping) and is_job_id(item.get("id"))


def _past_total(data: Mapping[str, Any], page: int, page_size: int) -> bool:
    total = data.get("total")  # the newer history page has none
    return isinstance(total, int) and page * page_size >= total


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return _utc(moment).astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
