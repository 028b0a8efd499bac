"""The process-wide ``wavevid.Client``, made on first use from ``settings.WAVEVID``.

One client per process, shared by every thread: it is thread-safe, keeps a connection pool per
thread and loads the catalog once. A client per request would pay for a new TLS connection and
a catalog load every time.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

import wavevid

_client_lock = threading.Lock()
_clients: dict[str, Any] = {}  # kind -> its client, made on first use
_secret_lock = threading.Lock()
_webhook_secret: str | None = None


def config(name: str) -> Any:
    """One value of ``settings.WAVEVID``."""
    return settings.WAVEVID[name]


def get_client() -> wavevid.Client:
    """This process's client; the first call makes it."""
    client: wavevid.Client = _shared("web", wavevid.Client)
    return client


def _shared(kind: str, make: Any, **options: Any) -> Any:
    """The process's client of ``kind``, made by ``make`` from ``settings.WAVEVID`` (and
    ``options``) on first use."""
    with _client_lock:
        if kind not in _clients:
            _clients[kind] = make(
                api_key=config("API_KEY"),
                base_url=config("BASE_URL"),
                request_timeout=config("REQUEST_TIMEOUT"),
                **options,
            )
        return _clients[kind]


def get_webhook_secret() -> str:
    """``WAVEVID["WEBHOOK_SECRET"]``, or else the account's, fetched once from WaveSpeed."""
    global _webhook_secret
    if config("WEBHOOK_SECRET"):
        return str(config("WEBHOOK_SECRET"))
    with _secret_lock:
        if _webhook_secret is None:
            _webhook_secret = get_client().webhook_secret(timeout=config("STATUS_TIMEOUT"))
        return _webhook_secret


def get_async_client() -> wavevid.AsyncClient:
    """This process's client for async views; the first call makes it. It serves every event
    loop of the process (its HTTP runs in its own small thread pool)."""
    client: wavevid.AsyncClient = _shared("async", wavevid.AsyncClient)
    return client


def get_worker_client() -> wavevid.Client:
    """This Celery worker process's client. ``submit_retries=0``: a 429 raises
    ``RateLimitError`` at once, and the task is retried later instead of holding its worker
    slot while it waits."""
    client: wavevid.Client = _shared("worker", wavevid.Client, submit_retries=0)
    return client


@receiver(setting_changed)
def _forget_client(**kwargs: Any) -> None:
    """A changed WAVEVID setting (override_settings, pytest-django's ``settings`` fixture)
    makes the next call build new clients."""
    global _webhook_secret
    if kwargs["setting"] == "WAVEVID":
        with _secret_lock, _client_lock:  # the order get_webhook_secret takes them in
            for client in _clients.values():
                client.close()
            _clients.clear()
            _webhook_secret = None
