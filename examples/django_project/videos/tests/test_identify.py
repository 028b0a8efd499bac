"""Identifying the job of a submit that got no answer (videos/identify.py), by sync_videos and by
Celery mode's sweep, when two rows sent the same input: a job is never given to the wrong row,
and a row the database refuses a job for never stops the sweep."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

import wavevid
from videos import wavevid_client
from videos.models import Outcome, Status, VideoJob
from videos.sweep import run
from videos.tests.helpers import summary, sync
from videos.wavevid_client import get_worker_client
from wavevid.testing import JobScript

LTX_2_FAST = "lightricks/ltx-2-fast/text-to-video"


def reference(fake, values: dict, at: dt.datetime, seconds: float = 15):
    body = fake.client().catalog.get("ltx-2-fast").build_payload(values)
    return wavevid.SubmissionUncertainError.before_sending(
        LTX_2_FAST, body, submitted_at=at, answered_by=at + dt.timedelta(seconds=seconds))


def uncertain_row(fake, values: dict, at: dt.datetime) -> VideoJob:
    """A row whose inline submit was answered 502 at ``at``: no job was made."""
    sent = reference(fake, values, at, seconds=3)
    return VideoJob.objects.create(model_name="ltx-2-fast", input=values, status=Status.UNCERTAIN,
                                   uncertain=sent.to_dict(), fingerprint=sent.fingerprint,
                                   submitted_at=at)


def test_sync_videos_reports_a_job_another_row_holds_and_moves_on(fake):
    values = {"prompt": "the same fox twice"}
    # Row B, submitted by another web process, completed with job J; row A, the same input the
    # same second, was answered 502 (no job made): J is A's only match, and B's.
    job = fake.client().submit("ltx-2-fast", **values).wait(timeout=10)
    b = VideoJob.objects.create(model_name="ltx-2-fast", input=values)
    assert VideoJob.objects.record(b.pk, Outcome.from_job(job))
    now = timezone.now()
    a = uncertain_row(fake, values, now - dt.timedelta(seconds=3))
    fake.script_jobs(JobScript(outcome="never"))
    lost = fake.client().submit("ltx-2-fast", prompt="a fox nobody heard of")
    c = uncertain_row(fake, {"prompt": "a fox nobody heard of"}, now - dt.timedelta(seconds=1))

    errors = io.StringIO()
    wavevid_client._client = None  # a new cron process: nothing remembered
    with pytest.raises(CommandError, match="1 errors"):
        sync(stderr=errors, limit=1)  # A comes first, is refused, and is touched
    assert f"video {a.pk}: looking for the job failed: its only match, job {job.id}" in (
        errors.getvalue())
    assert f"is row {b.pk}'s" in errors.getvalue()
    wavevid_client._client = None
    assert sync(limit=1) == summary(resolved=1)  # then C, which A no longer holds back

    a.refresh_from_db()
    assert (a.status, a.wavespeed_id) == (Status.UNCERTAIN, "")
    c.refresh_from_db()
    assert (c.status, c.wavespeed_id) == (Status.RUNNING, lost.id)


@pytest.fixture
def sweep_ages(settings):
    settings.VIDEO_TASKS = {**settings.VIDEO_TASKS, "LOOK_SECONDS": 0.1,
                            "UNCERTAIN_SECONDS": 3600, "REQUEUE_SECONDS": 3600}
    return settings.VIDEO_TASKS


def started_row(fake, values: dict, at: dt.datetime) -> VideoJob:
    row = VideoJob.objects.create(model_name="ltx-2-fast", input=values)
    assert VideoJob.objects.start_submit(row.pk, reference(fake, values, at))
    return row


def test_two_rows_with_the_same_input_are_left_to_their_webhooks(
    fake, live_server, eager_celery, sweep_ages, settings
):
    values = {"prompt": "a fox, clicked twice"}
    now = timezone.now() - dt.timedelta(seconds=1)
    a = started_row(fake, values, now)  # its worker died after the start, before its POST
    b = started_row(fake, values, now + dt.timedelta(seconds=0.1))  # died holding the answer
    fake.script_jobs(JobScript(outcome="never"))
    webhook = live_server.url + reverse("videos:webhook", args=[b.pk])
    job = fake.client().submit("ltx-2-fast", values, webhook_url=webhook)  # B's POST

    assert run(get_worker_client()) == {"unidentified": 2}  # neither may take J by its input
    assert VideoJob.objects.filter(wavespeed_id=job.id).count() == 0

    fake.finish(job.id)
    fake.wait_for_webhooks(1)  # J's webhook comes to B's URL: B's job
    b.refresh_from_db()
    assert (b.status, b.wavespeed_id) == (Status.COMPLETED, job.id)
    assert b.output_file  # downloaded by its finish task

    counts = run(get_worker_client())  # A: its only match is B's job
    assert counts == {"taken": 1, "unidentified": 1}
    settings.VIDEO_TASKS = {**settings.VIDEO_TASKS, "UNCERTAIN_SECONDS": 0.1}
    assert run(get_worker_client()) == {"uncertain": 1}
    a.refresh_from_db()
    assert (a.status, a.wavespeed_id) == (Status.UNCERTAIN, "")
    assert [(c["id"], c["held_by"]) for c in a.candidates] == [(job.id, str(b.pk))]


def test_two_rows_with_the_same_input_and_no_webhook_go_to_a_person(
    fake, eager_celery, sweep_ages, settings
):
    values = {"prompt": "a fox, clicked twice, unheard"}
    now = timezone.now() - dt.timedelta(seconds=1)
    a, b = started_row(fake, values, now), started_row(fake, values, now)
    fake.client().submit("ltx-2-fast", values)  # one of them was sent; nobody can tell which
    settings.VIDEO_TASKS = {**settings.VIDEO_TASKS, "UNCERTAIN_SECONDS": 0.1}

    assert run(get_worker_client()) == {"uncertain": 2}

    for row, other in ((a, b), (b, a)):
        row.refresh_from_db()
        assert (row.status, row.wavespeed_id) == (Status.UNCERTAIN, "")
        assert f"rows {other.pk} sent the same input at the same time" in row.error
