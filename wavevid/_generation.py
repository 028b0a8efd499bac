"""The generate pipeline, as one plan (``_steps``) that both clients run: submit (an uncertain
submit recovered only on positive identification), wait, download, result; with progress, and
the job id carried by whatever interrupts it after the submit. ``Client`` runs it on the calling
thread (:func:`generate`; a batch's stop event ends its waits), ``AsyncClient`` from its loop."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ._constants import DOWNLOAD_TIMEOUT, JOB_PROGRESS_SHARE, JOB_TIMEOUT
from ._deadline import Deadline
from ._download import check_writable, download_output
from ._endpoints import Endpoint
from ._progress import Progress, ProgressCallback
from ._recovery import recovery_steps
from ._runtime import Runtime
from ._steps import Call, Plan, Relay, run
from ._submission import submit_steps
from ._waiting import wait_steps
from .errors import DownloadError, SubmissionUncertainError
from .jobs import Job
from .results import VideoResult


def generate(
    runtime: Runtime,
    endpoint: Endpoint,
    values: Mapping[str, Any],
    *,
    progress_callback: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    **options: Any,
) -> VideoResult:
    """``Client.generate`` for a resolved endpoint: :func:`generate_steps` run on this thread;
    ``stop`` ends a wait or download early (raising Stopped).

    Raises: as ``Client.generate``.
    """
    progress = Progress(progress_callback, JOB_PROGRESS_SHARE)
    return run(generate_steps(runtime, endpoint, values, progress, **options), runtime.sleep, stop)


def generate_steps(
    runtime: Runtime,
    endpoint: Endpoint,
    values: Mapping[str, Any],
    progress: Progress,
    *,
    output_path: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    webhook_url: str | None = None,
    on_submitted: Callable[[Job], None] | None = None,
) -> Plan[VideoResult]:
    """The plan of one generate, reporting to ``progress`` (its job's share JOB_PROGRESS_SHARE);
    ``on_submitted`` hears of the job as soon as it exists.

    Raises: as ``Client.generate``.
    """
    started = runtime.clock()
    target = None
    if output_path is not None:
        target = yield Call(functools.partial(check_writable, output_path))
    deadline = Deadline(JOB_TIMEOUT if timeout is None else timeout, runtime.clock)
    try:
        job = yield from submit_steps(runtime, endpoint, values, deadline, webhook_url)
    except SubmissionUncertainError as uncertain:
        job = yield from recovery_steps(runtime, uncertain, deadline)
    if on_submitted:
        on_submitted(job)
    progress.queued()
    yield from wait_steps(job, deadline, progress)
    try:
        url = output_url(job)
        downloaded = yield from _download_steps(runtime, url, target, progress)
    except DownloadError as error:
        name_completed_job(error, job.id)
        raise
    progress.finished()
    return video_result(runtime, endpoint, job, url, downloaded, started)


def _download_steps(
    runtime: Runtime, url: str, target: Path | None, progress: Progress
) -> Plan[tuple[bytes | None, Path | None]]:
    """The download, under its own deadline (DOWNLOAD_TIMEOUT); its byte counts reach
    ``progress`` where the plan runs."""
    on_bytes = yield Relay(progress.downloading)
    deadline = Deadline(DOWNLOAD_TIMEOUT, runtime.clock)
    downloaded: tuple[bytes | None, Path | None] = yield Call(functools.partial(
        download_output, runtime.transport, url, target, deadline=deadline,
        on_progress=on_bytes, limits=runtime.download_limits,
    ), deadline)
    return downloaded


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
