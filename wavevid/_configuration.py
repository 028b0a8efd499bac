"""What a client is configured with, checked before any request: the base URL (https, or http to
a loopback host) and the API key (no whitespace inside, nothing an HTTP header cannot carry)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from . import errors
from ._constants import API_PREFIX
from ._short_text import short_repr


def check_api_key(api_key: str | None) -> str | None:
    """The key without surrounding whitespace (a pasted newline). Raises ConfigurationError,
    never quoting the key, when it is not a str, when whitespace remains inside it, or when it
    holds a character an HTTP header cannot carry (a control character, or one outside
    Latin-1: a key pasted through a word processor)."""
    if api_key is None:
        return None
    if not isinstance(api_key, str):
        raise errors.ConfigurationError(
            f"the API key must be a str, not {type(api_key).__name__}"
        )
    key = api_key.strip()
    if any(character.isspace() for character in key):
        raise errors.ConfigurationError(
            "the API key contains whitespace or a line break: check how it was copied"
        )
    if any(ord(character) > 0xFF or not character.isprintable() for character in key):
        raise errors.ConfigurationError(
            "the API key contains a character an HTTP header cannot carry (a control character"
            " or one outside Latin-1, such as a typographic quote): check how it was copied"
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


def api_url(base_url: str, path: str, query: Mapping[str, str] | None = None) -> str:
    """The URL of an API path (``predictions/ID/result``), its segments kept unescaped.
    Raises ConfigurationError for an empty, ``.`` or ``..`` segment: a path never leaves the
    API prefix."""
    if any(segment in ("", ".", "..") for segment in path.strip("/").split("/")):
        raise errors.ConfigurationError(f"not an API path: {short_repr(path)}")
    url = f"{base_url}{API_PREFIX}/{quote(path.strip('/'), safe='/-_.~')}"
    if query:
        url += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return url
