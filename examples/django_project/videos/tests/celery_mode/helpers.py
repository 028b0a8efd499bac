"""Helpers of Celery mode's tests: rows in, settled rows out, the fake's traffic counted."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from videos.models import Status, VideoJob
from videos.tests.helpers import create
from wavevid.testing import FakeWaveSpeed

MARKS = [pytest.mark.xdist_group("celery"), pytest.mark.django_db(transaction=True)]
"""Every Celery-mode test: on the xdist worker that holds the servers; committed rows."""


def create_rows(client, count: int, prefix: str = "row") -> list[str]:
    """``count`` videos through the create view (202 each, enqueued), distinct prompts."""
    ids = []
    for number in range(count):
        response = create(client, prompt=f"{prefix} {number}")
        assert response.status_code == 202, response.content
        ids.append(response.json()["id"])
    return ids


def settled(video: VideoJob) -> bool:
    """Completed with its file, or in a state only a person changes."""
    if video.status == Status.COMPLETED:
        return bool(video.output_file)
    return video.status in (Status.UNCERTAIN, Status.REJECTED, Status.FAILED)


def wait_for(ids: Iterable[str], done: Callable[[VideoJob], bool] = settled,
             timeout: float = 60) -> list[VideoJob]:
    """The rows, once every one is ``done``; AssertionError with the stragglers after
    ``timeout`` seconds."""
    wanted = list(ids)
    deadline = time.monotonic() + timeout
    while True:
        rows = list(VideoJob.objects.filter(pk__in=wanted))
        waiting = [row for row in rows if not done(row)]
        if not waiting and len(rows) == len(wanted):
            return rows
        if time.monotonic() > deadline:
            shown = ", ".join(f"{row.pk}: {row.status}" for row in waiting[:5])
            raise AssertionError(f"{len(waiting)} rows not done after {timeout} s: {shown}")
        time.sleep(0.1)


def submits(fake: FakeWaveSpeed) -> list:
    """The submit requests the fake received (429s included)."""
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith("-to-video")]


def stored_files(stack) -> list[Path]:
    """The files under MEDIA_ROOT/videos/."""
    return sorted((stack.media / "videos").iterdir())


def assert_completed_once(rows: list[VideoJob], fake: FakeWaveSpeed) -> None:
    """Each row completed with its own job (its input is the row's), and the file of that
    job, byte for byte; no job serves two rows."""
    assert len({row.wavespeed_id for row in rows}) == len(rows)
    for row in rows:
        assert row.status == Status.COMPLETED, (row.pk, row.status, row.error)
        assert fake.jobs[row.wavespeed_id].input["prompt"] == row.input["prompt"]
        assert Path(row.output_file.path).read_bytes() == fake.video_for(row.wavespeed_id)
