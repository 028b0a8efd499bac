"""``AsyncClient``'s pipeline: the sync pipeline's own steps, driven from an event loop.

Every decision is the sync core's: the payload and its uploads (``_submission``), the
POST and its classification (``_submission.post``), the search after an uncertain submit
(``_recovery.recovery_steps``), the check schedule and progress (``_waiting.Waiting``), the
download (``_download``) and the result (``_generation``). Here only the driving differs:
blocking steps run on the client's pool (``_offload``) and waits are ``asyncio.sleep``.

Cancellation: the POST runs to its answer (bounded by the submit's deadline), then
``CancelledError`` goes on carrying ``job_id``, or ``fingerprint`` and ``model`` when the
answer was lost; cancelled anywhere later, it carries ``job_id``. Everything else is cut short
where it stands (``_offload``); the job runs on at WaveSpeed, and ``get_job`` resumes it.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ._async_progress import AsyncProgressCallback, LoopProgress
from ._constants import DOWNLOAD_TIMEOUT, JOB_PROGRESS_SHARE, JOB_TIMEOUT
from ._deadline import Deadline
from ._download import check_writable, download_output
from ._generation import name_completed_job, output_url, video_result
from ._offload import Offload
from ._progress import Progress
from ._recovery import recovery_steps
from ._runtime import Endpoint, Runtime
from ._submission import build, post, upload_media
from ._waiting import CHECK_NOW, Waiting
from .errors import DownloadError, SubmissionUncertainError
from .jobs import Job
from .results import VideoResult


async def submit(
    offload: Offload,
    runtime: Runtime,
    endpoint: Endpoint,
    values: Mapping[str, Any],
    deadline: Deadline,
    webhook_url: str | None = None,
    *,
    validate: bool = True,
    sync: bool = False,
) -> Job:
    """``AsyncClient.submit`` for a resolved endpoint: the payload built on the loop (its
    warnings point at the caller's line), the uploads (cut short by a cancel: nothing is
    sent), then the POST, shielded."""
    payload, uploads = build(endpoint, values, validate)
    if uploads:
        payload = await offload.run(
            functools.partial(upload_media, runtime, payload, uploads, deadline), [deadline]
        )
    return await _post_shielded(
        offload, functools.partial(post, runtime, endpoint, payload, deadline, webhook_url,
                                   sync=sync),
    )


async def _post_shielded(offload: Offload, call: Callable[[], Job]) -> Job:
    """``call`` (the POST) on the pool, run to its answer even when cancelled: a job that
    exists is never lost (see the module docstring); one still queued is dropped."""
    work = offload.start(call)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            job = await asyncio.shield(work.future)
        except asyncio.CancelledError as cancel:
            if work.concurrent.cancel():  # queued, never sent: nothing to wait for
                raise
            cancelled = cancelled or cancel
            continue  # a cancel waits for the answer; its deadline bounds the wait
        except SubmissionUncertainError as uncertain:
            if cancelled is None:
                raise
            _carry_uncertain(cancelled, uncertain)
            raise cancelled from uncertain
        except BaseException:
            if cancelled is None:
                raise
            raise cancelled from None  # refused: nothing was created
        if cancelled is not None:
            carry_job(cancelled, job.id)
            raise cancelled
        return job


async def recover(
    offload: Offload, runtime: Runtime, error: SubmissionUncertainError, deadline: Deadline
) -> Job:
    """``_recovery.recover`` driven from the loop: the looks on the pool, the waits asleep."""
    steps = recovery_steps(runtime, error, deadline)

    def advance() -> tuple[float, Job | None]:
        try:
            return next(steps), None
        except StopIteration as found:
            return 0.0, found.value

    try:
        while True:
            wait, job = await offload.run(advance, [deadline])
            if job is not None:
                return job
            await asyncio.sleep(wait)
    except asyncio.CancelledError as cancel:
        _carry_uncertain(cancel, error)
        raise


async def wait(offload: Offload, job: Job, deadline: Deadline, progress: Progress) -> None:
    """``Job.wait_until`` driven from the loop: checks on the pool, sleeps as ``asyncio.sleep``,
    progress on the loop. Raises as ``Job.wait``; a cancel carries the job id."""
    waiting = Waiting(job, deadline, progress)
    try:
        while (step := waiting.next_step()) is not None:
            if step == CHECK_NOW:
                await offload.run(waiting.check, [deadline])
            else:
                await asyncio.sleep(step)
            waiting.report()
    except asyncio.CancelledError as cancel:
        carry_job(cancel, job.id)
        raise


async def download(
    offload: Offload,
    runtime: Runtime,
    url: str,
    target: Path | None,
    progress: Progress,
) -> tuple[bytes | None, Path | None]:
    """``_download.download_output`` on the pool; its byte counts reach ``progress`` on the
    loop. A cancel cuts the transfer and removes its ``.part`` file."""
    loop = asyncio.get_running_loop()
    deadline = Deadline(DOWNLOAD_TIMEOUT, runtime.clock)

    def on_bytes(received: int, total: int | None) -> None:  # on the pool's thread
        loop.call_soon_threadsafe(progress.downloading, received, total)

    return await offload.run(
        functools.partial(download_output, runtime.transport, url, target, deadline=deadline,
                          on_progress=on_bytes, limits=runtime.download_limits),
        [deadline],
    )


async def generate(
    offload: Offload,
    runtime: Runtime,
    endpoint: Endpoint,
    values: Mapping[str, Any],
    *,
    output_path: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    progress_callback: AsyncProgressCallback | None = None,
    webhook_url: str | None = None,
    on_submitted: Callable[[Job], None] | None = None,
) -> VideoResult:
    """``_generation.generate`` driven from the loop. Raises as ``Client.generate``, and
    CancelledError as the module docstring says."""
    started = runtime.clock()
    target = None
    if output_path is not None:
        target = await offload.run(functools.partial(check_writable, output_path))
    deadline = Deadline(JOB_TIMEOUT if timeout is None else timeout, runtime.clock)
    progress = LoopProgress(progress_callback, JOB_PROGRESS_SHARE)
    try:
        try:
            job = await submit(offload, runtime, endpoint, values, deadline, webhook_url)
        except SubmissionUncertainError as uncertain:
            job = await recover(offload, runtime, uncertain, deadline)
        if on_submitted:
            on_submitted(job)
        downloaded, url = await _after_submit(offload, runtime, job, deadline, target, progress)
    finally:
        progress.close()
    return video_result(runtime, endpoint, job, url, downloaded, started)


async def _after_submit(
    offload: Offload,
    runtime: Runtime,
    job: Job,
    deadline: Deadline,
    target: Path | None,
    progress: LoopProgress,
) -> tuple[tuple[bytes | None, Path | None], str]:
    """Wait, download, and the progress callback's last calls; a cancel carries the job id."""
    try:
        progress.queued()
        await wait(offload, job, deadline, progress)
        url = output_url(job)
        try:
            downloaded = await download(offload, runtime, url, target, progress)
        except DownloadError as error:
            name_completed_job(error, job.id)
            raise
        progress.finished()
        await progress.settle()
    except asyncio.CancelledError as cancel:
        carry_job(cancel, job.id)
        raise
    return downloaded, url


def carry_job(cancel: BaseException, job_id: str) -> None:
    """A cancel after the job exists: it runs on at WaveSpeed; ``job_id`` finds it."""
    if getattr(cancel, "job_id", None) is not None:
        return
    cancel.job_id = job_id  # type: ignore[attr-defined]
    _note(cancel, f"wavevid: job {job_id} still runs on WaveSpeed;"
                  f" get_job({job_id!r}) resumes it")


def _carry_uncertain(cancel: BaseException, uncertain: SubmissionUncertainError) -> None:
    cancel.fingerprint = uncertain.fingerprint  # type: ignore[attr-defined]
    cancel.model = uncertain.model  # type: ignore[attr-defined]
    cancel.uncertain = uncertain  # type: ignore[attr-defined]
    _note(cancel, f"wavevid: cancelled after a submit to {uncertain.model} whose answer was"
                  f" lost: the job may exist and be billed (fingerprint {uncertain.fingerprint};"
                  " find_submission(cancel.uncertain) looks for it)")


def _note(error: BaseException, note: str) -> None:
    if hasattr(error, "add_note"):
        error.add_note(note)
