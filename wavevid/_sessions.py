"""Sessions: one ``requests.Session`` per thread and per process.

One Client is shared by a web server's threads, and ``requests.Session`` is not thread-safe;
after a fork (gunicorn ``--preload``, Celery prefork) a child must not share its parent's
sockets, so it makes its own.
"""

from __future__ import annotations

import os
import platform
import threading
import weakref
from collections.abc import Callable

import requests
from requests.adapters import HTTPAdapter

from ._constants import POOL_MAXSIZE
from ._version import __version__

USER_AGENT = f"wavevid/{__version__} python/{platform.python_version()}"
SessionFactory = Callable[[], requests.Session]


class _ThreadSession:
    def __init__(self, session: requests.Session) -> None:
        self.session = session
        self.pid = os.getpid()
        self.api_used_at = float("-inf")


class Sessions:
    """One ``requests.Session`` per thread and per process."""

    def __init__(self, factory: SessionFactory | None) -> None:
        self._factory = factory or _default_session
        self._local = threading.local()
        self._open: weakref.WeakSet[requests.Session] = weakref.WeakSet()
        self._lock = threading.Lock()

    def current(self) -> _ThreadSession:
        """This thread's session, made on first use and again after a fork."""
        held: _ThreadSession | None = getattr(self._local, "held", None)
        if held is None or held.pid != os.getpid():
            # A forked child must not share its parent's sockets: it drops the copy unclosed.
            session = self._factory()
            session.headers["User-Agent"] = USER_AGENT
            held = _ThreadSession(session)
            self._local.held = held
            with self._lock:
                self._open.add(session)
        return held

    def close(self) -> None:
        """Close every session this process opened; later requests open new ones."""
        with self._lock:
            sessions = list(self._open)
            self._open.clear()
        for session in sessions:
            session.close()
        self._local = threading.local()


def _default_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_MAXSIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
