"""Output URLs: which ones are fetched, how they are shown, and which redirects are followed.

- Only http(s) URLs are fetched; messages and logs show them without user info, query or
  fragment, where signed URLs keep their secret.
- Redirects are followed here, never by requests, which reads each redirect's whole body first:
  at most ``DOWNLOAD_MAX_REDIRECTS`` per request, to https only (http only from one loopback host
  to another, for a local fake), and no redirect body is ever read.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

import requests

from . import errors
from ._configuration import is_loopback
from ._constants import DOWNLOAD_MAX_REDIRECTS
from ._deadline import Deadline
from ._logging import get_logger, redact
from ._redirects import redirect_target
from ._short_text import shorten
from ._transport import Transport

logger = get_logger("wavevid.download")


class RedirectRefused(Exception):
    """A redirect wavevid does not follow; ``detail`` says why (URLs shown safely)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def check_url(url: str) -> None:
    """Raises DownloadError, before any request, for a URL that is not http(s)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket
        parts = urlsplit("")
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        shown = shorten(redact(url))
        raise errors.DownloadError(f"cannot download {shown!r}: only http(s) URLs are supported")


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket
        return "an invalid URL"
    host = parts.netloc.rpartition("@")[2]
    return shorten(redact(f"{parts.scheme}://{host}{parts.path}"), 200)


def open_following(
    transport: Transport, url: str, *, deadline: Deadline, headers: Mapping[str, str]
) -> requests.Response:
    """GET ``url`` (with ``headers`` on every hop, never credentials), following redirects.

    Returns:
        The first answer that is not a redirect, its body left to read.

    Raises:
        RedirectRefused: a redirect past the limit, to another scheme than https (http from a
            loopback host to a loopback host aside), or without a usable target.
        Failed, DeadlinePassed: as :meth:`Transport.open_stream`.
    """
    current, redirects = url, 0
    while True:
        response = transport.open_stream(current, deadline=deadline, headers=headers)
        location = redirect_target(response)
        if location is None:
            return response
        status = response.status_code
        response.close()  # the body is never read: the connection is dropped instead
        if redirects == DOWNLOAD_MAX_REDIRECTS:
            raise RedirectRefused(f"HTTP {status}: more than {DOWNLOAD_MAX_REDIRECTS} redirects")
        target = _follow(current, location, status)
        logger.debug("%s redirects (HTTP %d) to %s", safe_url(current), status, safe_url(target))
        current, redirects = target, redirects + 1


def _follow(current: str, location: str, status: int) -> str:
    """The URL a redirect from ``current`` leads to. Raises RedirectRefused when it is not
    followed."""
    try:
        target = urljoin(current, location.strip())
        parts = urlsplit(target)
        host = parts.hostname
    except ValueError:  # a malformed host, such as an unclosed IPv6 bracket
        target, host = location, None
    shown = f"HTTP {status} to {safe_url(target)}"
    if not host:
        raise RedirectRefused(f"{shown}: not a usable URL")
    scheme = parts.scheme.lower()
    if scheme == "https":
        return target
    if scheme == "http" and is_loopback(urlsplit(current).hostname or "") and is_loopback(host):
        return target
    raise RedirectRefused(f"{shown}: only redirects to https are followed")
