"""Progress callbacks of ``AsyncClient``: called on the event loop, plain or coroutine functions.

``_progress.Progress`` decides every fraction and message as for the sync client; here only the
call differs. A plain function is called as it is; a coroutine function's coroutines are awaited
one after another, in order, by one task, so a slow callback never holds up the job. An
exception from either is logged once (logger ``wavevid.progress``) and ignored.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from ._logging import get_logger
from ._progress import Progress

logger = get_logger("wavevid.progress")

AsyncProgressCallback = Callable[[float, str], Awaitable[Any] | None]
"""``callback(fraction, message)``: a plain function, or a coroutine function."""


class LoopCallback:
    """A progress callback that awaits what the user's callback returns (see the module)."""

    def __init__(self, callback: Callable[[float, str], object]) -> None:
        self._callback = callback
        self._queue: deque[Awaitable[Any]] = deque()
        self._pump: asyncio.Task[None] | None = None
        self._complained = False

    def __call__(self, fraction: float, message: str) -> None:
        result = self._callback(fraction, message)
        if inspect.isawaitable(result):
            self._queue.append(result)
            if self._pump is None or self._pump.done():
                self._pump = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        while self._queue:
            try:
                await self._queue.popleft()
            except Exception:
                if not self._complained:
                    self._complained = True
                    logger.exception("the progress callback raised; its errors are ignored")

    async def settle(self) -> None:
        """Wait until every call so far has been awaited."""
        while self._pump is not None and not self._pump.done():
            await asyncio.shield(self._pump)

    def close(self) -> None:
        """Stop awaiting: the call ended (or was cancelled) before the callback caught up."""
        if self._pump is not None:
            self._pump.cancel()
        while self._queue:
            pending = self._queue.popleft()
            if inspect.iscoroutine(pending):
                pending.close()


class LoopProgress(Progress):
    """``Progress`` whose callback is a :class:`LoopCallback`."""

    def __init__(self, callback: AsyncProgressCallback | None, job_share: float = 1.0) -> None:
        self._loop_callback = LoopCallback(callback) if callback is not None else None
        super().__init__(self._loop_callback, job_share)

    async def settle(self) -> None:
        """Wait until the callback has been awaited for every report so far."""
        if self._loop_callback is not None:
            await self._loop_callback.settle()

    def close(self) -> None:
        """Drop what the callback has not been awaited for yet."""
        if self._loop_callback is not None:
            self._loop_callback.close()
