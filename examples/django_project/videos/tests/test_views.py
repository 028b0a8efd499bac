"""The create, webhook and status views, against FakeWaveSpeed, whose webhooks are real signed
HTTP requests to Django's live test server."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from videos.models import Status, VideoJob
from videos.tests.helpers import create, deliver, post_webhook, summary, sync
from videos.wavevid_client import get_client
from wavevid.testing import Fault, JobScript
from wavevid.webhooks import sign


def running_video(client, fake, **values) -> VideoJob:
    """A video whose job runs until ``fake.finish(video.wavespeed_id)``."""
    fake.script_jobs(JobScript(outcome="never", times=1))
    response = create(client, prompt="a red fox in snow", **values)
    assert response.status_code == 202, response.content
    video = VideoJob.objects.get(pk=response.json()["id"])
    assert video.status == Status.RUNNING
    return video


def test_a_video_is_submitted_finished_by_its_webhook_then_downloaded(client, fake, live_server):
    fake.script_jobs(JobScript(outcome="never"))
    response = create(client, prompt="a red fox in snow", duration=8)

    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == f"/videos/{body['id']}/"
    assert body["status"] == "running"
    assert body["video"] is None
    video = VideoJob.objects.get(pk=body["id"])
    assert video.model_name == "ltx-2-fast"
    assert video.input == {"prompt": "a red fox in snow", "duration": 8}
    job = fake.jobs[video.wavespeed_id]
    assert job.input == {"prompt": "a red fox in snow", "duration": 8, "generate_audio": True}
    assert job.webhook == f"{live_server.url}/videos/webhook/{video.pk}/"

    fake.finish(video.wavespeed_id)
    (delivery,) = fake.wait_for_webhooks(1)  # recorded once the live server has answered
    assert delivery.status == 200
    assert delivery.url == job.webhook

    video.refresh_from_db()
    assert video.status == Status.COMPLETED
    assert video.finished_at is not None
    assert video.output_url == f"{fake.url}/outputs/{job.id}.mp4"
    assert not video.output_file  # the webhook records; it does not download

    assert sync() == summary(downloaded=1)
    video.refresh_from_db()
    assert video.output_file.name == f"videos/{video.pk}.mp4"
    assert Path(video.output_file.path).read_bytes() == fake.video_for(job.id)
    assert client.get(f"/videos/{video.pk}/").json()["video"] == f"/media/videos/{video.pk}.mp4"

    assert sync() == summary()  # idempotent: nothing left to do
    assert len(list(Path(video.output_file.path).parent.iterdir())) == 1


def test_a_remote_failure_is_recorded_from_its_webhook(client, fake):
    fake.script_jobs(JobScript(outcome="failed", code=1200, error="content moderation"))
    video_id = create(client, prompt="a forbidden fox").json()["id"]
    fake.wait_for_webhooks(1)

    video = VideoJob.objects.get(pk=video_id)
    assert (video.status, video.error) == (Status.FAILED, "content moderation")
    assert video.error_code is None  # WaveSpeed's webhook payload has no code; a poll has
    assert video.output_url == ""
    assert video.finished_at is not None
    assert sync() == summary()  # nothing to download


def test_invalid_input_is_refused_with_every_problem_and_nothing_is_sent(client, fake):
    response = create(client, prompt="", duration=7, fps=30)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["parameter"] for error in errors] == ["prompt", "duration", "fps"]
    assert errors[1]["message"] == "7 is not one of 6, 8, 10, 12, 14, 16, 18, 20"
    assert not VideoJob.objects.exists()
    assert fake.jobs == {}
    assert fake.requests == []


@pytest.mark.parametrize(
    ("body", "parameter", "message"),
    [
        ({"model": "ltx-3", "input": {"prompt": "a fox"}}, "model", "unknown model 'ltx-3'"),
        ({"model": "vendor/any-model", "input": {}}, "model", "unknown model"),
        ({"input": {"prompt": "a fox"}}, "", "expected a JSON object"),
        ({"model": "ltx-2-fast", "input": ["a fox"]}, "", "input an object"),
        ([], "", "expected a JSON object"),
    ],
)
def test_a_malformed_request_or_an_unknown_model_is_refused(client, fake, body, parameter, message):
    response = client.post(reverse("videos:create"), body, content_type="application/json")

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["parameter"] == parameter
    assert message in error["message"]
    assert not VideoJob.objects.exists()
    assert fake.requests == []


def test_a_refused_submit_answers_502_and_keeps_the_row(client, fake):
    fake.add_fault(Fault("submit", status=403))
    response = create(client, prompt="a fox without credit")

    assert response.status_code == 502
    assert "WaveSpeed did not take the job: HTTP 403" in response.json()["error"]
    video = VideoJob.objects.get(pk=response.json()["id"])
    assert video.status == Status.REJECTED
    assert "HTTP 403" in video.error
    assert fake.jobs == {}


def test_a_gateway_error_leaves_the_submit_uncertain_and_its_webhook_settles_it(
    client, fake, live_server
):
    # A gateway error (502, 504) can hide a submit WaveSpeed accepted: its webhook still comes.
    fake.add_fault(Fault("submit", status=502))
    video_id = create(client, prompt="a fox behind a gateway").json()["id"]
    assert VideoJob.objects.get(pk=video_id).status == Status.UNCERTAIN

    news = {"id": "0123456789abcdef", "status": "completed", "outputs": ["https://x.example/v"]}
    sent = {"prompt": "a fox behind a gateway", "duration": 6, "generate_audio": True}
    # Signatures do not cover the URL: a job whose input is not the body sent is not this row's.
    foreign = deliver(live_server, video_id, {**news, "input": {"prompt": "a cat"}},
                      fake.webhook_secret)
    assert foreign.status_code == 400
    response = deliver(live_server, video_id, {**news, "input": sent}, fake.webhook_secret)

    assert (response.status_code, response.json()) == (200, {"changed": True})
    video = VideoJob.objects.get(pk=video_id)
    assert (video.status, video.wavespeed_id) == (Status.COMPLETED, "0123456789abcdef")


def test_a_forged_or_stale_webhook_is_refused_and_changes_nothing(client, fake, live_server):
    video = running_video(client, fake)
    news = {"id": video.wavespeed_id, "status": "completed", "outputs": ["https://x.example/v"]}

    forged = deliver(live_server, video.pk, news, "whsec_not-the-secret")
    now = int(time.time())
    stale = deliver(live_server, video.pk, news, fake.webhook_secret, timestamp=now - 301)
    future = deliver(live_server, video.pk, news, fake.webhook_secret, timestamp=now + 301)
    body = b'{"id": "%s", "status": "completed"}' % video.wavespeed_id.encode()
    tampered = post_webhook(live_server, video.pk, body + b" ", sign(body, fake.webhook_secret))
    unsigned = post_webhook(live_server, video.pk, body, {"Content-Type": "application/json"})

    for response in (forged, stale, future, tampered, unsigned):
        assert response.status_code == 400
        assert response.json() == {"error": "invalid webhook"}
    unchanged = VideoJob.objects.get(pk=video.pk)
    assert unchanged.status == Status.RUNNING
    assert unchanged.output_url == ""
    assert unchanged.updated_at == video.updated_at


def test_a_webhook_for_an_unknown_video_is_404(fake, live_server):
    news = {"id": "0123456789abcdef", "status": "completed"}
    assert deliver(live_server, uuid.uuid4(), news, fake.webhook_secret).status_code == 404
    # Verified first: an unsigned request learns nothing about which videos exist.
    assert post_webhook(live_server, uuid.uuid4(), b"{}", {}).status_code == 400


def test_a_webhook_about_another_job_changes_nothing(client, fake, live_server):
    video = running_video(client, fake)
    news = {"id": "another0job0id", "status": "completed", "outputs": ["https://x.example/v"]}

    response = deliver(live_server, video.pk, news, fake.webhook_secret)

    assert response.status_code == 400
    assert VideoJob.objects.get(pk=video.pk).status == Status.RUNNING


def test_repeated_and_late_deliveries_change_nothing(client, fake, live_server):
    fake.webhook_duplicates = 2  # every delivery is sent three times, as three deliveries
    video = running_video(client, fake)
    fake.finish(video.wavespeed_id)

    fake.wait_for_webhooks(1)
    first = VideoJob.objects.get(pk=video.pk)
    copies = fake.wait_for_webhooks(3)
    assert [copy.status for copy in copies] == [200, 200, 200]
    assert len({copy.webhook_id for copy in copies}) == 3
    # A late delivery that says otherwise: a finished row never changes again.
    news = {"id": video.wavespeed_id, "status": "failed", "error": "too late"}
    late = deliver(live_server, video.pk, news, fake.webhook_secret)
    assert (late.status_code, late.json()) == (200, {"changed": False})

    last = VideoJob.objects.get(pk=video.pk)
    assert first.status == last.status == Status.COMPLETED
    assert (last.updated_at, last.finished_at) == (first.updated_at, first.finished_at)
    assert last.error == ""


def test_a_webhook_that_arrives_before_the_create_view_returns(client, fake, monkeypatch):
    fake.script_jobs(JobScript(processing_seconds=0))  # done at once, delivered at once
    wavevid_client = get_client()
    submit = wavevid_client.submit

    def submit_then_wait_for_the_webhook(*args, **kwargs):
        job = submit(*args, **kwargs)
        (delivery,) = fake.wait_for_webhooks(1)  # the live server has handled it
        assert delivery.status == 200
        assert delivery.job_id == job.id
        return job

    monkeypatch.setattr(wavevid_client, "submit", submit_then_wait_for_the_webhook)
    response = create(client, prompt="a quick fox")

    assert response.status_code == 202
    assert response.json()["status"] == "completed"  # the view did not move it back
    video = VideoJob.objects.get(pk=response.json()["id"])
    assert video.status == Status.COMPLETED
    assert video.wavespeed_id in fake.jobs
    assert video.output_url.endswith(f"/outputs/{video.wavespeed_id}.mp4")


@pytest.mark.parametrize("view", ["videos:status", "videos:status-async"])
def test_the_status_view_refreshes_an_unfinished_job_only(client, fake, view):
    fake.webhook_drop = True
    video = running_video(client, fake)
    url = reverse(view, args=[video.pk])

    body = client.get(url).json()
    assert body["status"] == "running"
    assert body["wavespeed_id"] == video.wavespeed_id
    polls = [r for r in fake.requests if r.path.endswith(f"/{video.wavespeed_id}/result")]
    assert len(polls) == 1

    fake.finish(video.wavespeed_id)
    body = client.get(url).json()
    assert body["status"] == "completed"
    assert body["output_url"] == f"{fake.url}/outputs/{video.wavespeed_id}.mp4"
    assert body["finished_at"] is not None

    sent = len(fake.requests)
    assert client.get(url).json() == body
    assert len(fake.requests) == sent  # finished: WaveSpeed is not asked again
    assert client.get(reverse(view, args=[uuid.uuid4()])).status_code == 404
    assert client.post(url).status_code == 405


def test_the_async_status_view_awaits_the_async_client(client, fake, monkeypatch):
    """The async view never touches the sync client (which would block the event loop)."""
    from videos import views

    fake.webhook_drop = True
    video = running_video(client, fake)

    def blocking(*args, **kwargs):
        raise AssertionError("the async view called the sync client")

    monkeypatch.setattr(views, "get_client", blocking)
    url = reverse("videos:status-async", args=[video.pk])
    assert client.get(url).json()["status"] == "running"
    fake.finish(video.wavespeed_id)
    assert client.get(url).json()["status"] == "completed"


@pytest.mark.parametrize("view", ["videos:status", "videos:status-async"])
def test_the_status_view_answers_in_time_when_wavespeed_does_not(client, fake, settings, view):
    video = running_video(client, fake)
    settings.WAVEVID = {**settings.WAVEVID, "STATUS_TIMEOUT": 0.3}
    fake.add_fault(Fault("poll", delay=3, times=None))  # every poll hangs

    started = time.monotonic()
    response = client.get(reverse(view, args=[video.pk]))

    assert time.monotonic() - started < 1.5
    assert response.status_code == 200
    assert response.json()["status"] == "running"


def test_the_status_view_records_a_remote_failure_with_its_code(client, fake):
    fake.webhook_drop = True
    fake.script_jobs(JobScript(outcome="failed", code=5003, error="service unavailable",
                               processing_seconds=0))
    video_id = create(client, prompt="a fox on a bad day").json()["id"]

    body = client.get(reverse("videos:status", args=[video_id])).json()

    assert (body["status"], body["error"], body["error_code"]) == (
        "failed", "service unavailable", 5003)
