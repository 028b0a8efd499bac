"""The account limits ``FakeWaveSpeed`` can apply: how often a job's state may be checked, and
how many jobs may start per minute.

WaveSpeed's get-result page asks clients to "avoid high-frequency polling for the same task
ID" (video tasks: at least 5 s between checks); its account-levels page says that over the
per-minute start limit a submit is refused (429). How the service answers a too-frequent
check is unknown: by default the fake only records it.
"""

from __future__ import annotations

import math
import threading

from wavevid.testing._records import Ledger, PollViolation

WINDOW_SECONDS = 60.0
"""The start limit's window: "limits reset every minute" (WaveSpeed's troubleshooting guide)."""


class PollWatch:
    """Measures the gap between checks of each job; thread-safe."""

    def __init__(self, min_interval: float | None, enforce: bool) -> None:
        """``min_interval``: the smallest allowed gap (``None``: no rule); ``enforce``: refuse
        a check that comes too soon instead of only recording it."""
        self.min_interval = min_interval
        self.enforce = enforce
        self.violations: Ledger[PollViolation] = Ledger()
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def check(self, job_id: str, now: float) -> float | None:
        """Count a check of ``job_id`` arriving at ``now``.

        Returns ``None`` when it may be answered, else the seconds until it would be allowed
        (only when enforcing; a refused check does not count as the job's last check).
        """
        if self.min_interval is None:
            return None
        with self._lock:
            last = self._last.get(job_id)
            gap = None if last is None else now - last
            if gap is not None and gap < self.min_interval:
                self.violations.add(PollViolation(job_id, gap, now))
                if self.enforce:
                    return self.min_interval - gap
            self._last[job_id] = now
            return None

    def clear(self) -> None:
        """Forget every check and violation."""
        with self._lock:
            self._last.clear()
        self.violations.clear()


class StartLimiter:
    """At most ``limit`` job starts per window; thread-safe.

    A window opens with the first start after the previous one closed and lasts
    ``window_seconds``.
    """

    def __init__(self, limit: int | None, window_seconds: float = WINDOW_SECONDS) -> None:
        """``limit``: starts allowed per window (``None``: no limit)."""
        self.limit = limit
        self.window_seconds = window_seconds
        self._lock = threading.Lock()
        self._opened: float | None = None
        self._count = 0

    def admit(self, now: float) -> int | None:
        """Count a start at ``now``; ``None`` when admitted, else the whole seconds (at least 1)
        until the window ends."""
        if self.limit is None:
            return None
        with self._lock:
            if self._opened is None or now >= self._opened + self.window_seconds:
                self._opened, self._count = now, 0
            if self._count >= self.limit:
                return max(math.ceil(self._opened + self.window_seconds - now), 1)
            self._count += 1
            return None

    def clear(self) -> None:
        """Close the current window."""
        with self._lock:
            self._opened, self._count = None, 0
