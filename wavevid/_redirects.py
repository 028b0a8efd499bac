"""Redirects that wavevid follows itself, if at all: requests would read every 3xx body whole
(to follow it, and even with ``allow_redirects=False``), so its ``Location`` is moved aside
before requests sees it, and the caller decides (see ``_output_urls``)."""

from __future__ import annotations

from typing import Any

import requests


def redirect_target(response: requests.Response) -> str | None:
    """The ``Location`` of a redirect answered to a request made with :data:`KEEP_REDIRECTS`
    (as sent: maybe relative), or None for any other answer."""
    return response.headers.get(_REDIRECT_TARGET)


def _keep_redirect(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    # requests reads a redirect's whole body before its caller sees the answer: to follow it,
    # and even with allow_redirects=False (to prepare ``response.next``). Without ``Location``
    # it is a plain answer, whose body only our bounded readers read, if anyone does.
    if response.status_code in _REDIRECT_STATUSES and "Location" in response.headers:
        response.headers[_REDIRECT_TARGET] = response.headers.pop("Location")
    return response


def no_authorization(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """As ``auth=``: no Authorization header, whatever a session's auth or headers, user info
    in the URL or .netrc would add."""
    request.headers.pop("Authorization", None)
    return request


_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_REDIRECT_TARGET = "X-Wavevid-Redirect-Target"
KEEP_REDIRECTS = {"response": [_keep_redirect]}
"""``hooks=`` for a request whose redirects are not followed, nor their bodies read."""
