"""The blocking part of an ``AsyncClient``'s work (HTTP requests, file I/O), off the event loop.

Each client has its own bounded thread pool: never the loop's default executor, which the
application shares. A call the caller cancels is cut short where it stands: the deadlines it
runs under are cut (``_watchdog.cut``: a read under way fails at once, no later request goes
out) and a sleep inside it (a retry's backoff in an upload or a download) wakes; the cancelled
call then waits, at most ASYNC_CANCEL_GRACE, for the thread to finish (so a download's ``.part``
file is gone) before ``CancelledError`` goes on. A call not started yet is dropped from the
queue. Plans (``_steps``) sleep on the loop, not here: only their calls come to the pool.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ._constants import ASYNC_CANCEL_GRACE, ASYNC_MAX_THREADS
from ._deadline import Deadline
from ._locks import ForkSafeLock
from ._watchdog import cut

T = TypeVar("T")

_local = threading.local()


def sleep(seconds: float) -> None:
    """``time.sleep``, except inside an offloaded call, where cancelling the call wakes it: the
    sleep of an ``AsyncClient``'s runtime (retry backoffs, waits inside one blocking call)."""
    woken: threading.Event | None = getattr(_local, "woken", None)
    if woken is None:
        time.sleep(seconds)
    else:
        woken.wait(seconds)


def _in_thread(call: Callable[[], T], woken: threading.Event) -> T:
    _local.woken = woken
    try:
        return call()
    finally:
        _local.woken = None


@dataclass
class Work(Generic[T]):
    """One call on a pool thread: ``future`` to await; ``stop`` cuts it short."""

    concurrent: concurrent.futures.Future[T]
    future: asyncio.Future[T]
    woken: threading.Event = field(default_factory=threading.Event)

    def stop(self, deadlines: Iterable[Deadline]) -> bool:
        """Cut the call short: False when it never started (nothing of it ran)."""
        if self.concurrent.cancel():
            return False
        for deadline in deadlines:
            cut(deadline)
        self.woken.set()
        return True

    async def settle(self) -> None:
        """Wait (at most ASYNC_CANCEL_GRACE) for a stopped call to end."""
        await asyncio.wait({self.future}, timeout=ASYNC_CANCEL_GRACE)


class Offload:
    """An ``AsyncClient``'s thread pool: at most ``max_threads`` threads, made as needed."""

    def __init__(self, max_threads: int = ASYNC_MAX_THREADS) -> None:
        if isinstance(max_threads, bool) or not isinstance(max_threads, int) or max_threads < 1:
            raise ValueError(f"max_threads must be a positive whole number, not {max_threads!r}")
        self.max_threads = max_threads
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pid = os.getpid()
        self._lock = ForkSafeLock()

    def start(self, call: Callable[[], T]) -> Work[T]:
        """Queue ``call`` on the pool (from the event loop's thread)."""
        woken = threading.Event()
        with self._lock:
            if self._pool is None or self._pid != os.getpid():  # a forked child has no threads
                self._pid = os.getpid()
                self._pool = concurrent.futures.ThreadPoolExecutor(
                    self.max_threads, thread_name_prefix="wavevid-async"
                )
            started = self._pool.submit(_in_thread, call, woken)
        future = asyncio.wrap_future(started)
        future.add_done_callback(_retrieve)
        return Work(started, future, woken)

    async def run(self, call: Callable[[], T], deadlines: Iterable[Deadline] = ()) -> T:
        """``call()`` on the pool. Cancelled: ``deadlines`` (read then: a list may grow as
        the call makes them) are cut and the call stopped (see the module docstring)."""
        work = self.start(call)
        try:
            return await asyncio.shield(work.future)
        except asyncio.CancelledError:
            if work.stop(deadlines):
                await work.settle()
            raise

    def close(self) -> None:
        """Let the threads end once idle, without waiting. Calls already queued (other tasks'
        work) still run there, to their end; the next call makes a new pool, so until the old
        threads end, up to twice ``max_threads`` may exist."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark the outcome of a call nobody awaits any more (cancelled) as seen: asyncio would
    log it as never retrieved."""
    if not future.cancelled():
        future.exception()
