"""Reading answers within a deadline: bodies chunk by chunk, the deadline checked between reads,
and a whole (small) API answer read or turned into a failure of a request that was sent."""

from __future__ import annotations

from collections.abc import Iterator

import requests
import urllib3.exceptions as urllib3_errors

from ._answers import Answer, describe_error
from ._constants import MAX_JSON_BYTES, READ_CHUNK_BYTES
from ._deadline import Deadline, DeadlinePassed
from ._retry import Failed, Failure


def iter_body(
    response: requests.Response, deadline: Deadline, chunk_bytes: int = READ_CHUNK_BYTES
) -> Iterator[bytes]:
    """The body in chunks as they arrive; raises DeadlinePassed at the deadline.

    Each read waits at most one read timeout (clipped to the deadline when the request was
    made), and the deadline is checked between reads.
    """
    raw = response.raw
    while True:
        deadline.check("the answer was still arriving")
        chunk = raw.read1(chunk_bytes, decode_content=True)
        if not chunk:
            return
        yield chunk


def read_answer(response: requests.Response, deadline: Deadline) -> Answer:
    """The whole answer. Raises Failed (NO_ANSWER: the request was sent) when the body does not
    arrive complete within the deadline, breaks off, or is too large to be an API answer."""
    chunks, size = [], 0
    try:
        with response:
            for chunk in iter_body(response, deadline):
                size += len(chunk)
                if size > MAX_JSON_BYTES:
                    raise Failed(Failure.NO_ANSWER, f"answer larger than {MAX_JSON_BYTES} bytes")
                chunks.append(chunk)
    except DeadlinePassed as passed:
        raise Failed(Failure.NO_ANSWER, str(passed)) from None
    except (requests.RequestException, urllib3_errors.HTTPError, OSError) as error:
        raise Failed(Failure.NO_ANSWER, describe_error(error)) from None
    return Answer(response.status_code, response.headers, b"".join(chunks))
