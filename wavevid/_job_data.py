"""What WaveSpeed says about a job, read field by field.

A job's data comes from answers wavevid does not control (a submit, a poll, a history item, a
gateway in between). Its ``id`` must be a job id (letters, digits, ``_`` and ``-``, starting with
a letter or digit: it goes into URLs), or the data names no job. Every other field of the wrong
type counts as absent, with a warning once per field: the job a submit created is returned
whatever else its answer says, and a wait goes on with what can be read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from ._logging import get_logger
from ._times import parse_time

logger = get_logger("wavevid.jobs")

_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
JOB_ID_CHARACTERS = "letters, digits, '_' and '-', starting with a letter or digit"
"""What a job id is made of, for messages."""
_warned_fields: set[str] = set()  # bounded: one entry per field name below


def is_job_id(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a string shaped like a WaveSpeed job id (safe inside a URL path)."""
    return isinstance(value, str) and _JOB_ID.fullmatch(value) is not None


@dataclass(frozen=True)
class JobFields:
    """The fields of one answer about a job; None (or empty) where absent or of the wrong type."""

    status: str | None
    model: str | None
    outputs: list[Any]
    error: str
    code: int | None
    created_at: dt.datetime | None
    has_nsfw_contents: list[bool]
    timings: dict[str, Any]


def read_fields(data: Mapping[str, Any], job_id: str) -> JobFields:
    """The fields of ``data``, each checked for its type (see the module docstring)."""
    code = _typed(data, "code", int, job_id)
    nsfw = _typed(data, "has_nsfw_contents", list, job_id) or []
    if not all(isinstance(flag, bool) for flag in nsfw):
        _warn(job_id, "has_nsfw_contents", "a list of true/false")
        nsfw = []
    timings = _typed(data, "timings", Mapping, job_id)
    return JobFields(
        status=_typed(data, "status", str, job_id) or None,
        model=_typed(data, "model", str, job_id) or None,
        outputs=list(_typed(data, "outputs", list, job_id) or []),
        error=_typed(data, "error", str, job_id) or "",
        code=code if code and not isinstance(code, bool) else None,
        created_at=parse_time(data.get("created_at")),
        has_nsfw_contents=list(nsfw),
        timings=dict(timings) if timings else {},
    )


def _typed(data: Mapping[str, Any], key: str, kind: type, job_id: str) -> Any:
    value = data.get(key)
    if value is None or isinstance(value, kind):
        return value
    _warn(job_id, key, f"a {kind.__name__}")
    return None


def _warn(job_id: str, key: str, expected: str) -> None:
    if key not in _warned_fields:
        _warned_fields.add(key)
        logger.warning(
            "job %s: WaveSpeed's %r is not %s; treated as absent", job_id, key, expected
        )
