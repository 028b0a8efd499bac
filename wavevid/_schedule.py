"""Where one wait's checks go, by the rules stated with their constants in ``_constants``.

The plan is a rising list of offsets from the moment the job left the queue, built from the
expected run time E and the job's minimum gap G, each at least G after the one before:

- before the likely end: a first check at FIRST_CHECK_FRACTION * E (not before G), then steps
  of CHECK_STEP_FRACTION of the time run so far (not shorter than G), stopping a gap before
  the first aimed check;
- aimed at the likely end, E * (1 +- RUN_TIME_SPREAD): CHECK_AIM_SECONDS after the window opens
  (not after it closes), then every max(G, E * WINDOW_STEP_FRACTION) until it closes;
- after: the same growing steps, for as long as the job runs.

No step exceeds MAX_CHECK_STEP. An explicit interval replaces the plan with checks that far apart.
"""

from __future__ import annotations

import bisect
import math

from ._constants import (
    CHECK_AIM_SECONDS,
    CHECK_SLIP,
    CHECK_STEP_FRACTION,
    DEFAULT_EXPECTED_SECONDS,
    FIRST_CHECK_FRACTION,
    IMAGE_TASKS,
    MAX_CHECK_STEP,
    MIN_IMAGE_CHECK_GAP,
    MIN_VIDEO_CHECK_GAP,
    QUEUED_CHECK_FRACTION,
    RUN_TIME_SPREAD,
    WINDOW_STEP_FRACTION,
)

#: Expected times below this are planned as this (seconds): a plan needs a positive E.
_SMALLEST_EXPECTED = 0.1
#: Seconds of floating-point noise ignored when comparing moments (a time computed as a sum of
#: clock readings and offsets may land a hair away from the same time computed another way).
CLOCK_SLACK = 1e-6


def min_check_gap(task: str | None) -> float:
    """The minimum gap between checks of a job of catalog task ``task`` (None: not in the
    catalog): MIN_IMAGE_CHECK_GAP for IMAGE_TASKS, MIN_VIDEO_CHECK_GAP for everything else."""
    return MIN_IMAGE_CHECK_GAP if task in IMAGE_TASKS else MIN_VIDEO_CHECK_GAP


class CheckPlan:
    """The checks of one wait (see the module docstring); not shared between threads."""

    def __init__(self, expected: float, gap: float, fixed_interval: float | None = None) -> None:
        # A non-finite estimate (an absurd duration echoed back) plans as a default job.
        finite = math.isfinite(expected)
        self.expected = max(expected if finite else DEFAULT_EXPECTED_SECONDS, _SMALLEST_EXPECTED)
        """E: the run time planned for."""
        self.gap = gap
        """G: no two checks closer than this."""
        self.fixed_interval = fixed_interval
        """When set, checks this far apart instead of the plan."""
        self._offsets = self._planned() if fixed_interval is None else []

    def _step(self, offset: float) -> float:
        return min(MAX_CHECK_STEP, max(self.gap, CHECK_STEP_FRACTION * offset))

    def _planned(self) -> list[float]:
        """The offsets up to the end of the likely window; later ones are added as needed."""
        expected, gap = self.expected, self.gap
        opens = expected * (1.0 - RUN_TIME_SPREAD)
        closes = expected * (1.0 + RUN_TIME_SPREAD)
        aimed = min(opens + CHECK_AIM_SECONDS, closes)
        offsets = []
        offset = max(gap, FIRST_CHECK_FRACTION * expected)
        while offset <= aimed - gap:
            offsets.append(offset)
            offset += self._step(offset)
        window_step = min(MAX_CHECK_STEP, max(gap, WINDOW_STEP_FRACTION * expected))
        offsets.append(aimed)
        while offsets[-1] < closes:
            offsets.append(offsets[-1] + window_step)
        return offsets

    def offset_after(self, earliest: float, slip: float = 0.0) -> float:
        """The first planned offset at or after ``earliest``; with ``slip``, one due up to that
        much sooner is moved to ``earliest``: a check the gap after the previous one pushes a
        little past its plan (that check answered late, a sleep overslept) moves, rather than
        giving way to the next planned one a whole step later."""
        floor = earliest - slip - CLOCK_SLACK
        while self._offsets[-1] < floor:
            last = self._offsets[-1]
            step = self._step(last)
            if step >= MAX_CHECK_STEP:  # steady from here: no list for a job days old
                return max(earliest, last + math.ceil((floor - last) / step) * step)
            self._offsets.append(last + step)
        return max(earliest, self._offsets[bisect.bisect_left(self._offsets, floor)])

    def next_at(
        self,
        earliest: float,
        *,
        started: float | None,
        queued_until: float | None,
        queued_by_check: bool,
        last: float | None,
    ) -> float:
        """When to check next, on the client's clock; never before ``earliest`` (now, the gap
        after the last check, a Retry-After).

        Args:
            started: when the job left the queue (an estimate), None while it is queued.
            queued_until: the last moment it was seen queued; the submit's answer counts.
            queued_by_check: whether a check (not only the submit's answer) saw it queued.
            last: this client's last check of the job, if any.
        """
        if self.fixed_interval is not None:
            base = last if last is not None else earliest
            return max(earliest, base + self.fixed_interval)
        if started is not None:
            slip = CHECK_SLIP if last is not None else 0.0
            return started + self.offset_after(earliest - started, slip)
        if queued_until is None:
            return earliest
        if not queued_by_check:
            # Only the submit's answer said "created", as it always does: plan as if it started.
            return max(earliest, queued_until + self._offsets[0])
        return max(earliest, queued_until + max(self.gap, QUEUED_CHECK_FRACTION * self.expected))
