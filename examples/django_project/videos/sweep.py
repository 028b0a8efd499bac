"""Celery mode's sweep: what the webhooks and the queue may have missed, every ``SWEEP_SECONDS``.

One sweep runs at a time, site-wide (a PostgreSQL advisory lock; a second one returns at once),
starts no new row after ``SWEEP_BUDGET_SECONDS`` (each call is bounded by ``CALL_TIMEOUT``),
and each step takes at most ``SWEEP_LIMIT`` rows, least recently touched first. A row whose call
fails is touched too, so rows that keep failing never hold the others back. Every change is a
conditional UPDATE, so a sweep may overlap with tasks, webhooks and ``sync_videos``:

1. Rows queued for longer than ``REQUEUE_SECONDS`` whose submit never started: their message
   was lost (the broker restarted, the web process could not reach it), or the account was
   misconfigured. Enqueued again.
2. Rows whose submit started ``LOOK_SECONDS`` ago with no job: the worker died mid-POST, or
   the answer was lost. ``videos.identify`` looks for the job; only a positive identification
   is recorded. After ``UNCERTAIN_SECONDS`` with none, the row becomes UNCERTAIN with the
   candidates seen, for a person to decide (``manage.py sync_videos`` looks again). Never
   resubmitted.
3. Running jobs not heard of for ``REFRESH_SECONDS``: their webhook was lost or never comes. A
   job WaveSpeed no longer knows (it keeps 7 days) is recorded as failed.
4. Completed rows without a file for ``REQUEUE_SECONDS``: their download is enqueued again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

import wavevid

from . import identify
from .models import JOB_GONE, Outcome, Recorded, Status, VideoJob
from .tasks import enqueue, finish, record, submit, tasks_config
from .wavevid_client import config

logger = logging.getLogger(__name__)

LOCK_KEY = 0x766964656F73  # "videos": the advisory lock one sweep at a time holds


class Budget:
    """The time one sweep may spend starting work on rows."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def spent(self, counts: Counter[str]) -> bool:
        if time.monotonic() < self.ends:
            return False
        counts["over budget"] = 1
        return True


def run(client: wavevid.Client) -> dict[str, int]:
    """One sweep, unless another is running; the counts of what it did (``{"busy": 1}``)."""
    with one_at_a_time() as alone:
        if not alone:
            return {"busy": 1}
        counts: Counter[str] = Counter()
        budget = Budget(tasks_config("SWEEP_BUDGET_SECONDS"))
        requeue_lost_submits(counts)
        identify_started_submits(client, counts, budget)
        refresh_running(client, counts, budget)
        requeue_downloads(counts)
    if counts:
        logger.info("sweep: %s", dict(counts))
    return dict(counts)


@contextlib.contextmanager
def one_at_a_time() -> Iterator[bool]:
    """PostgreSQL's session advisory lock, held for the sweep; True if this sweep holds it.
    Other databases (SQLite: one machine) run every sweep."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _older(rows: QuerySet[VideoJob], seconds: float, field: str = "updated_at") -> QuerySet:
    cutoff = timezone.now() - timedelta(seconds=seconds)
    return rows.filter(**{f"{field}__lte": cutoff}).order_by("updated_at")[
        : tasks_config("SWEEP_LIMIT")
    ]


def _touch(pk: object) -> None:
    """Mark the row as seen now: it waits its turn again before the next look."""
    VideoJob.objects.filter(pk=pk).update(updated_at=timezone.now())


def requeue_lost_submits(counts: Counter[str]) -> None:
    queued = VideoJob.objects.filter(status=Status.SUBMITTING, submit_started_at=None)
    for pk in _older(queued, tasks_config("REQUEUE_SECONDS")).values_list("pk", flat=True):
        _touch(pk)
        counts["requeued"] += enqueue(submit, pk)


def identify_started_submits(client: wavevid.Client, counts: Counter[str], budget: Budget) -> None:
    started = VideoJob.objects.filter(
        status=Status.SUBMITTING, wavespeed_id="", submit_started_at__isnull=False
    )
    for video in _older(started, tasks_config("LOOK_SECONDS"), "submit_started_at"):
        if budget.spent(counts):
            return
        try:
            found = identify.look(client, video, config("CALL_TIMEOUT"))
        except wavevid.WavevidError as error:  # the history is unreachable: next sweep
            logger.warning("video %s: looking for its job failed: %s", video.pk, error)
            _touch(video.pk)
            counts["errors"] += 1
            continue
        recorded = record(video.pk, Outcome.from_job(found.job)) if found.job else None
        if recorded is Recorded.CHANGED:
            counts["identified"] += 1
            continue
        if recorded is Recorded.TAKEN:  # its only match is another row's job
            counts["taken"] += 1
        _give_up_or_wait(video, found, counts)


def _give_up_or_wait(video: VideoJob, found: identify.Look, counts: Counter[str]) -> None:
    """No job identified: look again next sweep, or, after ``UNCERTAIN_SECONDS``, hand the row
    to a person with the candidates seen and the reason."""
    waited = (timezone.now() - video.submit_started_at).total_seconds()
    if waited < tasks_config("UNCERTAIN_SECONDS"):
        VideoJob.objects.filter(pk=video.pk, wavespeed_id="").update(
            candidates=found.candidates, updated_at=timezone.now()
        )
        counts["unidentified"] += 1
        return
    reason = found.reason(video.submit_started_at.isoformat(), waited)
    counts["uncertain"] += VideoJob.objects.hand_to_person(video.pk, reason, found.candidates)


def refresh_running(client: wavevid.Client, counts: Counter[str], budget: Budget) -> None:
    running = VideoJob.objects.filter(status=Status.RUNNING)
    for video in _older(running, tasks_config("REFRESH_SECONDS")):
        if budget.spent(counts):
            return
        try:
            job = client.get_job(video.wavespeed_id, timeout=config("CALL_TIMEOUT"))
        except wavevid.NotFoundError:
            record(video.pk, Outcome(video.wavespeed_id, Status.FAILED, error=JOB_GONE))
            counts["gone"] += 1
            continue
        except wavevid.WavevidError as error:
            logger.warning("video %s: refreshing failed: %s", video.pk, error)
            _touch(video.pk)
            counts["errors"] += 1
            continue
        record(video.pk, Outcome.from_job(job))  # still running: looked at after the grace
        counts["refreshed"] += 1


def requeue_downloads(counts: Counter[str]) -> None:
    done = VideoJob.objects.filter(status=Status.COMPLETED, output_file="").exclude(output_url="")
    for pk in _older(done, tasks_config("REQUEUE_SECONDS")).values_list("pk", flat=True):
        _touch(pk)
        counts["downloads"] += enqueue(finish, pk)
