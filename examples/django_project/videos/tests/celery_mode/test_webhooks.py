"""Duplicate, late and out-of-order webhooks, with sweeps running at the same time: a row is
finished once, and never goes back."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.db import transaction
from django.urls import reverse

from videos.models import Status, VideoJob
from videos.tasks import sweep
from videos.tests.celery_mode.helpers import (
    MARKS,
    assert_completed_once,
    create_rows,
    stored_files,
    wait_for,
)
from videos.tests.helpers import deliver
from wavevid.testing import Fault, JobScript
from wavevid.webhooks import sign

pytestmark = MARKS


def test_repeated_late_and_foreign_deliveries_with_concurrent_sweeps(
    client, fake, stack, live_server
):
    fake.webhook_duplicates = 2  # every delivery three times
    ids = create_rows(client, 20, "echo")
    for _ in range(10):  # sweeps alongside the webhooks and the finish tasks
        sweep.delay()
    rows = wait_for(ids)
    assert_completed_once(rows, fake)
    fake.wait_for_webhooks(60)

    for row in rows:  # late news, in any order: none of it is taken
        for status in ("processing", "failed", "completed"):
            news = {"id": row.wavespeed_id, "status": status, "input": row.input}
            response = deliver(live_server, row.pk, news, fake.webhook_secret)
            assert (response.status_code, response.json()) == (200, {"changed": False})
    for _ in range(5):
        sweep.delay()

    again = {row.pk: row for row in wait_for(ids)}
    for row in rows:
        now = again[row.pk]
        assert (now.status, now.wavespeed_id, now.output_file.name) == (
            Status.COMPLETED, row.wavespeed_id, row.output_file.name)
        assert (now.finished_at, now.error) == (row.finished_at, "")
    assert stored_files(stack) == sorted(Path(row.output_file.path) for row in rows)


def test_a_delivery_whose_input_is_not_the_rows_is_refused(client, fake, live_server):
    video = VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": "a quiet fox"})
    from django.utils import timezone

    import wavevid

    now = timezone.now()
    sent = wavevid.SubmissionUncertainError.before_sending(
        "lightricks/ltx-2-fast/text-to-video",
        {"prompt": "a quiet fox", "duration": 6, "generate_audio": True},
        submitted_at=now, answered_by=now,
    )
    assert VideoJob.objects.start_submit(video.pk, sent)
    news = {"id": "0123456789abcdef", "status": "completed", "outputs": ["https://x.example/v"]}

    other = deliver(live_server, video.pk, {**news, "input": {"prompt": "a loud fox"}},
                    fake.webhook_secret)
    bare = deliver(live_server, video.pk, news, fake.webhook_secret)
    assert other.status_code == bare.status_code == 400
    assert VideoJob.objects.get(pk=video.pk).status == Status.SUBMITTING

    ours = {**news, "input": {"prompt": "a quiet fox", "duration": 6.0, "generate_audio": True}}
    response = deliver(live_server, video.pk, ours, fake.webhook_secret)
    assert (response.status_code, response.json()) == (200, {"changed": True})
    video.refresh_from_db()
    assert (video.status, video.wavespeed_id) == (Status.COMPLETED, "0123456789abcdef")


def test_three_finish_tasks_at_once_store_one_file(client, fake, stack):
    from videos.models import Outcome
    from videos.tasks import enqueue, finish

    job = fake.client().submit("ltx-2-fast", prompt="a fox fetched thrice").wait(timeout=10)
    video = VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": "fetched"})
    VideoJob.objects.record(video.pk, Outcome.from_job(job))  # completed, no file yet
    fake.add_fault(Fault("download", delay=0.5, times=None))  # the three overlap
    for _ in range(3):
        assert enqueue(finish, video.pk)

    (row,) = wait_for([video.pk])
    time.sleep(1)  # the two later copies end too

    assert stored_files(stack) == [Path(row.output_file.path)]  # one file: the row's
    assert Path(row.output_file.path).read_bytes() == fake.video_for(job.id)


def test_a_download_is_enqueued_once_the_webhooks_transaction_commits(client, fake, stack):
    # Under ATOMIC_REQUESTS the webhook view runs in the request's transaction: a finish task
    # enqueued before its commit would find the row still running, and skip it.
    fake.script_jobs(JobScript(outcome="never"))
    job = fake.client().submit("ltx-2-fast", prompt="a fox in a long request")
    video = VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": "x"},
                                    status=Status.RUNNING, wavespeed_id=job.id)
    fake.finish(job.id)
    news = {"id": job.id, "status": "completed", "input": fake.jobs[job.id].input,
            "outputs": [f"{fake.url}/outputs/{job.id}.mp4"]}
    body = json.dumps(news).encode()

    with transaction.atomic():  # what ATOMIC_REQUESTS wraps the view in
        response = client.post(reverse("videos:webhook", args=[video.pk]), body,
                               content_type="application/json",
                               headers=sign(body, fake.webhook_secret))
        assert response.json() == {"changed": True}
        time.sleep(1)  # the rest of a slow request, before its commit
    committed = time.monotonic()

    (row,) = wait_for([video.pk], timeout=30)
    assert time.monotonic() - committed < 3  # its own finish task, not the sweep's, later
    assert Path(row.output_file.path).read_bytes() == fake.video_for(job.id)
