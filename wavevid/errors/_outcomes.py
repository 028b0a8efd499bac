"""Errors after a job was submitted: it failed, our deadline passed, the download failed; and
a webhook delivery that is not WaveSpeed's."""

from __future__ import annotations

from ._base import WavevidError


class JobFailedError(WavevidError):
    """The job ended without a video.

    Attributes:
        job_id: the WaveSpeed job id.
        status: ``failed``, ``cancelled``, ``timeout`` or ``deleted``.
        code: WaveSpeed's task error code (1xxx: the input; 5xxx: the service), when given.
        error: WaveSpeed's error message.
        retryable: True when the code says the service failed (5xxx), so resubmitting may work.
    """

    def __init__(self, job_id: str, status: str, *, code: int | None, error: str) -> None:
        self.job_id = job_id
        self.status = status
        self.code = code
        self.error = error
        self.retryable = code is not None and 5000 <= code < 6000
        detail = f" (code {code})" if code is not None else ""
        super().__init__(f"job {job_id} {status}{detail}: {error or 'no reason given'}")


class JobTimeoutError(WavevidError, TimeoutError):
    """Our deadline passed; the job still runs remotely and ``Client.get_job(job_id)`` finds it.

    Attributes:
        job_id: the WaveSpeed job id.
        timeout: the deadline that passed, in seconds.
    """

    def __init__(self, job_id: str, timeout: float) -> None:
        self.job_id = job_id
        self.timeout = timeout
        super().__init__(
            f"job {job_id} not finished after {timeout:g} s; it still runs on WaveSpeed"
            f" (resume with client.get_job({job_id!r}).wait())"
        )


class DownloadError(WavevidError):
    """The output could not be downloaded completely. No partial file is left behind, and an
    existing file at the target is untouched.

    Attributes:
        job_id: the job whose output it was, when known: it completed (and was billed), so
            ``client.download(client.get_job(job_id), path)`` tries again (outputs last 7 days).
    """

    job_id: str | None = None


class WebhookVerificationError(WavevidError):
    """A webhook delivery failed verification. The reason never contains the secret.

    Attributes:
        reason: why, in words.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
