"""200 rows through two Celery workers (4 pool processes each), on Redis and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from videos.models import VideoJob
from videos.tests.celery_mode.helpers import (
    MARKS,
    assert_completed_once,
    create_rows,
    stored_files,
    submits,
    wait_for,
)

pytestmark = MARKS


def test_200_rows_complete_once_each_through_two_workers(client, fake, stack):
    ids = create_rows(client, 200)

    rows = wait_for(ids, timeout=90)

    assert_completed_once(rows, fake)
    assert len(submits(fake)) == len(fake.jobs) == 200
    assert VideoJob.objects.exclude(pk__in=ids).count() == 0
    stored = sorted(Path(row.output_file.path) for row in rows)
    assert stored_files(stack) == stored  # one file per row, no copy left behind
