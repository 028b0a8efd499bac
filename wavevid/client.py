"""``Client``: configuration, and each operation delegated to the module that does the work
(``_submission``, ``_generation``, ``_batch``, ``_upload``, ``_download``), with the model name
resolved once. Finding jobs (``_job_lookups``) and the account's calls (``_account``) are
method groups it inherits."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import _download, _generation, _upload
from ._account import AccountCalls
from ._batch import BatchProgress, run_batch
from ._constants import (
    BATCH_WORKERS,
    DOWNLOAD_TIMEOUT,
    RECOVERY_DELAYS,
    UPLOAD_TIMEOUT,
)
from ._deadline import Clock
from ._job_lookups import JobLookups
from ._payload import merged_input
from ._progress import ProgressCallback, check_callback
from ._runtime import CatalogPaths, Runtime
from ._submission import submit, submit_seconds
from ._transport import SessionFactory
from ._warn import keywords_after, warn_if_loop_running
from .catalog import Catalog
from .jobs import Job
from .results import BatchItem, VideoResult

__all__ = ["Client"]

#: Client's parameters after ``api_key`` that 0.1 took positionally (now keyword-only).
_ONCE_POSITIONAL = (
    "base_url", "catalog_paths", "request_timeout", "poll_interval", "max_retries",
    "session_factory",
)


class Client(JobLookups, AccountCalls):
    """A WaveSpeed client. One instance is safe to share across threads; ``close()`` (or a
    ``with`` block) releases its pooled connections.

    Args:
        api_key: the WaveSpeed key; default: ``WAVESPEED_API_KEY``. A missing key is a
            ConfigurationError at the first request, not here.
        base_url: default: ``WAVESPEED_BASE_URL`` or https://api.wavespeed.ai. Plain http is
            refused unless the host is loopback.
        catalog_paths: an extra catalog folder (a str or path-like) or a sequence of them,
            read after ``WAVEVID_CATALOG_PATH``'s.
        request_timeout: seconds one HTTP request may wait for the server; never a job deadline.
        poll_interval: None to schedule checks from the expected run time (or the interval in
            ``WAVEVID_POLL_INTERVAL``); a number checks at that interval, raised to the minimum
            gap between checks of one job unless the host is loopback (see ``wavevid.jobs``).
        max_retries: retries of safe requests (GETs, uploads, downloads).
        submit_retries: retries of a submit, which is sent again only when provably not
            accepted (408, 429, a connection that could not be opened); a 429 waits for its
            ``Retry-After`` or the end of the per-minute start window, within the deadline.
        recovery_delays: seconds after an uncertain submit at which ``generate()`` searches
            the history for the job (default ``RECOVERY_DELAYS``: 2, 10 and 30 s).
        session_factory: makes each thread's ``requests.Session`` (proxies, CA bundle, mTLS).
        max_download_memory_bytes: the most bytes (decoded) of a video kept in memory
            (``generate()`` without ``output_path``); default ``MAX_DOWNLOAD_MEMORY_BYTES``.
            A larger video is a DownloadError, and nothing of it is kept.
        max_download_file_bytes: the same for a video saved to a file; default
            ``MAX_DOWNLOAD_FILE_BYTES``.
        clock, sleep: the monotonic clock the client measures deadlines and gaps with, and
            the function it waits with; for tests that run time faster (``FakeWaveSpeed``'s
            ``client()`` keeps the defaults, ``time.monotonic`` and ``time.sleep``).

    Everything after ``api_key`` is keyword-only; passing ``base_url`` to
    ``session_factory`` positionally, as 0.1 allowed, still works until 0.3 with a
    DeprecationWarning.

    Raises:
        ConfigurationError: a bad base URL, or a download limit that is not a positive whole
            number.
    """

    @keywords_after(1, _ONCE_POSITIONAL, until="0.3")
    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        catalog_paths: CatalogPaths | None = None,
        request_timeout: float | None = None,
        poll_interval: float | None = None,
        max_retries: int | None = None,
        session_factory: SessionFactory | None = None,
        submit_retries: int | None = None,
        recovery_delays: Sequence[float] = RECOVERY_DELAYS,
        max_download_memory_bytes: int | None = None,
        max_download_file_bytes: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._runtime = Runtime.configured(
            api_key=api_key, base_url=base_url, catalog_paths=catalog_paths or (),
            request_timeout=request_timeout, poll_interval=poll_interval,
            max_retries=max_retries, submit_retries=submit_retries,
            recovery_delays=recovery_delays, session_factory=session_factory,
            max_download_memory_bytes=max_download_memory_bytes,
            max_download_file_bytes=max_download_file_bytes,
            clock=clock, sleep=sleep,
        )
        self._transport = self._runtime.transport

    def __repr__(self) -> str:
        return f"<wavevid.Client {self._transport.base_url}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections. The client stays usable; later calls reconnect."""
        self._transport.close()

    @property
    def catalog(self) -> Catalog:
        """The catalog: built-in, ``WAVEVID_CATALOG_PATH`` folders, then ``catalog_paths``;
        read on first use."""
        return self._runtime.catalog

    # --- jobs ----------------------------------------------------------------------------------

    def submit(
        self,
        model: str,
        input: Mapping[str, Any] | None = None,
        *,
        webhook_url: str | None = None,
        validate: bool = True,
        sync: bool = False,
        timeout: float | None = None,
        **params: Any,
    ) -> Job:
        """Validate, upload local media, POST the job once, and return it at once.

        Args:
            model: a catalog name, alias or WaveSpeed path. A path outside the catalog is sent
                unvalidated (warned once), still checked for what JSON cannot carry; it must be
                segments of letters, digits, ``.``, ``_`` and ``-`` (else UnknownModelError).
            input: model parameters; keyword arguments add more.
            webhook_url: WaveSpeed POSTs the outcome there (see ``wavevid.webhooks``).
            validate: False sends the input as given (defaults are still filled in).
            sync: ask WaveSpeed to answer when the video is ready (``enable_sync_mode``); if it
                answers still-processing, the returned job is polled as usual.
            timeout: seconds for uploads and the submit itself.

        Raises:
            InvalidParametersError, UnknownModelError: nothing was uploaded or sent.
            SubmissionUncertainError: the job may exist; see ``find_submission``.
            APIError, APIConnectionError, ConfigurationError.
        """
        values = merged_input(input, params)
        return submit(self._runtime, self._runtime.resolve(model), values,
                      self._deadline(submit_seconds(timeout, sync)), webhook_url,
                      validate=validate, sync=sync)

    # --- files ---------------------------------------------------------------------------------

    def upload(
        self,
        source: _upload.MediaSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        timeout: float | None = None,
    ) -> str:
        """Upload local media and return the URL to pass as a model input.

        Args:
            source: a ``pathlib.Path`` (any path-like object), ``bytes``, ``bytearray``,
                ``memoryview``, or a binary file object. A seekable file is sent from its
                current position to its end, and its position is restored afterwards; a stream
                that cannot seek (a pipe, a socket) is read to its end first.
            filename: the name the server records; default: the path's name, else the file
                object's ``name``, else ``upload`` with an extension recognised from the content.
            content_type: default: guessed from the file name, else recognised from the
                content, else ``application/octet-stream``.
            timeout: for the whole upload, retries included; default UPLOAD_TIMEOUT.

        Returns:
            The uploaded file's ``download_url``.

        Raises:
            TypeError: ``source`` is a ``str`` (a URL, never a file name), a text-mode file, or
                not media at all.
            ValueError: the path does not exist, is not a regular file, or the source is empty;
                the file ended before the size it announced.
            OSError: reading the local file failed.
            APIError: by status, for the ticket, the PUT or the multipart upload; also for an
                answer that does not follow the protocol.
            APIConnectionError: the network failed after the allowed retries, or the deadline
                passed.
            ConfigurationError: no API key.
        """
        return _upload.upload(self._transport, source, filename=filename,
                              content_type=content_type,
                              deadline=self._deadline(timeout, UPLOAD_TIMEOUT))

    def download(
        self, job_or_url: Job | str, path: str | os.PathLike[str], *, timeout: float | None = None
    ) -> Path:
        """Save a completed job's video (or an http(s) output URL) to ``path``, atomically.

        The body streams into ``<path>.part`` in the target's folder (never whole in memory),
        which replaces the target only once every expected byte is written, flushed and fsynced.
        A broken transfer resumes with a Range request. Folders are not created; a ``.part`` left
        by a killed process is overwritten. No credentials are sent to the file's host.

        Args:
            job_or_url: a completed Job (its first output), or an http(s) URL.
            path: the file to write; an existing file is replaced on success only.
            timeout: for the whole download, redirects, resumes and waits included; default
                DOWNLOAD_TIMEOUT.

        Returns:
            The resolved path of the written file.

        Raises:
            DownloadError: a job without output, a non-http(s) URL or an unusable path (before
                any request); an HTTP error; a redirect not followed; a body that cannot be
                decoded; too many failed transfers; the deadline; a length mismatch; more than
                ``max_download_file_bytes``; a write error. The ``.part`` file is removed and an
                existing file is left as it was.
        """
        url = _generation.output_url(job_or_url) if isinstance(job_or_url, Job) else job_or_url
        limit = self._runtime.download_limits.file_bytes
        return _download.download_to_path(self._transport, url, path, max_bytes=limit,
                                         deadline=self._deadline(timeout, DOWNLOAD_TIMEOUT))

    # --- generation ----------------------------------------------------------------------------

    def generate(
        self,
        model: str,
        input: Mapping[str, Any] | None = None,
        *,
        output_path: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        progress_callback: ProgressCallback | None = None,
        webhook_url: str | None = None,
        **params: Any,
    ) -> VideoResult:
        """Submit, wait and download: the finished video, before it returns.

        Args:
            model: a catalog name, alias or WaveSpeed path.
            input: model parameters; keyword arguments add more.
            output_path: stream the video there (its folder is checked before submitting);
                else the bytes are kept in memory (``result.read()``).
            timeout: deadline of the job (submit, queue, processing); default JOB_TIMEOUT. The
                download has its own (DOWNLOAD_TIMEOUT).
            progress_callback: ``callback(fraction, message)``, ending at exactly 1.0.

        Raises:
            InvalidParametersError, UnknownModelError, DownloadError (an unwritable folder),
                TypeError (a callback of another arity): before anything is submitted.
            JobFailedError, JobTimeoutError (with the job id), SubmissionUncertainError,
            DownloadError, APIError, APIConnectionError, ConfigurationError.
            On a thread running an asyncio event loop, a WavevidWarning (once): use AsyncClient.
        """
        check_callback(progress_callback, 2, "progress_callback(fraction, message)")
        warn_if_loop_running("Client.generate()")
        values = merged_input(input, params)
        return _generation.generate(self._runtime, self._runtime.resolve(model), values,
                                    output_path=output_path, timeout=timeout,
                                    progress_callback=progress_callback, webhook_url=webhook_url)

    def generate_many(
        self,
        requests: Sequence[Mapping[str, Any]],
        max_workers: int = BATCH_WORKERS,
        *,
        progress_callback: BatchProgress | None = None,
    ) -> list[BatchItem]:
        """Generate several videos, ``max_workers`` at a time; one failure does not stop the rest.

        Args:
            requests: mappings with ``model`` and ``input``, and optionally ``output_path``,
                ``timeout``, ``webhook_url``.
            max_workers: jobs in flight at once (2: the entry account tier's concurrency and
                video starts per minute).
            progress_callback: ``callback(index, fraction, message)`` per request.

        Returns:
            A BatchItem per request, in order: ``result`` or ``error``, and the ``job_id``.

        Raises:
            KeyboardInterrupt: after stopping the workers, with ``job_ids`` (every job
                submitted so far) set on it.
        """
        return run_batch(self._runtime, requests, max_workers, progress_callback)
