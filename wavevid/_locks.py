"""Locks that survive a fork: a lock held by another thread at ``fork()`` (gunicorn
``--preload``, Celery prefork, multiprocessing) stays held forever in the child, whose copy of
that thread does not exist. A :class:`ForkSafeLock` is replaced by a fresh one on its first use
in a new process (a child starts with one thread, so the swap cannot race)."""

from __future__ import annotations

import os
import threading
from types import TracebackType


class ForkSafeLock:
    """``threading.Lock`` (or ``RLock`` with ``reentrant=True``), renewed in a forked child."""

    def __init__(self, *, reentrant: bool = False) -> None:
        self._reentrant = reentrant
        self._pid = os.getpid()
        self._lock = self._new()

    def _new(self) -> threading.Lock | threading.RLock:
        return threading.RLock() if self._reentrant else threading.Lock()

    def _current(self) -> threading.Lock | threading.RLock:
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._lock = self._new()
        return self._lock

    def __enter__(self) -> bool:
        return self._current().acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.release()
