"""Progress callbacks of ``AsyncClient``: called on the event loop, plain or coroutine functions.

``_progress.Progress`` decides every fraction and message as for the sync client; here only the
call differs. A plain function is called as it is. A coroutine function's coroutines are awaited
one at a time by a task of their own, so a slow callback never holds up the job: while one runs,
only the latest report waits (older ones are stale), and it is called when that one returns.
Once the work is done, the call waits at most ASYNC_CALLBACK_GRACE for the callback to catch up
(the final ``(1.0, "done")`` included), then drops it, logged. An exception from the callback is
logged once (logger ``wavevid.progress``) and ignored.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from ._constants import ASYNC_CALLBACK_GRACE
from ._logging import get_logger
from ._progress import Progress

logger = get_logger("wavevid.progress")

AsyncProgressCallback = Callable[[float, str], Awaitable[Any] | None]
"""``callback(fraction, message)``: a plain function, or a coroutine function."""


class LoopCallback:
    """A progress callback that awaits what the user's callback returns (see the module)."""

    def __init__(self, callback: Callable[[float, str], object]) -> None:
        self._callback = callback
        self._pending: tuple[float, str] | None = None
        self._current: Awaitable[Any] | None = None
        self._pump: asyncio.Future[None] | None = None
        self._complained = False
        self._closed = False

    def __call__(self, fraction: float, message: str) -> None:
        if self._closed:
            return
        if self._pump is not None and not self._pump.done():
            self._pending = (fraction, message)  # the latest report only
            return
        self._await(self._callback(fraction, message))

    def _await(self, result: object) -> None:
        if inspect.isawaitable(result):
            self._current = result
            self._pump = asyncio.ensure_future(self._drain(result))

    async def _drain(self, awaitable: Awaitable[Any] | None) -> None:
        while awaitable is not None:
            try:
                await awaitable
            except Exception:
                self._complain()
            awaitable = self._current = self._next()

    def _next(self) -> Awaitable[Any] | None:
        """The call for the latest report that waited, if any (None: nothing to await)."""
        if self._pending is None or self._closed:
            return None
        (fraction, message), self._pending = self._pending, None
        try:
            result = self._callback(fraction, message)
        except Exception:
            self._complain()
            return None
        return result if inspect.isawaitable(result) else None

    def _complain(self) -> None:
        if not self._complained:
            self._complained = True
            logger.exception("the progress callback raised; its errors are ignored")

    async def settle(self) -> None:
        """Wait until the callback has caught up with every report, at most
        ASYNC_CALLBACK_GRACE; then drop what is left, logged."""
        pump, grace = self._pump, ASYNC_CALLBACK_GRACE
        if pump is None or pump.done():
            return
        done, _ = await asyncio.wait({pump}, timeout=grace)
        if not done:
            logger.warning("the progress callback has not returned %g s after the work ended;"
                           " its last reports are dropped", grace)
            self.close()

    def close(self) -> None:
        """Stop awaiting: the call ended (or was cancelled) before the callback caught up."""
        self._closed = True
        self._pending = None
        if self._pump is not None:
            self._pump.cancel()
        current = self._current
        if inspect.iscoroutine(current) and inspect.getcoroutinestate(current) == "CORO_CREATED":
            current.close()  # never started: no "never awaited" warning


class LoopProgress(Progress):
    """``Progress`` whose callback is a :class:`LoopCallback`."""

    def __init__(self, callback: AsyncProgressCallback | None, job_share: float = 1.0) -> None:
        self._loop_callback = LoopCallback(callback) if callback is not None else None
        super().__init__(self._loop_callback, job_share)

    async def settle(self) -> None:
        """Wait (at most ASYNC_CALLBACK_GRACE) until the callback has caught up."""
        if self._loop_callback is not None:
            await self._loop_callback.settle()

    def close(self) -> None:
        """Drop what the callback has not been awaited for yet."""
        if self._loop_callback is not None:
            self._loop_callback.close()
