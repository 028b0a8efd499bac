"""Celery mode's webhook rules, on SQLite with the tasks run in this process: a row accepts only
news of its own job, and a job another row holds is handed to a person, not answered silently."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.utils import timezone

import wavevid
from videos.models import Outcome, Status, VideoJob
from videos.tasks import submit
from videos.tests.helpers import deliver

LTX_2_FAST = "lightricks/ltx-2-fast/text-to-video"


@pytest.mark.parametrize("status", [Status.SUBMITTING, Status.REJECTED])
def test_a_row_that_sent_nothing_refuses_a_signed_delivery_of_another_job(
    fake, live_server, eager_celery, status
):
    # Queued (or undone after a 429), or rejected after network failures: nothing was sent.
    # Signatures do not cover the URL: a delivery of any job of the account can be replayed.
    foreign = fake.client().submit("ltx-2-fast", prompt="somebody else's cat").wait(timeout=10)
    row = VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": "my fox"},
                                  status=status)
    payload = {"id": foreign.id, "status": "completed", "model": foreign.model,
               "input": {"prompt": "somebody else's cat"}, "outputs": list(foreign.outputs)}

    answer = deliver(live_server, row.pk, payload, fake.webhook_secret)

    assert answer.status_code == 400
    row.refresh_from_db()
    assert (row.status, row.wavespeed_id) == (status, "")
    if status == Status.SUBMITTING:
        assert submit.apply(args=[str(row.pk)]).get() == "submitted"  # its own, later
        row.refresh_from_db()
        assert row.wavespeed_id != foreign.id


def started_row(fake, prompt: str) -> VideoJob:
    """A row whose submit started (its reference committed), with no job known yet."""
    values = {"prompt": prompt}
    body = fake.client().catalog.get("ltx-2-fast").build_payload(values)
    now = timezone.now()
    reference = wavevid.SubmissionUncertainError.before_sending(
        LTX_2_FAST, body, submitted_at=now, answered_by=now + dt.timedelta(seconds=15))
    row = VideoJob.objects.create(model_name="ltx-2-fast", input=values)
    assert VideoJob.objects.start_submit(row.pk, reference)
    return row


@pytest.mark.parametrize("atomic_requests", [False, True])
def test_a_delivery_of_a_job_another_row_holds_goes_to_a_person(
    fake, live_server, eager_celery, monkeypatch, atomic_requests
):
    # The same input twice (a double click): row A adopted job J by its input; J's webhook then
    # comes to row B's URL. Under ATOMIC_REQUESTS the refusal must not break the transaction.
    monkeypatch.setitem(connections.settings["default"], "ATOMIC_REQUESTS", atomic_requests)
    a, b = started_row(fake, "a fox, clicked twice"), started_row(fake, "a fox, clicked twice")
    job = fake.client().submit("ltx-2-fast", prompt="a fox, clicked twice")
    assert VideoJob.objects.record(a.pk, Outcome.from_job(job))
    news = {"id": job.id, "status": "completed", "input": fake.jobs[job.id].input,
            "outputs": [f"{fake.url}/outputs/{job.id}.mp4"]}

    answer = deliver(live_server, b.pk, news, fake.webhook_secret)

    assert (answer.status_code, answer.json()) == (200, {"changed": False, "flagged": True})
    b.refresh_from_db()
    assert (b.status, b.wavespeed_id) == (Status.UNCERTAIN, "")
    assert f"job {job.id} is this row's (delivered to its webhook), but row {a.pk}" in b.error
    assert b.candidates == [{"id": job.id, "held_by": str(a.pk)}]
    a.refresh_from_db()
    assert (a.status, a.wavespeed_id) == (Status.RUNNING, job.id)  # left as it was
