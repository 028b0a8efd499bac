"""Celery mode's submit task (videos/tasks.py) on SQLite, run in this process: the window it
commits before its POST holds the job, its waits stay below what would deliver them twice, and
a refused account leaves rows queued instead of rejecting them."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection

import wavevid
from videos.models import Status, VideoJob
from videos.sweep import run
from videos.tasks import capped, submit
from videos.wavevid_client import get_worker_client
from wavevid.testing import Fault


def queued(prompt: str) -> VideoJob:
    return VideoJob.objects.create(model_name="ltx-2-fast", input={"prompt": prompt})


def test_the_window_committed_before_the_post_carries_the_servers_clock(fake, eager_celery):
    # A new worker process knows nothing of WaveSpeed's clock: it asks once, before its first
    # start, so that the window a sweep searches after a crash follows WaveSpeed's clock.
    row = queued("a fox on a machine with its own clock")

    assert submit.apply(args=[str(row.pk)]).get() == "submitted"

    row.refresh_from_db()
    offset = row.uncertain["clock_offset"]
    # The fake's Date header is to the second: a measured offset is within (-1, 0], and 0.0
    # exactly only with a chance of one in a million.
    assert -1.0 < offset < 0.0
    paths = [request.path for request in fake.requests]
    assert paths.index("/api/v3/balance") < paths.index(f"/api/v3/{row.model_path}")


def hold_the_database(seconds: float) -> threading.Thread:
    """Another connection holds SQLite's write lock for ``seconds``: an UPDATE waits."""
    locked = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait(5)
    return thread


def test_a_slow_start_never_lets_the_post_outlive_the_window(fake, eager_celery, settings):
    settings.WAVEVID = {**settings.WAVEVID, "CALL_TIMEOUT": 2}
    row = queued("a fox behind a slow database")
    get_worker_client().balance()  # the clock is known: no request before the start
    holder = hold_the_database(3.0)  # the start's UPDATE waits 3 s of the submit's 2

    assert submit.apply(args=[str(row.pk)]).get() == "submitted"  # (the retry's answer)
    holder.join()

    row.refresh_from_db()
    window = wavevid.SubmissionUncertainError.from_dict(row.uncertain)
    (job,) = fake.jobs.values()
    assert window.submitted_at <= job.created_at <= window.answered_at


def test_no_wait_is_long_enough_to_be_delivered_twice():
    options = django_settings.VIDEO_TASKS
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    limit = min(visibility, options["REQUEUE_SECONDS"])
    waits = [options["RETRY_SECONDS"] * 2**failures for failures in range(options["MAX_RETRIES"])]
    assert max(waits) > limit  # the doubling alone would pass it
    assert all(capped(wait) < limit for wait in [*waits, 3600.0])  # a Retry-After of an hour


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_account_leaves_the_rows_queued(fake, eager_celery, settings, status):
    refusal = fake.add_fault(Fault("submit", status=status, times=2))
    rows = [queued("a fox, key revoked"), queued("another fox, key revoked")]
    for row in rows:
        assert submit.apply(args=[str(row.pk)]).get() == "account refused"
    assert refusal.hits == 2

    for row in rows:  # nothing was created: queued, not rejected, with the reason shown
        row.refresh_from_db()
        assert (row.status, row.submit_started_at, row.uncertain) == (
            Status.SUBMITTING, None, None)
        assert f"waiting for the account: HTTP {status}" in row.error
    settings.VIDEO_TASKS = {**settings.VIDEO_TASKS, "REQUEUE_SECONDS": 0.01}
    time.sleep(0.05)

    assert run(get_worker_client()) == {"requeued": 2}  # fixed: the sweep sends them again

    assert {VideoJob.objects.get(pk=row.pk).wavespeed_id for row in rows} == set(fake.jobs)
    assert len(fake.jobs) == 2
