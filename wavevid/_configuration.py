"""What a client is configured with, checked before any request: the base URL (https, or http to
a loopback host) and the API key (no whitespace inside)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from . import errors


def check_api_key(api_key: str | None) -> str | None:
    """The key without surrounding whitespace (a pasted newline). Raises ConfigurationError,
    without the key, when whitespace remains inside it."""
    if api_key is None:
        return None
    key = api_key.strip()
    if any(character.isspace() for character in key):
        raise errors.ConfigurationError(
            "the API key contains whitespace or a line break: check how it was copied"
        )
    return key or None


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash. Raises ConfigurationError unless it is https, or
    http to a loopback host (a local fake or proxy), without credentials in it."""
    parts = urlsplit(base_url.strip())
    if parts.username is not None or parts.password is not None:
        raise errors.ConfigurationError(
            "the base URL must not carry credentials; the API key goes in api_key"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = f"{parts.scheme}://{parts.hostname}" if parts.hostname else "that"
        raise errors.ConfigurationError(f"bad base URL ({shown}): expected https://host")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise errors.ConfigurationError(
            f"refusing plain http to {parts.hostname}: the API key would cross the network"
            " unencrypted (http is allowed to loopback hosts only)"
        )
    if parts.query or parts.fragment:
        raise errors.ConfigurationError("the base URL must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
