"""Sessions: one ``requests.Session`` per thread and per process.

One Client is shared by a web server's threads, and ``requests.Session`` is not thread-safe;
after a fork (gunicorn ``--preload``, Celery prefork) a child must not share its parent's
sockets, so it makes its own.

Every connection is opened (TCP, a proxy's CONNECT, TLS) as a step of its own before the request
is written, and registers with the current request's deadline guard (``_watchdog``); a failure
while opening is :class:`~wavevid._retry.ConnectionNotOpened`, so the retry policy
can tell "not sent" from "sent" by the step that failed. Sessions from a ``session_factory`` get
the same connections: their stock ``HTTPAdapter`` mounts are swapped for ours, pool sizes kept
(a custom adapter subclass is left alone, and classification falls back to urllib3's errors).

A CA bundle or ``verify=False`` set on a factory's session is passed with every request
(:func:`pinned_settings`), so environment variables cannot replace it.
"""

from __future__ import annotations

import os
import platform
import threading
import weakref
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import DEFAULT_POOLBLOCK, DEFAULT_POOLSIZE, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager
from urllib3.util.retry import Retry

from ._constants import POOL_MAXSIZE
from ._locks import ForkSafeLock
from ._retry import ConnectionNotOpened
from ._version import __version__
from ._watchdog import watch_current

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
        self._lock = ForkSafeLock()

    def current(self) -> _ThreadSession:
        """This thread's session, made on first use and again after a fork."""
        held: _ThreadSession | None = getattr(self._local, "held", None)
        if held is None or held.pid != os.getpid():
            # A forked child must not share its parent's sockets: it drops the copy unclosed.
            session = self._factory()
            _use_step_connections(session)
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


def pinned_settings(session: requests.Session) -> dict[str, Any]:
    """The request options that keep ``session``'s own TLS verification: a CA bundle path or
    ``verify=False`` set on the session. Passed with each request, they win over
    ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``, which requests would otherwise put in their
    place (its environment merge only spares a request-level ``verify``). A session left at
    ``verify=True`` keeps following those variables."""
    verify = session.verify
    return {} if verify is True or verify is None else {"verify": verify}


#: urllib3's own retries, off: wavevid's policy decides (``_retry``).
_NO_RETRIES = Retry(0, read=False)


def _default_session() -> requests.Session:
    session = requests.Session()
    adapter = StepAdapter(pool_connections=4, pool_maxsize=POOL_MAXSIZE, max_retries=_NO_RETRIES)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _use_step_connections(session: requests.Session) -> None:
    """Stock adapters become StepAdapters (pool sizes kept); no adapter retries on its own:
    urllib3 resending a POST would pay for a job twice, and its sleeps ignore our deadlines."""
    for prefix, adapter in list(session.adapters.items()):
        if type(adapter) is HTTPAdapter:
            session.mount(prefix, StepAdapter(
                pool_connections=getattr(adapter, "_pool_connections", DEFAULT_POOLSIZE),
                pool_maxsize=getattr(adapter, "_pool_maxsize", DEFAULT_POOLSIZE),
                max_retries=_NO_RETRIES,
                pool_block=getattr(adapter, "_pool_block", DEFAULT_POOLBLOCK),
            ))
        elif isinstance(adapter, HTTPAdapter):
            adapter.max_retries = _NO_RETRIES


class _ConnectFirst:
    """Opens the connection before writing the request; a failure while opening it is
    ConnectionNotOpened, whatever its cause (refused, DNS, proxy CONNECT, TLS handshake)."""

    sock: Any

    def connect(self) -> None:
        watch_current(self)
        try:
            super().connect()  # type: ignore[misc]
        except ConnectionNotOpened:
            raise
        except Exception as error:
            raise ConnectionNotOpened(self, error) from error  # type: ignore[arg-type]

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch_current(self)  # a pooled connection, sending again
        if self.sock is None:
            self.connect()
        super().request(*args, **kwargs)  # type: ignore[misc]


class _Connection(_ConnectFirst, HTTPConnection):
    pass


class _TLSConnection(_ConnectFirst, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


_POOLS = {"http": _Pool, "https": _TLSPool}


class StepAdapter(HTTPAdapter):
    """requests' adapter, with connections that open before the request is written (direct and
    through http(s) proxies; SOCKS proxies keep urllib3's own)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS
        return manager
