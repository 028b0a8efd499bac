"""``Client``: configuration, the catalog, and the operations, as thin glue over the modules that
do the work (catalog, payload, transport, jobs, download, media)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from types import TracebackType

from ._constants import (
    API_KEY_ENV,
    BASE_URL_ENV,
    CALL_DEADLINE,
    DEFAULT_BASE_URL,
    MAX_RETRIES,
    REQUEST_TIMEOUT,
)
from ._deadline import Clock, Deadline
from ._retry import RetryPolicy
from ._transport import SessionFactory, Transport
from .catalog import Catalog, load_catalog
from .errors import APIError


class Client:
    """A WaveSpeed client. One instance is safe to share across threads; ``close()`` (or a
    ``with`` block) releases its pooled connections.

    Args:
        api_key: the WaveSpeed key; default: ``WAVESPEED_API_KEY``. A missing key is a
            ConfigurationError at the first request, not here.
        base_url: default: ``WAVESPEED_BASE_URL`` or https://api.wavespeed.ai. Plain http is
            refused unless the host is loopback.
        catalog_paths: extra catalog folders, read after ``WAVEVID_CATALOG_PATH``'s.
        request_timeout: seconds one HTTP request may wait for the server; never a job deadline.
        poll_interval: None to schedule polls from the model's expected time; a number to
            poll at that fixed interval.
        max_retries: retries of safe requests (a submit is retried only when provably not
            accepted).
        session_factory: makes each thread's ``requests.Session`` (proxies, CA bundle, mTLS).

    Raises:
        ConfigurationError: a bad base URL.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        catalog_paths: Sequence[str | os.PathLike[str]] | None = None,
        request_timeout: float | None = None,
        poll_interval: float | None = None,
        max_retries: int | None = None,
        session_factory: SessionFactory | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._catalog_paths = tuple(catalog_paths or ())
        self._catalog: Catalog | None = None
        self._catalog_lock = threading.Lock()
        self.poll_interval = poll_interval
        self._clock = clock
        self._sleep = sleep
        self._transport = Transport(
            api_key=api_key if api_key is not None else os.environ.get(API_KEY_ENV),
            base_url=base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
            request_timeout=request_timeout or REQUEST_TIMEOUT,
            policy=RetryPolicy(max_retries=MAX_RETRIES if max_retries is None else max_retries),
            session_factory=session_factory,
            clock=clock,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"<wavevid.Client {self._transport.base_url}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections. The client stays usable; later calls reconnect."""
        self._transport.close()

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def catalog(self) -> Catalog:
        """The catalog: built-in, ``WAVEVID_CATALOG_PATH`` folders, then ``catalog_paths``;
        read on first use."""
        with self._catalog_lock:
            if self._catalog is None:
                self._catalog = load_catalog(*self._catalog_paths)
            return self._catalog

    def _deadline(self, seconds: float | None = None) -> Deadline:
        return Deadline(CALL_DEADLINE if seconds is None else seconds, self._clock)

    def balance(self, *, timeout: float | None = None) -> Decimal:
        """The account balance in USD.

        Raises:
            APIError, APIConnectionError, ConfigurationError.
        """
        data = self._transport.call("GET", "balance", deadline=self._deadline(timeout))
        value = data.get("balance") if isinstance(data, dict) else None
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            raise APIError("the balance answer has no balance", status_code=200)
        return Decimal(str(value))
