"""Celery mode: a worker submits each row, downloads each finished video, and sweeps.

Celery delivers a message at least once (``task_acks_late``): a task may run twice, two copies
at once, or again after its worker died halfway. So every task moves its row only through the
conditional UPDATEs of models.py, and the submit task commits that it starts, with what
identifying the job needs, *before* its POST. A row whose submit started is never sent again:
its webhook (the row's UUID is in the URL, the delivery's input must be the body sent) or the
sweep's ``find_submission`` settles it, or, after ``UNCERTAIN_SECONDS``, a person.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import signal
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from celery import Task
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from videosite.celery import app

import wavevid

from .models import Outcome, Status, VideoJob
from .wavevid_client import config

logger = logging.getLogger(__name__)

_client_lock = threading.Lock()
_client: wavevid.Client | None = None


def tasks_config(name: str) -> Any:
    """One value of ``settings.VIDEO_TASKS``."""
    return settings.VIDEO_TASKS[name]


def worker_client() -> wavevid.Client:
    """This worker process's client. ``submit_retries=0``: a 429 raises ``RateLimitError`` at
    once, and the task is retried later instead of holding its worker slot while it waits."""
    global _client
    with _client_lock:
        if _client is None:
            _client = wavevid.Client(
                api_key=config("API_KEY"),
                base_url=config("BASE_URL"),
                request_timeout=config("REQUEST_TIMEOUT"),
                submit_retries=0,
            )
        return _client


def enqueue(task: Task, pk: uuid.UUID | str) -> bool:
    """Send ``task`` for row ``pk``; False, logged, when the broker cannot take it (the sweep
    sends it again later)."""
    try:
        task.delay(str(pk))
    except Exception as error:  # kombu's OperationalError and the like: the broker is away
        logger.error("video %s: could not enqueue %s: %s", pk, task.name, error)
        return False
    return True


@app.task(bind=True, name="videos.tasks.submit")
def submit(self: Task, pk: str) -> str:
    """Submit row ``pk`` once, ever; what happened, as a word (for logs and tests)."""
    video = VideoJob.objects.filter(pk=pk).first()
    if video is None or video.status != Status.SUBMITTING or video.submit_started_at:
        _test_hook("skipped", pk)
        return "skipped"  # gone, settled, or started by an earlier delivery: never again
    client = worker_client()
    try:
        model = client.catalog.get(video.model_name)
        body = model.build_payload(video.input)
    except (wavevid.UnknownModelError, wavevid.InvalidParametersError) as error:
        return _reject(video.pk, error)  # the catalog changed since the view checked
    started = timezone.now()
    deadline = started + datetime.timedelta(seconds=config("CALL_TIMEOUT"))
    reference = wavevid.SubmissionUncertainError.before_sending(
        model.path, body, submitted_at=started, answered_by=deadline
    )
    _test_hook("before-start", video.pk)
    if not VideoJob.objects.start_submit(video.pk, reference):
        return "skipped"  # another delivery of this message won the row
    _test_hook("before-post", video.pk)
    try:
        job = client.submit(model.name, video.input, webhook_url=webhook_url(video.pk),
                            timeout=config("CALL_TIMEOUT"))
    except wavevid.RateLimitError as error:  # refused: nothing was created
        VideoJob.objects.undo_start(video.pk, started)
        raise self.retry(countdown=_rate_limit_wait(error), max_retries=None) from None
    except wavevid.SubmissionUncertainError as error:  # the job may exist: never resend
        logger.warning("video %s: the submit is uncertain: %s", video.pk, error)
        VideoJob.objects.filter(pk=video.pk, wavespeed_id="").update(
            uncertain=error.to_dict(), error=str(error), updated_at=timezone.now()
        )
        return "uncertain"
    except wavevid.APIConnectionError as error:  # nothing was sent: try again later
        VideoJob.objects.undo_start(video.pk, started)
        if self.request.retries >= tasks_config("MAX_RETRIES"):
            return _reject(video.pk, error)
        wait = tasks_config("RETRY_SECONDS") * 2**self.request.retries
        raise self.retry(countdown=wait, max_retries=None) from None
    except wavevid.WavevidError as error:  # refused (4xx) or misconfigured: nothing to pay
        return _reject(video.pk, error)
    return "submitted" if record(video.pk, Outcome.from_job(job)) else "submitted, known"


def webhook_url(pk: uuid.UUID) -> str:
    """Where WaveSpeed delivers row ``pk``'s outcome (the same URL the inline view builds)."""
    return config("WEBHOOK_BASE_URL").rstrip("/") + reverse("videos:webhook", args=[pk])


