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
_client: wavevid.Client | None = None
_secret_lock = threading.Lock()
_webhook_secret: str | None = None


def config(name: str) -> Any:
    """One value of ``settings.WAVEVID``."""
    return settings.WAVEVID[name]


def get_client() -> wavevid.Client:
    """This process's client; the first call makes it."""
    global _client
    with _client_lock:
        if _client is None:
            _client = wavevid.Client(
                api_key=config("API_KEY"),
                base_url=config("BASE_URL"),
                request_timeout=config("REQUEST_TIMEOUT"),
            )
        return _client


def get_webhook_secret() -> str:
    """``WAVEVID["WEBHOOK_SECRET"]``, or else the account's, fetched once from WaveSpeed."""
    global _webhook_secret
    if config("WEBHOOK_SECRET"):
        return str(config("WEBHOOK_SECRET"))
    with _secret_lock:
        if _webhook_secret is None:
            _webhook_secret = get_client().webhook_secret(timeout=config("STATUS_TIMEOUT"))
        return _webhook_secret


_async_client: wavevid.AsyncClient | None = None


def get_async_client() -> wavevid.AsyncClient:
    """This process's client for async views; the first call makes it. It serves every event
    loop of the process (its HTTP runs in its own small thread pool)."""
    global _async_client
    with _client_lock:
        if _async_client is None:
            _async_client = wavevid.AsyncClient(
                api_key=config("API_KEY"),
                base_url=config("BASE_URL"),
                request_timeout=config("REQUEST_TIMEOUT"),
            )
        return _async_client


@receiver(setting_changed)
def _forget_client(**kwargs: Any) -> None:
    """A changed WAVEVID setting (override_settings, pytest-django's ``settings`` fixture)
    makes the next call build a new client."""
    global _client, _async_client, _webhook_secret
    if kwargs["setting"] == "WAVEVID":
        with _secret_lock, _client_lock:  # the order get_webhook_secret takes them in
            for client in (_client, _async_client):
                if client is not None:
                    client.close()
            _client, _async_client, _webhook_secret = None, None, None
