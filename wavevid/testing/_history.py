"""History of ``FakeWaveSpeed`` (``POST /api/v3/predictions``): pages of jobs, newest first.

Items have the documented shape (WaveSpeed's docs-common-api/predictions page):
``{id, model, status, outputs, created_at, has_nsfw_contents}``, with no ``input``; the newer
page shows no ``total`` either. Both can be added back (``history_input``, ``history_total``)
for code written against older answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from wavevid.testing._jobs import FakeJob, render_prediction
from wavevid.testing._responses import Refusal, is_int_in

ITEM_KEYS = ("id", "model", "status", "outputs", "created_at", "has_nsfw_contents")


def history_page(
    query: dict[str, Any],
    newest_first: Iterable[FakeJob],
    base_url: str,
    *,
    with_input: bool,
    with_total: bool,
) -> dict[str, Any]:
    """The ``data`` of a history answer to ``query``; a 400 ``Refusal`` for a bad query.

    ``page`` (>= 1) and ``page_size`` (1..100) are required; ``model``, ``status``,
    ``created_after`` (inclusive) and ``created_before`` (exclusive) filter.
    """
    page, size = query.get("page"), query.get("page_size")
    if not (is_int_in(page, 1, None) and is_int_in(size, 1, 100)):
        raise Refusal(400, "page must be an integer >= 1 and page_size one in 1..100")
    model, status = query.get("model"), query.get("status")
    after, before = _moment(query, "created_after"), _moment(query, "created_before")
    listed = [job for job in newest_first if _listed(job, model, status, after, before)]
    start = (page - 1) * size
    items = [_item(job, base_url, with_input) for job in listed[start : start + size]]
    data: dict[str, Any] = {"page": page, "items": items}
    if with_total:
        data["total"] = len(listed)
    return data


def _item(job: FakeJob, base_url: str, with_input: bool) -> dict[str, Any]:
    prediction = render_prediction(job, base_url, with_input=with_input)
    keys = (*ITEM_KEYS, "input") if with_input else ITEM_KEYS
    return {key: prediction[key] for key in keys}


def _moment(query: dict[str, Any], name: str) -> datetime | None:
    """Parse optional ISO-8601 date-time ``query[name]`` (naive means UTC); 400 if invalid."""
    value = query.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.endswith("Z"):  # Python 3.10 does not accept "Z"
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):  # not a string, or not ISO-8601
        raise Refusal(400, f"{name} must be an ISO-8601 date-time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _listed(
    job: FakeJob,
    model: object,
    status: object,
    after: datetime | None,
    before: datetime | None,
) -> bool:
    """History filter: ``created_after`` is inclusive, ``created_before`` exclusive."""
    return (
        (model is None or job.model == model)
        and (status is None or job.status == status)
        and (after is None or job.created_at >= after)
        and (before is None or job.created_at < before)
    )
