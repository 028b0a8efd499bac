"""What every group of ``Client`` methods stands on: the runtime, the clock, and deadlines."""

from __future__ import annotations

from ._constants import CALL_DEADLINE
from ._deadline import Clock, Deadline
from ._runtime import Runtime


class ClientBase:
    """The state ``Client`` sets up and its method groups (``AccountCalls``, ``JobLookups``)
    use."""

    _runtime: Runtime
    _clock: Clock

    def _deadline(self, seconds: float | None, default: float = CALL_DEADLINE) -> Deadline:
        """``seconds`` from now; None takes the default (0 is a deadline already passed)."""
        return Deadline(default if seconds is None else seconds, self._clock)
