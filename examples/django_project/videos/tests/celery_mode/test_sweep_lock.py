"""One sweep at a time, site-wide: while one holds PostgreSQL's advisory lock, every other
sweep, the workers' (Celery beat's, every half second here) and this process's, does nothing."""

from __future__ import annotations

import datetime as dt
import time

import psycopg
from django.utils import timezone

from videos.models import Status, VideoJob
from videos.sweep import LOCK_KEY, run
from videos.tests.celery_mode.helpers import MARKS, submits, wait_for
from videos.wavevid_client import get_worker_client

pytestmark = MARKS


def test_no_sweep_runs_while_another_holds_the_lock(fake, postgres_database):
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    with psycopg.connect(postgres_database, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])  # a sweep under way elsewhere
        video = VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": "lost"})
        VideoJob.objects.filter(pk=video.pk).update(updated_at=hour_ago)  # its message lost

        assert run(get_worker_client()) == {"busy": 1}
        time.sleep(2)  # four of beat's sweeps come and go

        assert VideoJob.objects.get(pk=video.pk).updated_at == hour_ago  # nobody touched it
        assert submits(fake) == []
    (row,) = wait_for([video.pk])  # the lock let go: the next sweep enqueues it

    assert row.status == Status.COMPLETED
    assert len(submits(fake)) == 1
