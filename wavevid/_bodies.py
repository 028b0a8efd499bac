"""Reading answers within a deadline: bodies chunk by chunk, the deadline checked between reads,
and a whole (small) API answer read or turned into a failure of a request that was sent.

Bodies are read decoded: wavevid asks for ``identity``, but a server may encode anyway (a CDN
gzipping a video). urllib3 (2.8 or later, the minimum wavevid installs) decodes gzip, deflate
and, when their modules are installed, br and zstd, each read bounded by the size asked for, so a
small compressed body cannot expand in memory at once; callers count the decoded bytes against
their own caps. A content-coding urllib3 cannot decode would come through still encoded:
:func:`undecodable` names it so that callers refuse the body instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import requests
import urllib3.exceptions as urllib3_errors
from urllib3.response import HTTPResponse

from ._constants import MAX_JSON_BYTES, READ_CHUNK_BYTES
from ._deadline import Deadline, DeadlinePassed
from ._envelope import Answer
from ._retry import Failed, Failure, describe_error
from ._short_text import shorten


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
        try:
            chunk = raw.read1(chunk_bytes, decode_content=True)
        except (requests.RequestException, urllib3_errors.HTTPError, OSError):
            # A socket shut down at the deadline breaks the read off (a body short of its
            # length): that is the deadline, not a broken connection.
            deadline.check("the answer was still arriving")
            raise
        if not chunk:
            # A socket shut down at the deadline reads as the end of the body.
            deadline.check("the answer was still arriving")
            return
        yield chunk


def content_codings(headers: Mapping[str, str]) -> list[str]:
    """The content-codings of a body, in the order they were applied; ``identity`` left out."""
    codings = (coding.strip().lower() for coding in headers.get("Content-Encoding", "").split(","))
    return [coding for coding in codings if coding and coding != "identity"]


def undecodable(headers: Mapping[str, str]) -> str | None:
    """The first content-coding of a body that cannot be decoded here, or None."""
    decodable = HTTPResponse.CONTENT_DECODERS
    return next((coding for coding in content_codings(headers) if coding not in decodable), None)


def read_answer(response: requests.Response, deadline: Deadline) -> Answer:
    """The whole answer, decoded; of an answer with an error or redirect status, at most its
    first ``MAX_JSON_BYTES`` (the rest is never read). Raises Failed (NO_ANSWER: the request was
    sent) when the body does not arrive complete within the deadline, breaks off, cannot be
    decoded, or is too large to be an API answer (``MAX_JSON_BYTES``, counted decoded)."""
    # A refusal's (or redirect's) status says it all; its body only feeds the message.
    refusal = response.status_code >= 300
    chunks, size = [], 0
    try:
        with response:
            coding = undecodable(response.headers)
            if coding is not None:
                if refusal:
                    return Answer(response.status_code, response.headers, b"")
                raise Failed(
                    Failure.NO_ANSWER, f"answer in content-encoding {shorten(coding)!r},"
                    " which cannot be decoded",
                )
            for chunk in iter_body(response, deadline):
                size += len(chunk)
                if size > MAX_JSON_BYTES:
                    if refusal:
                        chunks.append(chunk[: len(chunk) - (size - MAX_JSON_BYTES)])
                        break
                    raise Failed(Failure.NO_ANSWER, f"answer larger than {MAX_JSON_BYTES} bytes")
                chunks.append(chunk)
    except DeadlinePassed as passed:
        raise Failed(Failure.NO_ANSWER, str(passed)) from None
    except (requests.RequestException, urllib3_errors.HTTPError, OSError) as error:
        raise Failed(Failure.NO_ANSWER, describe_error(error)) from None
    return Answer(response.status_code, response.headers, b"".join(chunks))
