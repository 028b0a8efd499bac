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
import random
import time
import uuid
from contextlib import suppress
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from videosite.celery import app

import wavevid

from . import downloads
from .hooks import crash_point
from .models import Outcome, Recorded, Status, VideoJob
from .wavevid_client import config, get_worker_client

logger = logging.getLogger(__name__)

ACCOUNT_ERRORS = (
    wavevid.ConfigurationError, wavevid.AuthenticationError, wavevid.PermissionDeniedError
)
"""Refusals of the site or the account (no key, a wrong key, its role, its balance), not of the
row: nothing was created, and the row stays queued until someone fixes them (the sweep enqueues
it again every ``REQUEUE_SECONDS``) instead of every queued row being rejected for good."""


def tasks_config(name: str) -> Any:
    """One value of ``settings.VIDEO_TASKS``."""
    return settings.VIDEO_TASKS[name]


def enqueue(task: Task, pk: uuid.UUID | str) -> bool:
    """Send ``task`` for row ``pk``; False, logged, when the broker cannot take it (the sweep
    sends it again later)."""
    try:
        task.delay(str(pk))
    except Exception as error:  # kombu's OperationalError and the like: the broker is away
        logger.error("video %s: could not enqueue %s: %s", pk, task.name, error)
        return False
    return True


def capped(seconds: float) -> float:
    """A retry's countdown, at most ``MAX_COUNTDOWN``: a message held past ``visibility_timeout``
    is delivered twice, and a row queued past ``REQUEUE_SECONDS`` is enqueued again."""
    return min(seconds, tasks_config("MAX_COUNTDOWN"))


# max_retries=None here: Celery's retry(max_retries=None) means the task's own limit, 3 by
# default, after which the chain fails and the row waits for the sweep. Each cause keeps its own.
@app.task(bind=True, name="videos.tasks.submit", max_retries=None)
def submit(self: Task, pk: str, failures: int = 0) -> str:
    """Submit row ``pk`` once, ever; what happened, as a word (for logs and tests).
    ``failures``: network failures so far (429s are not failures: they never reject a row)."""
    video = VideoJob.objects.filter(pk=pk).first()
    if video is None or video.status != Status.SUBMITTING or video.submit_started_at:
        crash_point("skipped", pk)
        return "skipped"  # gone, settled, or started by an earlier delivery: never again
    client = get_worker_client()
    try:
        model = client.catalog.get(video.model_name)
        body = model.build_payload(video.input)
    except (wavevid.UnknownModelError, wavevid.InvalidParametersError) as error:
        return _reject(video.pk, error)  # the catalog changed since the view checked
    if client.clock_offset is None:  # a new process: learn WaveSpeed's clock first (one GET)
        with suppress(wavevid.WavevidError):
            client.balance(timeout=config("STATUS_TIMEOUT"))
    budget = config("CALL_TIMEOUT")
    started, clock = timezone.now(), time.monotonic()
    reference = wavevid.SubmissionUncertainError.before_sending(
        model.path, body, submitted_at=started,
        answered_by=started + datetime.timedelta(seconds=budget),
        clock_offset=client.clock_offset or 0.0,
    )
    crash_point("before-start", video.pk)
    if not VideoJob.objects.start_submit(video.pk, reference):
        return "skipped"  # another delivery of this message won the row
    crash_point("before-post", video.pk)
    left = budget - (time.monotonic() - clock)  # the POST ends within the window stored
    if left < budget / 2:  # a slow start: a POST with what is left would likely time out
        VideoJob.objects.undo_start(video.pk, started)
        raise self.retry(countdown=capped(tasks_config("RETRY_SECONDS")))
    try:
        job = client.submit(model.name, video.input, webhook_url=webhook_url(video.pk),
                            timeout=left)
    except wavevid.RateLimitError as error:  # refused: nothing was created
        VideoJob.objects.undo_start(video.pk, started)
        raise self.retry(countdown=capped(_rate_limit_wait(error))) from None
    except wavevid.SubmissionUncertainError as error:  # the job may exist: never resend
        logger.warning("video %s: the submit is uncertain: %s", video.pk, error)
        VideoJob.objects.filter(pk=video.pk, wavespeed_id="").update(
            uncertain=error.to_dict(), error=str(error), updated_at=timezone.now()
        )
        return "uncertain"
    except wavevid.APIConnectionError as error:  # nothing was sent: try again later
        VideoJob.objects.undo_start(video.pk, started)
        if failures >= tasks_config("MAX_RETRIES"):
            return _reject(video.pk, error)
        wait = capped(tasks_config("RETRY_SECONDS") * 2**failures)
        raise self.retry(countdown=wait, kwargs={"failures": failures + 1}) from None
    except ACCOUNT_ERRORS as error:  # nothing was created; the row waits for a fix
        return _wait_for_account(video.pk, started, error)
    except wavevid.WavevidError as error:  # the row refused (4xx): nothing to pay
        return _reject(video.pk, error)
    recorded = record(video.pk, Outcome.from_job(job))
    if recorded is Recorded.TAKEN:  # this row's own POST made it: another row took it
        VideoJob.objects.refuse_taken(video.pk, job.id, "its submit's answer")
    return {Recorded.CHANGED: "submitted", Recorded.UNCHANGED: "submitted, known"}.get(
        recorded, "taken"
    )


