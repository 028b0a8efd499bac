"""Webhooks of ``FakeWaveSpeed``, the data: settings, the payload, the signature, the records.

The signing scheme is WaveSpeed's (``webhook-id``, ``webhook-timestamp``, ``webhook-signature:
v3,<hex>``), written here again on purpose: the fake depends on the standard library only, and
tests check that ``wavevid.webhooks.verify`` accepts what it sends. ``_webhook_delivery`` sends.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from wavevid.testing._jobs import TERMINAL_STATUSES, FakeJob, render_prediction

DEFAULT_ATTEMPTS = 4
"""Attempts per delivery (the first one included) before the fake gives up."""
DEFAULT_RETRY_SECONDS = 0.05
"""Wait before the second attempt; it doubles before each further one (short, for tests)."""
DEFAULT_TIMEOUT = 2.0
"""Seconds one attempt waits to connect and for the receiver's answer."""
SIGNATURE_VERSION = "v3"
SECRET_PREFIX = "whsec_"

DOCUMENTED_STATUSES = frozenset({"completed", "failed"})
"""The statuses WaveSpeed's webhook page says deliveries fire on."""

_PAYLOAD_KEYS = ("id", "model", "input", "outputs", "urls", "has_nsfw_contents", "status",
                 "created_at", "error", "timings")  # fmt: skip


@dataclass(frozen=True)
class WebhookDelivery:
    """One delivery attempt of ``FakeWaveSpeed``.

    ``status`` is the receiver's HTTP status, or ``None`` when there was no answer; then ``error``
    says why (connection refused, timeout, a host that is not loopback). ``headers`` are the ones
    sent, including the signature; ``body`` the exact bytes signed and sent. ``webhook_id`` is the
    same for every attempt of one delivery; each duplicate is a delivery of its own. ``at`` is
    the ``time.monotonic()`` when the attempt ended.
    """

    url: str
    job_id: str
    webhook_id: str
    attempt: int
    status: int | None
    error: str | None
    body: bytes
    headers: dict[str, str]
    at: float

    @property
    def ok(self) -> bool:
        """True when the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def payload(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)


@dataclass(frozen=True)
class WebhookOptions:
    """The fixed delivery settings of one fake."""

    attempts: int = DEFAULT_ATTEMPTS
    retry_seconds: float = DEFAULT_RETRY_SECONDS
    timeout: float = DEFAULT_TIMEOUT
    statuses: frozenset[str] = DOCUMENTED_STATUSES

    def __post_init__(self) -> None:
        """Raise ``ValueError`` for settings that have no meaning."""
        problems = [
            message
            for broken, message in (
                (self.attempts < 1, "webhook_attempts must be >= 1"),
                (self.retry_seconds < 0, "webhook_retry_seconds must not be negative"),
                (self.timeout <= 0, "webhook_timeout must be > 0"),
                (
                    not self.statuses <= TERMINAL_STATUSES,
                    f"webhook_statuses must be among {sorted(TERMINAL_STATUSES)}",
                ),
            )
            if broken
        ]
        if problems:
            raise ValueError("; ".join(problems))


def sign_body(body: bytes, secret: str, webhook_id: str, timestamp: int) -> dict[str, str]:
    """The signature headers WaveSpeed sends with ``body``: HMAC-SHA256, lowercase hex, over
    ``"<id>.<timestamp>." + body``, keyed by the secret minus ``whsec_`` as raw UTF-8 bytes."""
    key = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(key.encode(), signed, hashlib.sha256).hexdigest()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"{SIGNATURE_VERSION},{digest}",
    }


def webhook_payload(job: FakeJob, base_url: str) -> dict[str, Any]:
    """The payload WaveSpeed POSTs for terminal ``job``: the prediction, not in an envelope,
    with its ``input``; ``outputs`` only when completed. The documented payload has no
    ``timings``; whether the real one does is UNVERIFIED, and the fake sends them."""
    data = {**render_prediction(job, base_url), "input": job.input}
    if data["status"] != "completed":
        del data["outputs"]
    return {key: data[key] for key in _PAYLOAD_KEYS if key in data}


def is_loopback(url: str) -> bool:
    """Tell whether ``url`` is http(s) to 127.0.0.0/8, ``::1`` or ``localhost``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https"):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
