"""``Client``: configuration, and each operation delegated to the module that does the work
(``_submission``, ``_generation``, ``batch``, ``_history``, ``_account``, ``media``,
``download``), with the model name resolved once."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import _account, _generation, _history, _prices, _recovery, download, media
from ._constants import (
    BATCH_WORKERS,
    CALL_DEADLINE,
    DOWNLOAD_TIMEOUT,
    RECOVERY_DELAYS,
    SYNC_READ_TIMEOUT,
    UPLOAD_TIMEOUT,
)
from ._deadline import Clock, Deadline
from ._prices import Charge, Quote
from ._progress import ProgressCallback
from ._run_times import RunTimeEstimate
from ._runtime import Runtime
from ._submission import submit
from ._transport import SessionFactory
from .batch import BatchProgress, run_batch
from .catalog import Catalog
from .errors import SubmissionUncertainError
from .jobs import Job
from .payload import merged_input
from .results import BatchItem, VideoResult


class Client:
    """A WaveSpeed client. One instance is safe to share across threads; ``close()`` (or a
    ``with`` block) releases its pooled connections.

    Args:
        api_key: the WaveSpeed key; default: ``WAVESPEED_API_KEY``. A missing key is a
            ConfigurationError at the first request, not here.
        base_url: default: ``WAVESPEED_BASE_URL`` or https://api.wavespeed.ai. Plain http is
            refused unless the host is loopback.
        catalog_paths: extra catalog folders, read after ``WAVEVID_CATALOG_PATH``'s.
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

    Raises:
        ConfigurationError: a bad base URL, or a download limit that is not a positive whole
            number.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        catalog_paths: Sequence[str | os.PathLike[str]] | None = None,
        request_timeout: float | None = None,
        poll_interval: float | None = None,
        max_retries: int | None = None,
        session_factory: SessionFactory | None = None,
        *,
        submit_retries: int | None = None,
        recovery_delays: Sequence[float] = RECOVERY_DELAYS,
        max_download_memory_bytes: int | None = None,
        max_download_file_bytes: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        limits = download.DownloadLimits.configured(max_download_memory_bytes,
                                                    max_download_file_bytes)
        self._clock = clock
        self._runtime = Runtime.configured(
            api_key=api_key, base_url=base_url, catalog_paths=catalog_paths or (),
            request_timeout=request_timeout, poll_interval=poll_interval,
            max_retries=max_retries, submit_retries=submit_retries,
            recovery_delays=recovery_delays, session_factory=session_factory,
            clock=clock, sleep=sleep,
        )
        self._runtime.download_limits = limits
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
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def catalog(self) -> Catalog:
        """The catalog: built-in, ``WAVEVID_CATALOG_PATH`` folders, then ``catalog_paths``;
        read on first use."""
        return self._runtime.catalog

    def _deadline(self, seconds: float | None, default: float = CALL_DEADLINE) -> Deadline:
        """``seconds`` from now; None takes the default (0 is a deadline already passed)."""
        return Deadline(default if seconds is None else seconds, self._clock)

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
        if timeout is None:
            timeout = CALL_DEADLINE + (SYNC_READ_TIMEOUT if sync else 0.0)
        values = merged_input(input, params)
        return submit(self._runtime, self._runtime.resolve(model), values,
                      Deadline(timeout, self._clock), webhook_url, validate=validate, sync=sync)

    def get_job(self, job_id: str, *, timeout: float | None = None) -> Job:
        """The job's current state, from its id alone (one GET; within the minimum gap since
        this client last checked the job, the state it saw then): from any process or machine.

        Raises:
            InvalidParametersError (a ValueError): not a job id, before any request.
            NotFoundError: no such job (WaveSpeed keeps 7 days).
        """
        return self._runtime.get_job(job_id, self._deadline(timeout))

    def run_time_estimates(self) -> list[RunTimeEstimate]:
        """What this client learned of run times from its completed jobs, per model path and
        timing parameters: the estimates its waits plan with (a snapshot)."""
        return self._runtime.poller.run_times.snapshot()

    def list_jobs(
        self,
        *,
        model: str | None = None,
        status: str | None = None,
        created_after: dt.datetime | None = None,
        created_before: dt.datetime | None = None,
        page_size: int = 100,
        timeout: float | None = None,
    ) -> Iterator[Job]:
        """Recent jobs, newest first, fetched a page at a time as you iterate (WaveSpeed keeps
        7 days of history). ``model`` is a catalog name or a WaveSpeed path."""
        return _history.list_jobs(
            self._runtime, lambda: self._deadline(timeout), model=model, status=status,
            created_after=created_after, created_before=created_before, page_size=page_size,
        )

    def find_submission(
        self,
        error: SubmissionUncertainError,
        *,
        timeout: float | None = None,
        allow_unverified_single: bool = False,
    ) -> Job | None:
        """Look once in recent history for the job an uncertain submit may have created (what
        ``generate()`` does by itself): the job only on positive identification, its input
        equal to the body sent; else None, with ``error.candidates`` set. None means no job
        was identified, not that none exists.

        Args:
            allow_unverified_single: adopt the only candidate even when its input cannot be
                compared. Only for callers who guarantee one submitter per account and model:
                history covers the whole account, the web playground included.
        """
        return _recovery.look(self._runtime, error, self._deadline(timeout),
                              allow_unverified_single=allow_unverified_single)

    # --- files ---------------------------------------------------------------------------------

    def upload(self, source: media.MediaSource, *, timeout: float | None = None) -> str:
        """Upload a local file (``pathlib.Path``, bytes, or a binary file object); returns the
        URL to pass as a media parameter. A ``str`` is refused: it is a URL already."""
        return media.upload(self._transport, source,
                            deadline=self._deadline(timeout, UPLOAD_TIMEOUT))

    def download(
        self, job_or_url: Job | str, path: str | os.PathLike[str], *, timeout: float | None = None
    ) -> Path:
        """Save a completed job's video (or an http(s) output URL) to ``path``: complete or
        not at all, within ``max_download_file_bytes``.

        Raises:
            DownloadError: nothing partial is left, an existing file is untouched.
        """
        url = _generation.output_url(job_or_url) if isinstance(job_or_url, Job) else job_or_url
        limit = self._runtime.download_limits.file_bytes
        return download.download_to_path(self._transport, url, path, max_bytes=limit,
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
            InvalidParametersError, UnknownModelError, DownloadError (an unwritable folder):
                before anything is submitted.
            JobFailedError, JobTimeoutError (with the job id), SubmissionUncertainError,
            DownloadError, APIError, APIConnectionError, ConfigurationError.
        """
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

    # --- account -------------------------------------------------------------------------------

    def webhook_secret(self, *, timeout: float | None = None) -> str:
        """The account's webhook signing secret (``whsec_...``), for ``webhooks.verify``.
        Redacted from wavevid's logs from now on."""
        return _account.webhook_secret(self._transport, self._deadline(timeout))

    def live_models(self, *, timeout: float | None = None) -> list[dict[str, Any]]:
        """WaveSpeed's live model list (``GET /api/v3/models``) as it answers it: each entry's
        ``model_id``, ``type``, ``base_price``, ``formula`` and ``api_schema``. See
        ``wavevid.catalog_sync`` to import or diff it."""
        return _account.live_models(self._transport, self._deadline(timeout))

    def balance(self, *, timeout: float | None = None) -> Decimal:
        """The account balance in USD.

        Raises:
            APIError, APIConnectionError, ConfigurationError.
        """
        return _account.balance(self._transport, self._deadline(timeout))

    def quote(self, model: str, input: Mapping[str, Any] | None = None, *,
              timeout: float | None = None, **params: Any) -> Quote:
        """WaveSpeed's price for this input (``POST /api/v3/model/price``; UNVERIFIED shape, see
        ``wavevid._prices``) beside the catalog's estimate; the input is checked and completed as
        a submit's. Nothing is uploaded: a local file is an InvalidParametersError."""
        return _prices.quote(self._runtime, model, input, params, self._deadline(timeout))

    def charge(self, job_id: str, *, timeout: float | None = None) -> Charge | None:
        """What WaveSpeed billed for a job (``POST /api/v3/billings/search``; UNVERIFIED shape),
        refunds deducted; None while no billing record names it."""
        return _prices.charge(self._runtime, job_id, self._deadline(timeout))
