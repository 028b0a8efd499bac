"""Celery mode's sweep: what the webhooks and the queue may have missed, every ``SWEEP_SECONDS``.

Each step takes at most ``SWEEP_LIMIT`` rows, least recently touched first, and every change is
a conditional UPDATE, so sweeps may overlap with each other, with tasks and with webhooks:

1. Rows queued for longer than ``REQUEUE_SECONDS`` whose submit never started: their message
   was lost (the broker restarted, the web process could not reach it). Enqueued again.
2. Rows whose submit started ``LOOK_SECONDS`` ago with no job: the worker died mid-POST, or
   the answer was lost. ``client.find_submission`` looks for the job; only a positive
   identification is recorded. After ``UNCERTAIN_SECONDS`` with none, the row becomes
   UNCERTAIN with the candidates seen, for a person to decide (``manage.py sync_videos``
   looks again). Never resubmitted.
3. Running jobs not heard of for ``REFRESH_SECONDS``: their webhook was lost or never comes.
4. Completed rows without a file for ``REQUEUE_SECONDS``: their download is enqueued again.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

import wavevid

from .models import Outcome, Status, VideoJob
from .tasks import enqueue, finish, record, submit, tasks_config
from .wavevid_client import config

logger = logging.getLogger(__name__)


def run(client: wavevid.Client) -> dict[str, int]:
    """One sweep; the counts of what it did."""
    counts: Counter[str] = Counter()
    requeue_lost_submits(counts)
    identify_started_submits(client, counts)
    refresh_running(client, counts)
    requeue_downloads(counts)
    if counts:
        logger.info("sweep: %s", dict(counts))
    return dict(counts)


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


def identify_started_submits(client: wavevid.Client, counts: Counter[str]) -> None:
    started = VideoJob.objects.filter(
        status=Status.SUBMITTING, wavespeed_id="", submit_started_at__isnull=False
    )
    for video in _older(started, tasks_config("LOOK_SECONDS"), "submit_started_at"):
        reference = wavevid.SubmissionUncertainError.from_dict(video.uncertain)
        try:
            job = client.find_submission(reference, timeout=config("CALL_TIMEOUT"))
        except wavevid.WavevidError as error:  # the history is unreachable: next sweep
            logger.warning("video %s: looking for its job failed: %s", video.pk, error)
            counts["errors"] += 1
            continue
        if job is not None and record(video.pk, Outcome.from_job(job)):
            counts["identified"] += 1
            continue
        _give_up_or_wait(video, reference, counts)


def _give_up_or_wait(
    video: VideoJob, reference: wavevid.SubmissionUncertainError, counts: Counter[str]
) -> None:
    """No job identified: look again next sweep, or, after ``UNCERTAIN_SECONDS``, hand the row
    to a person with the candidates seen (``reference.candidates``, from the last look)."""
    candidates = [
        {"id": c.id, "status": c.status, "created_at": c.created_at and c.created_at.isoformat()}
        for c in reference.candidates
    ]
    waited = timezone.now() - video.submit_started_at
    if waited < timedelta(seconds=tasks_config("UNCERTAIN_SECONDS")):
        VideoJob.objects.filter(pk=video.pk, wavespeed_id="").update(
            candidates=candidates, updated_at=timezone.now()
        )
        counts["unidentified"] += 1
        return
    reason = (
        f"the submit started at {video.submit_started_at.isoformat()} and no job was"
        f" identified in {int(waited.total_seconds())} s; {len(candidates)} candidate(s):"
        " look at them before submitting again"
    )
    VideoJob.objects.filter(pk=video.pk, status=Status.SUBMITTING, wavespeed_id="").update(
        status=Status.UNCERTAIN, candidates=candidates, error=reason, updated_at=timezone.now()
    )
    counts["uncertain"] += 1


def refresh_running(client: wavevid.Client, counts: Counter[str]) -> None:
    running = VideoJob.objects.filter(status=Status.RUNNING)
    for video in _older(running, tasks_config("REFRESH_SECONDS")):
        try:
            job = client.get_job(video.wavespeed_id, timeout=config("CALL_TIMEOUT"))
        except wavevid.WavevidError as error:
            logger.warning("video %s: refreshing failed: %s", video.pk, error)
            counts["errors"] += 1
            continue
        record(video.pk, Outcome.from_job(job))  # still running: looked at after the grace
        counts["refreshed"] += 1


def requeue_downloads(counts: Counter[str]) -> None:
    done = VideoJob.objects.filter(status=Status.COMPLETED, output_file="").exclude(output_url="")
    for pk in _older(done, tasks_config("REQUEUE_SECONDS")).values_list("pk", flat=True):
        _touch(pk)
        counts["downloads"] += enqueue(finish, pk)
