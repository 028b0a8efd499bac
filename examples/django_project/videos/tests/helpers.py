"""Small helpers for the example's tests."""

from __future__ import annotations

import io
import json
from typing import Any

import requests
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from wavevid.webhooks import sign


def create(client: Client, model: str = "ltx-2-fast", **values: Any) -> Any:
    """POST to the create view, as a page's script would."""
    body = {"model": model, "input": values}
    return client.post(reverse("videos:create"), body, content_type="application/json")


def deliver(
    live_server: Any, pk: object, payload: dict[str, Any], secret: str, **options: Any
) -> requests.Response:
    """POST ``payload`` to the live server's webhook view, signed with ``secret`` as WaveSpeed
    signs (``options`` go to ``sign``). Real HTTP: a missing csrf_exempt would show."""
    body = json.dumps(payload).encode()
    return post_webhook(live_server, pk, body, sign(body, secret, **options))


def post_webhook(
    live_server: Any, pk: object, body: bytes, headers: dict[str, str]
) -> requests.Response:
    url = live_server.url + reverse("videos:webhook", args=[pk])
    return requests.post(url, data=body, headers=headers, timeout=5)


def sync(stderr: io.StringIO | None = None, **options: Any) -> str:
    """Run ``manage.py sync_videos`` and return the line it prints."""
    out = io.StringIO()
    call_command("sync_videos", stdout=out, stderr=stderr or io.StringIO(), **options)
    return out.getvalue().strip()


def summary(
    resolved: int = 0,
    unresolved: int = 0,
    refreshed: int = 0,
    finished: int = 0,
    downloaded: int = 0,
    errors: int = 0,
) -> str:
    """The line sync_videos prints for these counts."""
    return (
        f"sync_videos: {resolved} resolved, {unresolved} still uncertain, {refreshed} refreshed,"
        f" {finished} finished, {downloaded} downloaded, {errors} errors"
    )
