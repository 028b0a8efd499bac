"""``AsyncClient``: ``Client`` for code that runs on an event loop, on the same core.

The catalog, payloads, uploads, classification and retries, the check schedule, ``Job``, the
search after an uncertain submit and downloads are the sync client's own code (``Runtime`` and
the modules it stands on); ``_async_flow`` only drives them: HTTP requests and file I/O on the
client's bounded pool (``_offload``), waits between checks as ``asyncio.sleep``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from . import _account, _async_batch, _async_flow, _download, _history, _upload
from ._async_progress import AsyncProgressCallback, LoopProgress
from ._constants import (
    ASYNC_MAX_THREADS,
    BATCH_WORKERS,
    CALL_DEADLINE,
    DOWNLOAD_TIMEOUT,
    JOB_TIMEOUT,
    RECOVERY_DELAYS,
    SYNC_READ_TIMEOUT,
    UPLOAD_TIMEOUT,
)
from ._deadline import Deadline
from ._generation import output_url
from ._offload import Offload, sleep
from ._payload import merged_input
from ._progress import check_callback
from ._runtime import CatalogPaths, Endpoint, Runtime
from ._transport import SessionFactory
from .catalog import Catalog
from .jobs import Job
from .results import BatchItem, VideoResult

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient:
    """A WaveSpeed client for asyncio code: every call is a coroutine (or an async iterator)
    that never blocks the event loop. One instance may serve many tasks at once; ``aclose()``
    (or ``async with``) releases its connections and threads, and it stays usable after.

    Args:
        api_key, base_url, catalog_paths, request_timeout, poll_interval, max_retries,
        submit_retries, recovery_delays, session_factory, max_download_memory_bytes,
        max_download_file_bytes: as for ``Client``.
        max_threads: threads of the client's own pool, where its HTTP requests and file I/O
            run (never the loop's default executor); default ``ASYNC_MAX_THREADS``. Jobs
            waiting between checks hold none.

    Raises:
        ConfigurationError: as ``Client``. ValueError: ``max_threads`` is not a positive
            whole number.
    """

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
        max_threads: int = ASYNC_MAX_THREADS,
    ) -> None:
        self._offload = Offload(max_threads)
        self._runtime = Runtime.configured(
            api_key=api_key, base_url=base_url, catalog_paths=catalog_paths or (),
            request_timeout=request_timeout, poll_interval=poll_interval,
            max_retries=max_retries, submit_retries=submit_retries,
            recovery_delays=recovery_delays, session_factory=session_factory,
            max_download_memory_bytes=max_download_memory_bytes,
            max_download_file_bytes=max_download_file_bytes,
            clock=time.monotonic, sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"<wavevid.AsyncClient {self.base_url}>"

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close pooled connections and let the pool's threads end (without waiting for
        them). The client stays usable; later calls reconnect."""
        self.close()

    def close(self) -> None:
        """``aclose()`` for code that cannot await (a Django signal handler, ``atexit``): it
        blocks on nothing."""
        self._offload.close()
        self._runtime.transport.close()

    @property
    def base_url(self) -> str:
        return self._runtime.transport.base_url

    @property
    def catalog(self) -> Catalog:
        """As ``Client.catalog``; reading it the first time reads the YAML files (blocking,
        once: the coroutines read it on the pool)."""
        return self._runtime.catalog

    def _deadline(self, seconds: float | None, default: float = CALL_DEADLINE) -> Deadline:
        return Deadline(default if seconds is None else seconds, self._runtime.clock)

    async def _run(self, call: Callable[[], T], deadline: Deadline | None = None) -> T:
        return await self._offload.run(call, [] if deadline is None else [deadline])

    async def _resolve(self, model: str) -> Endpoint:
        """``Runtime.resolve``, the catalog read on the pool the first time (its warnings
        point at the caller's line: resolving runs on the loop)."""
        if not self._runtime.catalog_loaded:
            await self._run(lambda: self._runtime.catalog)
        return self._runtime.resolve(model)

    # --- jobs ----------------------------------------------------------------------------------

    async def submit(
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
        """As ``Client.submit``. Cancelled during the POST, it waits for the answer (within
        ``timeout``) and raises CancelledError with ``job_id`` (or ``fingerprint`` and
        ``model`` when the answer was lost); before it, nothing is sent."""
        if timeout is None:
            timeout = CALL_DEADLINE + (SYNC_READ_TIMEOUT if sync else 0.0)
        values = merged_input(input, params)
        endpoint = await self._resolve(model)
        return await _async_flow.submit(
            self._offload, self._runtime, endpoint, values, self._deadline(timeout),
            webhook_url, validate=validate, sync=sync,
        )

    async def get_job(self, job_id: str, *, timeout: float | None = None) -> Job:
        """As ``Client.get_job``."""
        deadline = self._deadline(timeout)
        return await self._run(functools.partial(self._runtime.get_job, job_id, deadline),
                               deadline)

    async def wait(
        self,
        job: Job,
        *,
        timeout: float | None = None,
        progress_callback: AsyncProgressCallback | None = None,
    ) -> Job:
        """``job.wait()`` without blocking: until the job ends, checks on its schedule,
        ``asyncio.sleep`` between them; returns the job once completed.

        Raises:
            As ``Job.wait``; CancelledError (with ``job_id``): the job runs on.
        """
        check_callback(progress_callback, 2, "progress_callback(fraction, message)")
        deadline = self._deadline(timeout, JOB_TIMEOUT)
        progress = LoopProgress(progress_callback)
        try:
            await _async_flow.wait(self._offload, job, deadline, progress)
            await progress.settle()
        finally:
            progress.close()
        return job

    # --- files ---------------------------------------------------------------------------------

    async def upload(
        self,
        source: _upload.MediaSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        timeout: float | None = None,
    ) -> str:
        """As ``Client.upload``: the URL to pass as a model input."""
        deadline = self._deadline(timeout, UPLOAD_TIMEOUT)
        return await self._run(functools.partial(
            _upload.upload, self._runtime.transport, source, filename=filename,
            content_type=content_type, deadline=deadline), deadline)

    async def download(
        self, job_or_url: Job | str, path: str | os.PathLike[str], *, timeout: float | None = None
    ) -> Path:
        """As ``Client.download``; cancelled, the transfer is cut and no file is left."""
        url = output_url(job_or_url) if isinstance(job_or_url, Job) else job_or_url
        deadline = self._deadline(timeout, DOWNLOAD_TIMEOUT)
        return await self._run(functools.partial(
            _download.download_to_path, self._runtime.transport, url, path,
            max_bytes=self._runtime.download_limits.file_bytes, deadline=deadline), deadline)

    # --- generation ----------------------------------------------------------------------------

    async def generate(
        self,
        model: str,
        input: Mapping[str, Any] | None = None,
        *,
        output_path: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        progress_callback: AsyncProgressCallback | None = None,
        webhook_url: str | None = None,
        **params: Any,
    ) -> VideoResult:
        """As ``Client.generate``, without blocking the loop; the progress callback (a plain
        or a coroutine function) runs on the loop.

        Raises:
            As ``Client.generate``: JobTimeoutError carries the job id (prefer ``timeout`` to
            ``asyncio.wait_for``, whose TimeoutError carries nothing). CancelledError: see
            ``submit``; once the job exists, with ``job_id`` (the job runs on at WaveSpeed).
        """
        check_callback(progress_callback, 2, "progress_callback(fraction, message)")
        values = merged_input(input, params)
        endpoint = await self._resolve(model)
        return await _async_flow.generate(
            self._offload, self._runtime, endpoint, values, output_path=output_path,
            timeout=timeout, progress_callback=progress_callback, webhook_url=webhook_url,
        )

    def generate_many(
        self,
        requests: Sequence[Mapping[str, Any]],
        max_workers: int = BATCH_WORKERS,
        *,
        progress_callback: _async_batch.AsyncBatchProgress | None = None,
    ) -> AsyncIterator[BatchItem]:
        """``async for item in aclient.generate_many(requests)``: each request generated,
        ``max_workers`` at a time, one BatchItem per request as it finishes (``item.index``:
        its position in ``requests``); one failure does not stop the rest.

        Requests as for ``Client.generate_many``; ``progress_callback(index, fraction,
        message)``, plain or coroutine function, runs on the loop. Leaving the loop early
        (``break``, then ``aclose()``; or ``contextlib.aclosing``) or cancelling cancels the
        generations under way as ``generate`` is cancelled, and waits for them; a
        CancelledError carries ``job_ids``, every job submitted.
        """
        check_callback(progress_callback, 3, "progress_callback(index, fraction, message)")
        return _async_batch.generate_many(self._offload, self._runtime, self._resolve,
                                          requests, max_workers, progress_callback)

    # --- history and account -------------------------------------------------------------------

    def list_jobs(
        self,
        *,
        model: str | None = None,
        status: str | None = None,
        created_after: dt.datetime | None = None,
        created_before: dt.datetime | None = None,
        page_size: int = 100,
        timeout: float | None = None,
    ) -> AsyncIterator[Job]:
        """As ``Client.list_jobs``: ``async for job in aclient.list_jobs(...)``."""
        pages = functools.partial(
            _history.list_jobs, self._runtime, model=model, status=status,
            created_after=created_after, created_before=created_before, page_size=page_size,
        )
        return _async_batch.list_jobs(self._offload, pages, lambda: self._deadline(timeout))

    async def balance(self, *, timeout: float | None = None) -> Decimal:
        """As ``Client.balance``: the account balance in USD."""
        deadline = self._deadline(timeout)
        return await self._run(
            functools.partial(_account.balance, self._runtime.transport, deadline), deadline
        )