def record(pk: uuid.UUID, outcome: Outcome) -> bool:
    """``VideoJob.objects.record``, then the download of a completed video, enqueued. A job
    another row holds already is refused (the unique constraint) and logged."""
    try:
        changed = VideoJob.objects.record(pk, outcome)
    except IntegrityError:
        logger.error("video %s: job %s belongs to another row", pk, outcome.job_id)
        return False
    if changed and outcome.status == Status.COMPLETED:
        enqueue(finish, pk)
    return changed


def _reject(pk: uuid.UUID, error: Exception) -> str:
    logger.error("video %s: the submit failed: %s", pk, error)
    VideoJob.objects.filter(pk=pk, status=Status.SUBMITTING, wavespeed_id="").update(
        status=Status.REJECTED, error=str(error), updated_at=timezone.now()
    )
    return "rejected"


def _rate_limit_wait(error: wavevid.RateLimitError) -> float:
    """WaveSpeed's ``Retry-After``, else a minute (its start limit's window), plus up to a
    second at random, so that the rows refused together do not all come back at one instant."""
    wait = error.retry_after if error.retry_after is not None else 60.0
    return wait + random.random()


@app.task(bind=True, name="videos.tasks.finish", max_retries=3, default_retry_delay=30)
def finish(self: Task, pk: str) -> str:
    """Download row ``pk``'s completed video into ``output_file``, once; a second copy of this
    task, or the sweep's, finds the file stored and leaves it."""
    video = VideoJob.objects.filter(pk=pk, status=Status.COMPLETED, output_file="").first()
    if video is None or not video.output_url:
        return "skipped"
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = worker_client().download(
                video.output_url, Path(folder) / "video.mp4", timeout=config("DOWNLOAD_TIMEOUT")
            )
            with path.open("rb") as handle:
                video.output_file.save(f"{video.pk}.mp4", File(handle), save=False)
    except wavevid.WavevidError as error:  # nothing partial is left; retried, then the sweep
        logger.warning("video %s: the download failed: %s", pk, error)
        raise self.retry() from None
    stored = VideoJob.objects.filter(pk=video.pk, output_file="").update(
        output_file=video.output_file.name, updated_at=timezone.now()
    )
    if not stored:  # another copy stored its file first
        video.output_file.delete(save=False)
    return "stored" if stored else "skipped"


@app.task(name="videos.tasks.sweep")
def sweep() -> dict[str, int]:
    """The webhooks' backstop, every ``SWEEP_SECONDS`` (Celery beat): see videos/sweep.py."""
    from .sweep import run

    return run(worker_client())


def _test_hook(point: str, pk: uuid.UUID | str) -> None:
    """For the tests only (``VIDEOS_TEST_HOOKS`` names a folder): write this process's id, and
    die here, as a killed worker would, once a file named ``<point>-<pk>`` asks for it."""
    folder = os.environ.get("VIDEOS_TEST_HOOKS")
    if not folder:
        return
    Path(folder, f"{pk}.pid").write_text(str(os.getpid()))
    trigger = Path(folder, f"{point}-{pk}")
    if trigger.exists():
        trigger.unlink()
        os.kill(os.getpid(), signal.SIGKILL)
