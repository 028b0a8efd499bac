"""``manage.py sync_videos``: lost webhooks, jobs WaveSpeed sends no webhook for, uncertain
submits, and downloads."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

import wavevid
from videos.models import Status, VideoJob
from videos.tests.helpers import create, summary, sync
from wavevid.testing import Fault, JobScript

LTX_2_FAST = "lightricks/ltx-2-fast/text-to-video"


def test_the_sweep_finishes_a_job_whose_webhook_was_lost(client, fake):
    fake.webhook_drop = True  # WaveSpeed's delivery never arrives
    fake.script_jobs(JobScript(outcome="never"))
    video_id = create(client, prompt="a fox out of reach").json()["id"]
    video = VideoJob.objects.get(pk=video_id)
    fake.finish(video.wavespeed_id)

    assert sync() == summary()  # younger than the grace period: its webhook may still come
    assert VideoJob.objects.get(pk=video_id).status == Status.RUNNING

    assert sync(grace=0) == summary(refreshed=1, finished=1, downloaded=1)
    video.refresh_from_db()
    assert video.status == Status.COMPLETED
    assert Path(video.output_file.path).read_bytes() == fake.video_for(video.wavespeed_id)
    assert fake.webhook_deliveries == []


@pytest.mark.parametrize("fake", [{"webhook_statuses": {"completed", "failed"}}], indirect=True)
@pytest.mark.parametrize("outcome", ["cancelled", "timeout"])
def test_the_sweep_finishes_jobs_that_get_no_webhook(client, fake, outcome):
    # As WaveSpeed documents it: webhooks for completed and failed jobs only.
    fake.script_jobs(JobScript(outcome=outcome, processing_seconds=0))
    video_id = create(client, prompt="a fox nobody waits for").json()["id"]

    assert sync(grace=0) == summary(refreshed=1, finished=1)
    video = VideoJob.objects.get(pk=video_id)
    assert video.status == outcome
    assert video.error_code in (1405, 5004)
    assert fake.webhook_deliveries == []


def test_a_running_job_is_refreshed_and_stays_running(client, fake):
    fake.script_jobs(JobScript(outcome="never"))
    video_id = create(client, prompt="a slow fox").json()["id"]

    assert sync(grace=0) == summary(refreshed=1)
    assert VideoJob.objects.get(pk=video_id).status == Status.RUNNING


def uncertain_video(client, fake) -> VideoJob:
    """A video whose submit reached WaveSpeed but whose answer was lost; its job runs until
    ``fake.finish``."""
    fake.add_fault(Fault("submit", drop=True))
    fake.script_jobs(JobScript(outcome="never"))
    response = create(client, prompt="a fox behind a bad router")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "uncertain"
    assert "WaveSpeed may have the job" in body["detail"]
    video = VideoJob.objects.get(pk=body["id"])
    assert video.wavespeed_id == ""
    assert video.model_path == LTX_2_FAST
    assert len(video.fingerprint) == 64
    assert video.submitted_at is not None
    assert video.uncertain["input_digests"]
    assert len(fake.jobs) == 1  # it does exist
    return video


def test_an_uncertain_submit_is_settled_by_its_webhook(client, fake):
    video = uncertain_video(client, fake)
    (job_id,) = fake.jobs

    fake.finish(job_id)
    fake.wait_for_webhooks(1)  # the webhook URL names our row, so the delivery finds it

    video.refresh_from_db()
    assert (video.status, video.wavespeed_id) == (Status.COMPLETED, job_id)
    assert sync() == summary(downloaded=1)


def test_an_uncertain_submit_is_resolved_by_the_sweep(client, fake):
    fake.webhook_drop = True
    video = uncertain_video(client, fake)
    (job_id,) = fake.jobs

    assert sync() == summary(resolved=1)  # found in the history, still running
    video.refresh_from_db()
    assert (video.status, video.wavespeed_id) == (Status.RUNNING, job_id)

    fake.finish(job_id)
    assert sync(grace=0) == summary(refreshed=1, finished=1, downloaded=1)
    video.refresh_from_db()
    assert video.status == Status.COMPLETED
    assert Path(video.output_file.path).read_bytes() == fake.video_for(job_id)
    assert len(fake.jobs) == 1  # never submitted twice


def test_an_uncertain_submit_that_is_not_found_stays_uncertain(fake):
    submitted_at = timezone.now() - dt.timedelta(minutes=1)
    never_arrived = wavevid.SubmissionUncertainError(
        "lost", model=LTX_2_FAST, fingerprint="0" * 64, submitted_at=submitted_at,
        input_digests={"prompt": "0" * 64},
    )
    video = VideoJob.objects.create(
        model_name="ltx-2-fast",
        input={"prompt": "a fox that never arrived"},
        status=Status.UNCERTAIN,
        model_path=LTX_2_FAST,
        fingerprint="0" * 64,
        submitted_at=submitted_at,
        uncertain=never_arrived.to_dict(),
    )

    assert sync() == summary(unresolved=1)
    assert VideoJob.objects.get(pk=video.pk).status == Status.UNCERTAIN


def test_a_failed_download_is_reported_and_retried_next_run(client, fake):
    fake.script_jobs(JobScript(processing_seconds=0))
    video_id = create(client, prompt="a fox far away").json()["id"]
    fake.wait_for_webhooks(1)
    fake.add_fault(Fault("download", status=404))

    errors = io.StringIO()
    with pytest.raises(CommandError, match="1 errors"):
        sync(stderr=errors)
    assert f"video {video_id}: downloading failed" in errors.getvalue()
    assert "HTTP 404" in errors.getvalue()
    assert not VideoJob.objects.get(pk=video_id).output_file

    assert sync() == summary(downloaded=1)
    assert VideoJob.objects.get(pk=video_id).output_file


def test_a_partial_file_left_by_a_killed_download_is_replaced_not_kept(client, fake, settings):
    fake.script_jobs(JobScript(processing_seconds=0))
    video_id = create(client, prompt="a fox whose first download died").json()["id"]
    fake.wait_for_webhooks(1)
    video = VideoJob.objects.get(pk=video_id)
    stray = Path(settings.MEDIA_ROOT, "videos", f"{video_id}.mp4")
    stray.parent.mkdir(parents=True)
    stray.write_bytes(fake.video_for(video.wavespeed_id)[:100])  # a worker killed mid-write

    assert sync() == summary(downloaded=1)

    video.refresh_from_db()
    assert video.output_file.name == f"videos/{video_id}.mp4"
    assert [path.name for path in stray.parent.iterdir()] == [stray.name]  # one file: its own
    assert stray.read_bytes() == fake.video_for(video.wavespeed_id)
