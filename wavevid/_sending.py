"""One request on the wire: timeouts clipped to the deadline, the watchdog armed, loopback hosts
kept off environment proxies, and every network failure turned into a classified ``Failed``
(``_transport`` and the upload and download loops send through here)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions as urllib3_errors

from . import errors
from ._configuration import is_loopback
from ._constants import CONNECT_TIMEOUT
from ._deadline import Deadline
from ._retry import Failed, classify, describe_error, is_certificate_failure
from ._sessions import pinned_settings
from ._watchdog import WATCHDOG, release_on_close

_SCHEMES = ("http", "https", "all")
# What requests raises before anything is sent (a bad URL or header, a proxy scheme it cannot
# speak, a body JSON cannot carry): never "sent, no answer".
_NOT_SENT = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidJSONError,
)


def send(
    session: requests.Session,
    method: str,
    url: str,
    deadline: Deadline,
    read_timeout: float,
    *,
    headers: dict[str, str],
    what: str | None = None,
    **options: Any,
) -> requests.Response:
    """Send one request on ``session``, its body left to read (streamed), the connect and read
    timeouts clipped to the deadline. Network failures
    become :class:`Failed`, classified by the step that failed (opening the connection, or
    after); a refused certificate is an APIConnectionError, a request that cannot be made a
    ConfigurationError. Raises DeadlinePassed when no time is left."""
    deadline.check()
    remaining = deadline.remaining()
    timeouts = (min(CONNECT_TIMEOUT, remaining), min(read_timeout, remaining))
    if is_loopback(urlsplit(url).hostname or ""):
        # A local fake or proxy: environment proxies (HTTP_PROXY) would only break it.
        options["proxies"] = {scheme: session.proxies.get(scheme) for scheme in _SCHEMES}
    options.update(pinned_settings(session))
    guard = WATCHDOG.guard(deadline.remaining(), deadline)
    try:
        with guard.current():
            response = session.request(
                method, url, headers=headers, timeout=timeouts, stream=True, **options
            )
    except _NOT_SENT as error:  # refused before a byte left: configuration, not the network
        guard.release()
        raise errors.ConfigurationError(f"cannot send: {describe_error(error)}") from None
    except (requests.RequestException, urllib3_errors.HTTPError, OSError) as error:
        guard.release()
        detail = f"{what}: {describe_error(error)}" if what else describe_error(error)
        if guard.fired:
            detail = f"cut off at the deadline ({deadline.seconds:g} s): {detail}"
        if is_certificate_failure(error):
            raise errors.APIConnectionError(f"TLS failed: {detail}") from None
        raise Failed(classify(error), detail) from None
    except BaseException:
        guard.release()
        raise
    release_on_close(response, guard)
    return response