def webhook_url(pk: uuid.UUID) -> str:
    """Where WaveSpeed delivers row ``pk``'s outcome (the same URL the inline view builds)."""
    return config("WEBHOOK_BASE_URL").rstrip("/") + reverse("videos:webhook", args=[pk])


def record(pk: uuid.UUID, outcome: Outcome) -> Recorded:
    """``VideoJob.objects.record``; the download of a video it completed is enqueued once the
    change is committed (a webhook view under ATOMIC_REQUESTS commits after it returns)."""
    recorded = VideoJob.objects.record(pk, outcome)
    if recorded is Recorded.CHANGED and outcome.status == Status.COMPLETED:
        transaction.on_commit(lambda: enqueue(finish, pk))
    return recorded


def _reject(pk: uuid.UUID, error: Exception) -> str:
    logger.error("video %s: the submit failed: %s", pk, error)
    VideoJob.objects.filter(pk=pk, status=Status.SUBMITTING, wavespeed_id="").update(
        status=Status.REJECTED, error=str(error), updated_at=timezone.now()
    )
    return "rejected"


def _wait_for_account(pk: uuid.UUID, started: datetime.datetime, error: Exception) -> str:
    logger.error("video %s: not submitted, the account or the key is refused: %s", pk, error)
    VideoJob.objects.undo_start(pk, started)
    VideoJob.objects.filter(pk=pk, submit_started_at=None, wavespeed_id="").update(
        error=f"waiting for the account: {error}"
    )
    return "account refused"


def _rate_limit_wait(error: wavevid.RateLimitError) -> float:
    """WaveSpeed's ``Retry-After``, else a minute (its start limit's window), plus up to a
    second at random, so that the rows refused together do not all come back at one instant."""
    wait = error.retry_after if error.retry_after is not None else 60.0
    return wait + random.random()


@app.task(bind=True, name="videos.tasks.finish", max_retries=3)
def finish(self: Task, pk: str) -> str:
    """Download row ``pk``'s completed video into ``output_file``, once (videos/downloads.py);
    a second copy of this task, or the sweep's, finds the file stored and leaves it."""
    video = VideoJob.objects.filter(pk=pk, status=Status.COMPLETED, output_file="").first()
    if video is None or not video.output_url:
        return "skipped"
    try:
        stored = downloads.download(get_worker_client(), video)
    except wavevid.WavevidError as error:  # nothing partial is left; retried, then the sweep
        logger.warning("video %s: the download failed: %s", pk, error)
        wait = capped(tasks_config("RETRY_SECONDS") * 2**self.request.retries)
        raise self.retry(countdown=wait) from None
    return "stored" if stored else "skipped"


@app.task(name="videos.tasks.sweep")
def sweep() -> dict[str, int]:
    """The webhooks' backstop, every ``SWEEP_SECONDS`` (Celery beat): see videos/sweep.py."""
    from .sweep import run

    return run(get_worker_client())
