"""``AsyncClient``: ``Client`` for code that runs on an event loop, on the same core.

The catalog, payloads, uploads, classification and retries, the check schedule, ``Job``, the
search after an uncertain submit and downloads are the sync client's own code: the same plans
(``_steps``: a generate, a submit, a wait, a batch item) that ``Client`` runs on its thread,
driven here from the loop (``_async_flow.drive``): HTTP requests and file I/O on the client's
bounded pool (``_offload``), every wait an ``asyncio.sleep``. Finding jobs and the account's
calls are the method groups of ``_async_calls``.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from . import _download, _upload
from ._async_batch import AsyncBatch, AsyncBatchProgress
from ._async_calls import AsyncAccountCalls, AsyncJobLookups
from ._async_flow import carry_job
from ._async_progress import AsyncProgressCallback, LoopProgress
from ._constants import (
    ASYNC_MAX_THREADS,
    BATCH_WORKERS,
    DOWNLOAD_TIMEOUT,
    JOB_PROGRESS_SHARE,
    JOB_TIMEOUT,
    RECOVERY_DELAYS,
    UPLOAD_TIMEOUT,
)
from ._generation import generate_steps, output_url
from ._offload import Offload, sleep
from ._payload import merged_input
from ._progress import check_callback
from ._runtime import CatalogPaths, Runtime
from ._steps import Plan
from ._submission import submit_seconds, submit_steps
from ._transport import SessionFactory
from ._waiting import wait_steps
from .catalog import Catalog
from .jobs import Job
from .results import VideoResult

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(AsyncJobLookups, AsyncAccountCalls):
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
        self._clock = time.monotonic
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
        them). Calls under way, other tasks' too, go on to their end. The client stays usable;
        later calls reconnect (on a new pool)."""
        self.close()

    def close(self) -> None:
        """``aclose()`` for code that cannot await (a Django signal handler, ``atexit``): it
        blocks on nothing."""
        self._offload.close()
        self._runtime.transport.close()

    @property
    def catalog(self) -> Catalog:
        """As ``Client.catalog``; reading it the first time reads the YAML files (blocking,
        once: the coroutines read it on the pool)."""
        return self._runtime.catalog

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
        """As ``Client.submit``; a 429's wait for a retry is ``asyncio.sleep``. Cancelled during
        the POST, it waits for the answer (within ``timeout``) and raises CancelledError with
        ``job_id`` (or ``fingerprint``, ``model`` and ``uncertain`` when the answer was lost);
        before it, or in a wait for a retry, nothing more is sent."""
        values = merged_input(input, params)
        endpoint = await self._resolve(model)
        return await self._drive(submit_steps(
            self._runtime, endpoint, values, self._deadline(submit_seconds(timeout, sync)),
            webhook_url, validate=validate, sync=sync,
        ))

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
        await self._with_progress(
            lambda progress: wait_steps(job, deadline, progress), progress_callback, 1.0, job.id
        )
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
        or a coroutine function) runs on the loop (a slow one only ever waits with the latest
        report, and at most ASYNC_CALLBACK_GRACE once the video is in).

        Raises:
            As ``Client.generate``: JobTimeoutError carries the job id (prefer ``timeout`` to
            ``asyncio.wait_for``, whose TimeoutError carries nothing). CancelledError: see
            ``submit``; once the job exists, with ``job_id`` (the job runs on at WaveSpeed,
            and a WARNING on logger ``wavevid.client`` names it).
        """
        check_callback(progress_callback, 2, "progress_callback(fraction, message)")
        values = merged_input(input, params)
        endpoint = await self._resolve(model)
        return await self._with_progress(
            lambda progress: generate_steps(
                self._runtime, endpoint, values, progress, output_path=output_path,
                timeout=timeout, webhook_url=webhook_url,
            ),
            progress_callback, JOB_PROGRESS_SHARE,
        )

    def generate_many(
        self,
        requests: Sequence[Mapping[str, Any]],
        max_workers: int = BATCH_WORKERS,
        *,
        progress_callback: AsyncBatchProgress | None = None,
    ) -> AsyncBatch:
        """Each request generated, ``max_workers`` at a time; one failure does not stop the
        rest. Use it as ``async with aclient.generate_many(requests) as batch:`` then
        ``async for item in batch:``: one BatchItem per request as it finishes
        (``item.index``: its position in ``requests``); leaving the block early (``break``,
        an error, a cancel) stops the generations under way as ``generate`` is cancelled and
        waits for them, and the exception leaving it carries ``job_ids`` (see AsyncBatch).

        Requests as for ``Client.generate_many``; ``progress_callback(index, fraction,
        message)``, plain or coroutine function, runs on the loop.

        Raises:
            TypeError: a callback of another arity; ValueError: ``max_workers`` is not a
                positive whole number (both at once, before anything is sent).
        """
        check_callback(progress_callback, 3, "progress_callback(index, fraction, message)")
        return AsyncBatch(self._offload, self._runtime, requests, max_workers, progress_callback)

    async def _with_progress(
        self,
        plan_for: Callable[[LoopProgress], Plan[T]],
        callback: AsyncProgressCallback | None,
        share: float,
        job_id: str | None = None,
    ) -> T:
        """``plan_for(progress)`` driven, then the callback's last calls awaited (bounded:
        ``_async_progress``); a cancel meanwhile carries the job id."""
        progress = LoopProgress(callback, share)
        try:
            result = await self._drive(plan_for(progress))
            try:
                await progress.settle()
            except asyncio.CancelledError as cancel:
                known = job_id or getattr(result, "job_id", None)
                if known is not None:
                    carry_job(cancel, known, warn=False)
                raise
            return result
        finally:
            progress.close()
