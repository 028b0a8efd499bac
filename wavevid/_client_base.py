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

    @property
    def base_url(self) -> str:
        """The API's base URL, as configured."""
        return self._runtime.transport.base_url

    @property
    def clock_offset(self) -> float | None:
        """WaveSpeed's clock minus this machine's, in seconds (to WaveSpeed's second), from the
        ``Date`` header of the last answer; None until an answer carried one. For
        ``SubmissionUncertainError.before_sending(clock_offset=...)``."""
        return self._runtime.transport.clock_offset
