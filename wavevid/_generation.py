"""The generate pipeline: submit (an uncertain submit recovered only on positive
identification), wait, download, result; with progress, a stop flag for batches, and the job id
attached to whatever interrupts it after the submit."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import _download
from ._constants import DOWNLOAD_TIMEOUT, JOB_PROGRESS_SHARE, JOB_TIMEOUT
from ._deadline import Deadline
from ._progress import Progress, ProgressCallback
from ._recovery import recover
from ._runtime import Endpoint, Runtime
from ._submission import submit
from .errors import DownloadError, SubmissionUncertainError
from .jobs import Job, Stopped, attach_job
from .results import VideoResult


def generate(
    runtime: Runtime,
    endpoint: Endpoint,
    values: Mapping[str, Any],
    *,
    output_path: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    progress_callback: ProgressCallback | None = None,
    webhook_url: str | None = None,
    stop: threading.Event | None = None,
    on_submitted: Callable[[Job], None] | None = None,
) -> VideoResult:
    """``Client.generate`` for a resolved endpoint; ``stop`` ends a wait or download early
    (raising Stopped), ``on_submitted`` hears of the job as soon as it exists.

    Raises: as ``Client.generate``.
    """
    started = runtime.clock()
    target = _download.check_writable(output_path) if output_path is not None else None
    deadline = Deadline(JOB_TIMEOUT if timeout is None else timeout, runtime.clock)
    progress = Progress(progress_callback, JOB_PROGRESS_SHARE)
    try:
        job = submit(runtime, endpoint, values, deadline, webhook_url)
    except SubmissionUncertainError as uncertain:
        job = recover(runtime, uncertain, deadline, stop)
    if on_submitted:
        on_submitted(job)
    try:
        progress.queued()
        job.wait_until(deadline, progress, stop)
        url = output_url(job)

        def on_bytes(received: int, total: int | None) -> None:
            if stop is not None and stop.is_set():
                raise Stopped(job.id)
            progress.downloading(received, total)

        content, path = _download.download_output(
            runtime.transport, url, target,
            deadline=Deadline(DOWNLOAD_TIMEOUT, runtime.clock), on_progress=on_bytes,
            limits=runtime.download_limits,
        )
    except KeyboardInterrupt as interrupt:
        attach_job(interrupt, job.id)
        raise
    except DownloadError as error:
        name_completed_job(error, job.id)
        raise
    progress.finished()
    return video_result(runtime, endpoint, job, url, (content, path), started)


def name_completed_job(error: DownloadError, job_id: str) -> None:
    """A download of a completed job failed: the error names the job, to download again."""
    error.job_id = job_id
    if hasattr(error, "add_note"):
        error.add_note(f"job {job_id} completed; client.download(client.get_job("
                       f"{job_id!r}), path) downloads it again")


def video_result(
    runtime: Runtime,
    endpoint: Endpoint,
    job: Job,
    url: str,
    downloaded: tuple[bytes | None, Path | None],
    started: float,
) -> VideoResult:
    """The result of a generation whose video was ``downloaded`` (``(bytes, None)`` in memory,
    ``(None, path)`` on disk), ``started`` on the runtime's clock."""
    content, path = downloaded
    model = endpoint.model
    return VideoResult(
        job_id=job.id,
        model_name=endpoint.name,
        model_path=job.model or endpoint.path,
        url=url,
        outputs=job.outputs,
        parameters=dict(job.payload or {}),
        estimated_cost=model.estimate_cost(job.payload) if model else None,
        elapsed_seconds=runtime.clock() - started,
        has_nsfw_contents=job.has_nsfw_contents,
        path=path,
        _content=content,
    )


def output_url(job: Job) -> str:
    """A completed job's video URL. Raises DownloadError when there is none to download."""
    if not job.succeeded:
        raise DownloadError(f"job {job.id} is {job.status}, not completed: nothing to download")
    url = job.outputs[0] if job.outputs else None
    if not isinstance(url, str):
        raise DownloadError(f"job {job.id} completed without an output URL: {job.outputs!r}")
    return url
