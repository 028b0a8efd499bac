"""One deadline for every phase of a request: connect, TLS handshake, status line, headers, chunk
framing, body.

A socket timeout bounds each read, not the request: a server sending one byte per read timeout
holds a call forever. So every request runs under a :class:`Guard`: the connections it opens or
sends on register with one process-wide watchdog thread (started lazily, again after a fork),
which shuts down the socket of any request still under way when its deadline passes. The blocked
read then fails at once, the failure is classified like any broken connection, and the connection
is discarded, never returned to the pool. No signals (``signal.alarm`` works on the main thread
only: not in Django or Celery threads) and no thread per request.

DNS resolution happens before a socket exists and is outside the guarantee; the connect timeout
(clipped to the deadline) still bounds the TCP connect.

A deadline can also be cut short (:func:`cut`, when an async caller is cancelled): the guards of
its requests fire at once, as if their deadline had passed.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from ._deadline import Deadline
from ._logging import get_logger

logger = get_logger("wavevid.watchdog")

_local = threading.local()
# Guards live in the heap until their deadline; past this many, released ones are dropped.
_PRUNE_AT = 1024


class Guard:
    """The deadline of one request, and the connections it has used so far."""

    def __init__(self, watchdog: Watchdog, at: float, owner: Deadline | None = None) -> None:
        self._watchdog = watchdog
        self.at = at
        """The deadline on ``time.monotonic``."""
        self.owner = owner
        """The request's deadline, which :func:`cut` may cut short."""
        self._connections: list[Any] = []
        self._released = False
        self.fired = False
        """True once the deadline passed with the request under way (its sockets shut down)."""

    @contextmanager
    def current(self) -> Iterator[Guard]:
        """Within: connections this thread opens or sends on are watched by this guard."""
        previous = getattr(_local, "guard", None)
        _local.guard = self
        try:
            yield self
        finally:
            _local.guard = previous

    def watch(self, connection: Any) -> None:
        with self._watchdog.lock:
            if self._released:
                return
            if self.fired:
                _shut_down(connection)
                return
            self._connections.append(connection)

    @property
    def released(self) -> bool:
        return self._released

    def release(self) -> None:
        """The request is over (its answer read or abandoned): nothing more is shut down."""
        with self._watchdog.lock:
            self._released = True
            self._connections.clear()

    def fire(self) -> int:
        """Called by the watchdog, under its lock, when the deadline passes; returns how many
        connections it shut down."""
        if self._released or self.fired:
            return 0
        self.fired = True
        for connection in self._connections:
            _shut_down(connection)
        return len(self._connections)


def watch_current(connection: Any) -> None:
    """Register ``connection`` with this thread's current guard, if any (called by wavevid's
    connections as they connect and send)."""
    guard: Guard | None = getattr(_local, "guard", None)
    if guard is not None:
        guard.watch(connection)


def release_on_close(response: requests.Response, guard: Guard) -> None:
    """The guard watches the connection until the answer is closed (read or abandoned); then
    the connection may go back to the pool, and must never be shut down."""
    close = response.close

    def closing() -> None:
        try:
            close()
        finally:
            guard.release()

    response.close = closing  # type: ignore[method-assign]


class Watchdog:
    """The thread that fires guards whose deadline has passed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._wake = threading.Condition(self.lock)
        self._heap: list[tuple[float, int, Guard]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def guard(self, seconds: float, owner: Deadline | None = None) -> Guard:
        """A guard that fires ``seconds`` from now, or when ``owner`` is cut."""
        guard = Guard(self, time.monotonic() + max(0.0, seconds), owner)
        with self.lock:
            self._start_if_needed()
            if len(self._heap) >= _PRUNE_AT:  # released guards wait for their deadline: drop them
                self._heap = [entry for entry in self._heap if not entry[2].released]
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, (guard.at, next(self._order), guard))
            self._wake.notify()
            if owner is not None and owner.expired:  # cut while ``seconds`` was being read
                guard.fire()
        return guard

    def fire_for(self, owner: Deadline) -> int:
        """Fire now the guards of ``owner``'s requests; returns how many connections it shut
        down."""
        with self.lock:
            return sum(guard.fire() for _, _, guard in self._heap if guard.owner is owner)

    def reset_after_fork(self) -> None:
        """In a forked child: fresh state (the lock may have been held by a thread that is
        gone); the thread starts with the first guard."""
        self.lock = threading.Lock()
        self._wake = threading.Condition(self.lock)
        self._heap = []
        self._thread = None

    def _start_if_needed(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name="wavevid-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                shut = 0
                while self._heap and self._heap[0][0] <= now:
                    shut += heapq.heappop(self._heap)[2].fire()
                if not shut:
                    self._wake.wait(self._heap[0][0] - now if self._heap else None)
            if shut:  # logged outside the lock: a slow handler must not hold up new requests
                logger.debug("requests outlived their deadline: %d connection(s) shut down", shut)


def _shut_down(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    with contextlib.suppress(OSError):  # already closed, or never connected
        sock.shutdown(socket.SHUT_RDWR)


WATCHDOG = Watchdog()
"""The process's watchdog."""


def cut(deadline: Deadline) -> None:
    """Cut ``deadline`` short (see ``Deadline.cut``) and the requests under way with it: their
    blocked reads fail at once, as at a deadline, and their connections are discarded."""
    deadline.cut()
    shut = WATCHDOG.fire_for(deadline)
    if shut:
        logger.debug("a cancelled call's requests cut off: %d connection(s) shut down", shut)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=WATCHDOG.reset_after_fork)
