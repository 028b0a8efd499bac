"""Times as WaveSpeed writes them (``created_at``): ISO 8601 with 0 to 9 fraction digits and
``Z`` or an offset, read the same on every Python wavevid supports (3.10's ``fromisoformat``
reads neither ``Z`` nor two fraction digits)."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

from ._constants import JOB_RETENTION_SECONDS, MAX_CLOCK_OFFSET


def age_seconds(moment: dt.datetime | None) -> float:
    """Seconds since ``moment`` on this machine's clock: 0 for None or a future moment, at most
    ``JOB_RETENTION_SECONDS`` (WaveSpeed keeps a job no longer; an older time is wrong)."""
    if moment is None:
        return 0.0
    age = (dt.datetime.now(dt.timezone.utc) - moment).total_seconds()
    return min(max(0.0, age), JOB_RETENTION_SECONDS)


_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?"
    r"\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?"
)


def parse_time(value: object) -> dt.datetime | None:
    """An ISO-8601 time as WaveSpeed writes it, in UTC; None if absent or unreadable.

    Reads 0 to 9 fraction digits (kept to the microsecond) and ``Z``, ``+HH:MM``, ``+HHMM`` or
    ``+HH`` offsets (none: UTC) the same on every supported Python.
    """
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value.strip())
    if match is None:
        return None
    day, clock, fraction, offset = match.groups()
    try:
        moment = dt.datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        return None
    if fraction:
        moment = moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))
    zone = _zone(offset)
    if zone is None:
        return None
    try:
        return moment.replace(tzinfo=zone).astimezone(dt.timezone.utc)
    except OverflowError:  # year 1 or 9999, moved out of the calendar by its offset
        return None


def _zone(offset: str | None) -> dt.timezone | None:
    """The zone of a ``Z``/``+HH:MM``/``+HHMM``/``+HH`` suffix (None: unreadable)."""
    if offset is None or offset in ("Z", "z"):
        return dt.timezone.utc
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes)
    return dt.timezone(-delta if offset[0] == "-" else delta)


def parse_retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds: a number, or an HTTP date; None when absent or bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a year past any calendar
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def server_clock_offset(date_header: str) -> float | None:
    """The server's clock minus ours (seconds) from an HTTP ``Date`` header; None when the
    header is missing or unreadable, or off by more than MAX_CLOCK_OFFSET (then the header is
    wrong, not the clock)."""
    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, OverflowError):
        return None
    if server.tzinfo is None:
        return None
    offset = (server - dt.datetime.now(dt.timezone.utc)).total_seconds()
    return offset if abs(offset) <= MAX_CLOCK_OFFSET else None
