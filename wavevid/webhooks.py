"""Verify (and, for tests, sign) WaveSpeed webhook deliveries.

WaveSpeed signs each delivery with three headers::

    webhook-id: <id>
    webhook-timestamp: <Unix seconds>
    webhook-signature: v3,<lowercase hex HMAC-SHA256>

The HMAC covers ``b"<id>.<timestamp>." + raw_body``; its key is the account's webhook secret
(``client.webhook_secret()``) without its ``whsec_`` prefix, taken as raw UTF-8 bytes. This looks
like Standard Webhooks but is not compatible with it (hex, not base64; the key is not
base64-decoded), so generic verifiers reject every real delivery.

:func:`verify` checks the signature over the raw bytes *before* parsing anything, rejects
timestamps more than ``tolerance`` seconds away from now (either way), and returns the parsed
payload. Every failure is a :class:`~wavevid.errors.WebhookVerificationError` whose reason never
contains the secret or the expected signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import time
import uuid
from typing import Any

from ._constants import (
    WEBHOOK_ID_HEADER,
    WEBHOOK_SECRET_PREFIX,
    WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_SIGNATURE_VERSION,
    WEBHOOK_TIMESTAMP_DIGITS,
    WEBHOOK_TIMESTAMP_HEADER,
    WEBHOOK_TOLERANCE,
)
from ._logging import register_secret
from .errors import WebhookVerificationError

__all__ = ["sign", "verify"]

_RAW_BODY_HINT = (
    "pass the raw request body exactly as received (Django: request.body; Flask:"
    " request.get_data(); not request.data, request.POST or a re-serialized JSON)"
)


def verify(
    body: bytes,
    headers: Any,
    secret: str,
    tolerance: float = WEBHOOK_TOLERANCE,
    *,
    now: float | None = None,
) -> dict[str, Any]:
    """Check a delivery's signature and age, then return its JSON payload.

    Args:
        body: the raw request body, byte for byte (Django: ``request.body``). A ``str`` or an
            already parsed object is refused: re-serializing changes the bytes that were signed.
        headers: the request's headers: a ``dict`` (any case), ``requests``' or Django's
            case-insensitive ``request.headers``, an ``email.message.Message`` (``http.server``),
            or a WSGI environ / Django ``request.META`` (``HTTP_WEBHOOK_ID`` ...). Anything with
            ``get`` or ``items``.
        secret: the webhook secret, ``whsec_...`` (from ``client.webhook_secret()``); the key is
            what follows ``whsec_``, as UTF-8 bytes. Surrounding whitespace (a newline read from
            a file) is ignored. Redacted from wavevid's logs from now on.
        tolerance: largest accepted difference between the delivery's timestamp and ``now``, in
            seconds, in either direction.
        now: the current Unix time (default ``time.time()``); for tests.

    Returns:
        The payload: ``id`` (the job id), ``model``, ``input``, ``status``, ``outputs`` (when
        completed), ``error`` ...

    Raises:
        WebhookVerificationError: anything is missing, malformed, stale or does not match.
    """
    raw = _raw_body(body)
    if not isinstance(secret, str):
        raise WebhookVerificationError(
            f"the webhook secret must be a str, not {type(secret).__name__}: pass the"
            " whsec_... value of client.webhook_secret()"
        )
    key = _key(secret)
    if key is None:
        raise WebhookVerificationError(
            "no webhook secret given: pass the whsec_... value of client.webhook_secret()"
        )
    register_secret(secret.strip())
    register_secret(key.decode("utf-8"))
    webhook_id = _required_header(headers, WEBHOOK_ID_HEADER)
    timestamp = _required_header(headers, WEBHOOK_TIMESTAMP_HEADER)
    signatures = _required_header(headers, WEBHOOK_SIGNATURE_HEADER)
    _check_age(timestamp, tolerance, time.time() if now is None else now)
    candidates = _v3_signatures(signatures)
    expected = _digest(key, webhook_id, timestamp, raw).encode("ascii")
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise WebhookVerificationError(
            "no signature in the webhook-signature header matches: check the secret"
            " (client.webhook_secret()) and " + _RAW_BODY_HINT
        )
    return _payload(raw)


def sign(
    body: bytes,
    secret: str,
    *,
    webhook_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Return the three headers WaveSpeed would send with ``body`` (for tests).

    Args:
        body: the exact bytes to send.
        secret: the webhook secret (``whsec_...``).
        webhook_id: default: a new random id.
        timestamp: Unix seconds; default: now.

    Raises:
        TypeError: ``body`` is not bytes.
        ValueError: the secret is empty.
    """
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"body must be bytes, not {type(body).__name__}")
    key = _key(secret)
    if key is None:
        raise ValueError("the webhook secret is empty")
    register_secret(secret.strip())
    register_secret(key.decode("utf-8"))
    webhook_id = f"msg_{uuid.uuid4().hex}" if webhook_id is None else webhook_id
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    signature = _digest(key, webhook_id, stamp, bytes(body))
    return {
        WEBHOOK_ID_HEADER: webhook_id,
        WEBHOOK_TIMESTAMP_HEADER: stamp,
        WEBHOOK_SIGNATURE_HEADER: f"{WEBHOOK_SIGNATURE_VERSION},{signature}",
    }


