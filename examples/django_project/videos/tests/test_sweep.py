"""Celery mode's sweep (videos/sweep.py) on SQLite, its tasks run in this process: rows that keep
failing never hold the others back, a slow sweep stops within its budget, and sweeps never pile
up. (One sweep at a time, with PostgreSQL's lock: celery_mode/test_sweep_lock.py.)"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings as django_settings
from django.utils import timezone

from videos.models import JOB_GONE, Status, VideoJob
from videos.sweep import run
from videos.wavevid_client import get_worker_client
from wavevid.testing import Fault, JobScript


def running_rows(fake, count: int, prefix: str) -> list[VideoJob]:
    """Rows whose jobs run at WaveSpeed, not heard of for an hour."""
    rows = []
    for number in range(count):
        job = fake.client().submit("ltx-2-fast", prompt=f"{prefix} {number}")
        rows.append(VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": "x"},
                                            status=Status.RUNNING, wavespeed_id=job.id))
    return rows


def test_rows_that_keep_failing_never_starve_the_others(fake, eager_celery, settings):
    settings.VIDEO_TASKS = {**settings.VIDEO_TASKS, "SWEEP_LIMIT": 2, "REFRESH_SECONDS": 0.1}
    fake.script_jobs(JobScript(outcome="never"))
    fake.webhook_drop = True
    gone = [VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": f"old {n}"},
                                    status=Status.RUNNING, wavespeed_id=f"{n:032x}")
            for n in range(2)]  # past WaveSpeed's 7 days: 404
    failing = running_rows(fake, 2, "unlucky")
    for row in failing:  # every check of these jobs fails
        fake.add_fault(Fault("poll", status=500, times=None, job_id=row.wavespeed_id))
    (lost,) = running_rows(fake, 1, "lost webhook")
    fake.finish(lost.wavespeed_id)
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    for order, row in enumerate([*gone, *failing, lost]):  # the lost one last in line
        VideoJob.objects.filter(pk=row.pk).update(updated_at=hour_ago + dt.timedelta(seconds=order))

    assert run(get_worker_client()) == {"gone": 2}
    time.sleep(0.2)
    assert run(get_worker_client()) == {"errors": 2}
    time.sleep(0.2)
    assert run(get_worker_client()) == {"refreshed": 1, "errors": 1}

    lost.refresh_from_db()
    assert lost.status == Status.COMPLETED
    assert lost.output_file  # its finish task ran
    for row in gone:
        row.refresh_from_db()
        assert (row.status, row.error) == (Status.FAILED, JOB_GONE)


def test_a_slow_sweep_stops_within_its_budget(fake, eager_celery, settings):
    settings.VIDEO_TASKS = {**settings.VIDEO_TASKS, "REFRESH_SECONDS": 0.1,
                            "SWEEP_BUDGET_SECONDS": 1.0}
    fake.script_jobs(JobScript(outcome="never"))
    rows = running_rows(fake, 8, "slowly checked")
    fake.add_fault(Fault("poll", delay=0.4, times=None))  # WaveSpeed answers slowly
    time.sleep(0.2)

    started = time.monotonic()
    counts = run(get_worker_client())

    assert time.monotonic() - started < 2.5  # the budget, and one call's time past it
    assert counts["over budget"] == 1
    assert 2 <= counts["refreshed"] < len(rows)


def test_sweeps_expire_instead_of_piling_up():
    beat = django_settings.CELERY_BEAT_SCHEDULE["sweep-videos"]
    period = django_settings.VIDEO_TASKS["SWEEP_SECONDS"]
    assert beat["schedule"] == period
    assert 0 < beat["options"]["expires"] <= period  # one not started within it is dropped
    assert django_settings.VIDEO_TASKS["SWEEP_BUDGET_SECONDS"] <= period
