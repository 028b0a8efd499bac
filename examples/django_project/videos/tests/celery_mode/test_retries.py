"""Retries on real workers: a row's 429s (WaveSpeed's start limit) never count against its
network failures, so a row that waited its turn is not rejected by one failed connection."""

from __future__ import annotations

import itertools
import time

from videos.models import Status
from videos.tests.celery_mode.helpers import MARKS, create_rows, submits, wait_for
from videos.tests.servers import wait_until
from wavevid.testing import FakeWaveSpeed, Fault

pytestmark = MARKS


def test_a_row_that_waited_out_eight_429s_survives_a_refused_connection(client, fake, stack):
    limited = fake.add_fault(Fault("submit", status=429, retry_after=1, times=8))
    (pk,) = create_rows(client, 1, "patient")
    wait_until(lambda: limited.hits == 8, "eight 429s", timeout=60)
    fake.stop()  # WaveSpeed unreachable: the next attempt's connection is refused
    time.sleep(3)  # it comes within Retry-After and a second; then every retry fails too

    with FakeWaveSpeed(port=stack.fake_port, processing_seconds=0.05) as again:
        (row,) = wait_for([pk], timeout=30)

        assert (row.status, row.error) == (Status.COMPLETED, "")
        assert len(submits(again)) == len(again.jobs) == 1
    refused = [request.at for request in submits(fake)]
    assert len(refused) == 8  # each 429, then nothing before the restart
    gaps = [later - earlier for earlier, later in itertools.pairwise(refused)]
    # One chain of retries, each after Retry-After and up to a second: never one that ended
    # (Celery's default of 3 retries) for the sweep to start again after REQUEUE_SECONDS.
    assert max(gaps) < 4, gaps