def _digest(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> str:
    try:
        prefix = f"{webhook_id}.{timestamp}.".encode()
    except UnicodeEncodeError:
        raise WebhookVerificationError("the webhook-id header is not valid text") from None
    return hmac.new(key, prefix + body, hashlib.sha256).hexdigest()


def _strip_prefix(secret: str) -> str:
    prefix = WEBHOOK_SECRET_PREFIX
    return secret[len(prefix) :] if secret.startswith(prefix) else secret


def _key(secret: object) -> bytes | None:
    """The HMAC key: the secret without ``whsec_``, as UTF-8 (never base64-decoded)."""
    if not isinstance(secret, str):
        return None
    key = _strip_prefix(secret.strip())
    try:
        return key.encode("utf-8") if key else None
    except UnicodeEncodeError:
        # e.g. read from an environment variable that is not UTF-8; never shown
        raise WebhookVerificationError("the webhook secret is not valid UTF-8 text") from None


def _raw_body(body: object) -> bytes:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        problem = "the body is a str, not bytes: it was decoded or re-serialized"
    else:
        problem = f"the body is a {type(body).__name__}, not bytes: it was already parsed"
    raise WebhookVerificationError(f"{problem}; {_RAW_BODY_HINT}")


def _required_header(headers: object, name: str) -> str:
    value = _header(headers, name)
    if value is None:
        raise WebhookVerificationError(f"the {name} header is missing")
    if not value:
        raise WebhookVerificationError(f"the {name} header is empty")
    return value


def _header(headers: object, name: str) -> str | None:
    """The value of header ``name`` in ``headers``, whatever their kind; ``None`` if absent."""
    meta = "HTTP_" + name.upper().replace("-", "_")  # WSGI environ, Django's request.META
    getter = getattr(headers, "get", None)
    items = getattr(headers, "items", None)
    if not callable(getter) and not callable(items):
        raise WebhookVerificationError(
            f"the headers are a {type(headers).__name__}: pass a mapping such as"
            " request.headers or request.META"
        )
    if callable(getter):
        for key in (name, meta):
            value = getter(key)
            if value is not None:
                return _text(value, name)
    if callable(items):
        wanted = (name, meta.lower())
        for key, value in items():
            if isinstance(key, bytes):
                key = key.decode("latin-1")
            if isinstance(key, str) and key.lower() in wanted:
                return _text(value, name)
    return None


def _text(value: object, name: str) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        raise WebhookVerificationError(f"the {name} header is not text")
    return value.strip()


def _check_age(timestamp: str, tolerance: float, now: float) -> None:
    digits = timestamp.isascii() and timestamp.isdigit()
    if not digits or len(timestamp) > WEBHOOK_TIMESTAMP_DIGITS:
        raise WebhookVerificationError(
            "the webhook-timestamp header is not a whole number of Unix seconds"
        )
    if not isinstance(tolerance, (int, float)) or math.isnan(tolerance) or tolerance < 0:
        raise WebhookVerificationError("the tolerance must be a number of seconds >= 0")
    age = now - int(timestamp)
    if age > tolerance:
        raise WebhookVerificationError(
            f"the delivery is too old: signed {age:.0f} s ago, more than the {tolerance:g} s"
            " allowed (a replay, a late redelivery, or a wrong clock here)"
        )
    if -age > tolerance:
        raise WebhookVerificationError(
            f"the delivery is from the future: signed {-age:.0f} s ahead of this machine's"
            f" clock, more than the {tolerance:g} s allowed (check the clock)"
        )


def _v3_signatures(header: str) -> list[bytes]:
    """The ``v3`` signatures of a space-separated ``version,signature`` list, as ASCII bytes.

    Entries of another version are ignored; so are malformed ones (no comma, empty, not
    ASCII), as long as another entry is usable.
    """
    found = []
    for entry in header.split():
        version, comma, signature = entry.partition(",")
        if comma and version == WEBHOOK_SIGNATURE_VERSION and signature.isascii():
            found.append(signature.lower().encode("ascii"))
    if not found:
        raise WebhookVerificationError(
            f"the webhook-signature header holds no {WEBHOOK_SIGNATURE_VERSION} signature"
            f" (expected '{WEBHOOK_SIGNATURE_VERSION},<hex>' entries separated by spaces)"
        )
    return found


def _payload(raw: bytes) -> dict[str, Any]:
    """Parse the verified body; it must be a JSON object."""
    try:
        payload = json.loads(raw)
    except UnicodeDecodeError:
        raise WebhookVerificationError("the body is signed but is not UTF-8 text") from None
    except ValueError as error:
        message = getattr(error, "msg", "invalid JSON")
        raise WebhookVerificationError(f"the body is signed but is not JSON ({message})") from None
    except RecursionError:
        raise WebhookVerificationError("the body is signed but nested too deeply") from None
    if not isinstance(payload, dict):
        kind = type(payload).__name__
        raise WebhookVerificationError(f"the body is signed but is a JSON {kind}, not an object")
    return payload
