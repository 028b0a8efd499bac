"""Fixtures of the example's plain tests (SQLite, no servers) that exercise Celery mode's code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def eager_celery(settings) -> Iterator[object]:
    """Celery mode, its tasks run in this process when enqueued (``task_always_eager``): for
    the rules of the tasks and the sweep, not for delivery (videos/tests/celery_mode/ runs real
    workers)."""
    from videosite.celery import app

    settings.VIDEO_TASKS = {**settings.VIDEO_TASKS, "CELERY": True}
    app.conf.task_always_eager = True
    try:
        yield app
    finally:
        app.conf.task_always_eager = False
