"""WaveSpeed's account limits (issue 11's: 2 jobs at once, 4 starts a minute, the minute
shortened to 2 s here): every 429 becomes a task retry after ``Retry-After``, nobody waits in a
worker slot, and all rows complete."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest

from videos.tests.celery_mode.helpers import (
    MARKS,
    assert_completed_once,
    create_rows,
    submits,
    wait_for,
)

pytestmark = MARKS
WINDOW = 2.0


@pytest.mark.parametrize(
    "fake",
    [{"max_concurrency": 2, "starts_per_minute": 4, "start_window_seconds": WINDOW,
      "processing_seconds": 0.2}],
    indirect=True,
)
def test_50_rows_within_the_account_limits(client, fake, record_property):
    ids = create_rows(client, 50, "limited")

    rows = wait_for(ids, timeout=120)

    assert_completed_once(rows, fake)
    attempts = defaultdict(list)
    for request in submits(fake):
        attempts[request.json["prompt"]].append(request.at)
    refused = sum(len(times) - 1 for times in attempts.values())  # all but the last: 429
    assert len(fake.jobs) == 50
    assert len(submits(fake)) == 50 + refused
    gaps = [later - earlier for times in attempts.values() for earlier, later in
            itertools.pairwise(times)]
    assert not gaps or min(gaps) >= 1.0  # Retry-After (at least 1 s) was waited out, off-slot
    windows = (max(r.at for r in submits(fake)) - min(r.at for r in submits(fake))) / WINDOW
    assert refused <= 50 * (windows + 1)  # each waiting row knocks once a window at most
    record_property("429s", refused)
    print(f"50 rows, 4 starts per {WINDOW:g} s window: {refused} submits answered 429")
