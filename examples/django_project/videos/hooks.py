"""Crash points for the tests of Celery mode: a worker killed at a chosen line."""

from __future__ import annotations

import os
import signal
from pathlib import Path


def crash_point(point: str, pk: object) -> None:
    """For the tests only (``VIDEOS_TEST_HOOKS`` names a folder): write this process's id, and
    die here, as a killed worker would, once a file named ``<point>-<pk>`` asks for it."""
    folder = os.environ.get("VIDEOS_TEST_HOOKS")
    if not folder:
        return
    Path(folder, f"{pk}.pid").write_text(str(os.getpid()))
    trigger = Path(folder, f"{point}-{pk}")
    if trigger.exists():
        trigger.unlink()
        os.kill(os.getpid(), signal.SIGKILL)
