"""Celery mode's fixtures: real Redis, PostgreSQL and ``celery worker`` processes.

For this package, the test process's database is a PostgreSQL test database (the rest of the
example's tests keep SQLite), and the workers are pointed at it: every test is
``transaction=True``, so what a test commits the workers see, and what they commit the test
sees. FakeWaveSpeed listens on one port for the whole package (the workers' environment names
it), a new fake per test; its webhooks reach pytest-django's live server in this process.

Under pytest-xdist all of it runs on one worker (``xdist_group``, with ``--dist loadgroup``):
one set of servers and Celery processes, not one per xdist worker. Without redis-server or
PostgreSQL the tests are skipped, and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from videos.tests.servers import CeleryProcess, Postgres, Redis, free_port, missing, wait_until
from wavevid.testing import FakeWaveSpeed

TIMINGS = {  # the sweep's ages, in seconds, shortened so that a test waits for each in seconds
    "VIDEOS_SWEEP_SECONDS": "0.5",
    "VIDEOS_REQUEUE_SECONDS": "5",  # countdowns are capped at half of it (MAX_COUNTDOWN)
    "VIDEOS_LOOK_SECONDS": "1",
    "VIDEOS_UNCERTAIN_SECONDS": "4",
    "VIDEOS_REFRESH_SECONDS": "3",
    "VIDEOS_RETRY_SECONDS": "0.5",
    "CELERY_VISIBILITY_TIMEOUT": "10",
    "CELERY_RESTORE_INTERVAL": "1",
}


@dataclass
class Stack:
    """The servers and folders one package run shares."""

    redis: Redis
    postgres: Postgres
    folder: Path
    fake_port: int = field(default_factory=free_port)

    @property
    def hooks(self) -> Path:
        return self.folder / "hooks"

    @property
    def media(self) -> Path:
        return self.folder / "media"


@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    lacks = missing()
    if lacks:
        message = "Celery mode's tests need " + ", ".join(lacks)
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="videos-celery-"))
    redis, postgres = Redis(), Postgres()
    try:
        redis.start()
        postgres.start()
        made = Stack(redis, postgres, folder)
        made.hooks.mkdir()
        yield made
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="package", autouse=True)
def postgres_database(stack: Stack, django_db_setup: None, django_db_blocker) -> Iterator[str]:
    """Point this process's ``default`` database at a PostgreSQL test database, migrated, for
    this package; SQLite's comes back after it. Its URL, for the workers."""
    from django.conf import settings
    from django.db import connections
    from django.db.utils import ConnectionHandler
    from videosite.environment import database_from_url

    url = stack.postgres.url("videos")
    sqlite = dict(settings.DATABASES["default"])
    wanted = {**database_from_url(url), "CONN_MAX_AGE": 0, "TEST": {"NAME": "test_videos"}}
    with django_db_blocker.unblock():
        _replace_default(connections, ConnectionHandler().configure_settings({"default": wanted}))
        connections["default"].creation.create_test_db(verbosity=0, serialize=False)
    try:
        yield stack.postgres.url("test_videos")
    finally:
        with django_db_blocker.unblock():
            _replace_default(connections, {"default": sqlite})


def _replace_default(connections, databases: dict) -> None:
    """The same settings dict, new contents: ``connections`` and pytest-django hold it."""
    connections.close_all()
    connections["default"].settings_dict.clear()  # the dict settings.DATABASES holds too
    connections["default"].settings_dict.update(databases["default"])
    del connections["default"]  # this thread's wrapper; other threads make theirs anew


@pytest.fixture(scope="package")
def celery_app(stack: Stack):
    """This process's Celery app (the views and tests enqueue with it) on the test broker."""
    from videosite.celery import app

    app.conf.broker_url = stack.redis.url
    app.conf.broker_transport_options = {"visibility_timeout": 10, "socket_connect_timeout": 2}
    app.conf.broker_connection_retry_on_startup = False
    return app


@dataclass
class Workers:
    """Two ``celery worker`` processes (4 pool processes each) and ``celery beat``."""

    env: dict[str, str]
    folder: Path
    app: object
    workers: list[CeleryProcess] = field(default_factory=list)
    beat: CeleryProcess | None = None

    def start(self) -> Workers:
        for number in range(len(self.workers), 2):
            self.workers.append(CeleryProcess.worker(f"w{number + 1}", self.env, self.folder))
        for worker in self.workers:
            if worker.process is None:
                worker.start()
        if self.beat is None:
            self.beat = CeleryProcess.beat(self.env, self.folder).start()
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        names = {f"w{number + 1}" for number in range(len(self.workers))}

        def all_answer() -> bool:
            answers = self.app.control.ping(timeout=0.5)  # type: ignore[attr-defined]
            return {name.split("@")[0] for answer in answers for name in answer} >= names

        wait_until(all_answer, "the Celery workers", timeout=60)

    def stop(self) -> None:
        for process in [*self.workers, self.beat]:
            if process is not None:
                process.stop()


@pytest.fixture(scope="package")
def workers(stack: Stack, postgres_database: str, live_server, celery_app) -> Iterator[Workers]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAVESPEED_", "WAVEVID_"))}
    env.update(TIMINGS)
    env.update(
        DJANGO_SETTINGS_MODULE="videosite.settings",
        DATABASE_URL=postgres_database,
        CELERY_BROKER_URL=stack.redis.url,
        WAVESPEED_API_KEY="test-key",
        WAVESPEED_BASE_URL=f"http://127.0.0.1:{stack.fake_port}",
        WAVEVID_POLL_INTERVAL="0.01",
        VIDEOSITE_PUBLIC_URL=live_server.url,
        VIDEOSITE_MEDIA_ROOT=str(stack.media),
        VIDEOS_TEST_HOOKS=str(stack.hooks),
        PYTHONWARNINGS="ignore",
    )
    logs = Path(os.environ.get("VIDEOS_CELERY_LOGS") or stack.folder)  # to keep them: a folder
    logs.mkdir(parents=True, exist_ok=True)
    started = Workers(env, logs, celery_app)
    try:
        yield started.start()
    finally:
        started.stop()


@pytest.fixture
def fake(request: pytest.FixtureRequest, stack: Stack) -> Iterator[FakeWaveSpeed]:
    """A new WaveSpeed for each test, on the port the workers know. Indirect parameters are
    FakeWaveSpeed options."""
    options = {"processing_seconds": 0.05, **getattr(request, "param", {})}
    with FakeWaveSpeed(port=stack.fake_port, **options) as fake:
        yield fake


@pytest.fixture(autouse=True)
def wavevid_settings(settings, fake, live_server, workers, stack, celery_app) -> Iterator[dict]:
    """The web side (this process: views and live server) in Celery mode, on the fake; and,
    after the test, an empty queue for the next one."""
    settings.WAVEVID = {
        **settings.WAVEVID,
        "API_KEY": fake.api_key,
        "BASE_URL": fake.url,
        "WEBHOOK_SECRET": None,
        "WEBHOOK_BASE_URL": live_server.url,
    }
    settings.VIDEO_TASKS = {**settings.VIDEO_TASKS, "CELERY": True}
    settings.MEDIA_ROOT = stack.media
    shutil.rmtree(stack.media / "videos", ignore_errors=True)  # each test counts its own files
    yield settings.WAVEVID
    celery_app.control.purge()
    for hook in stack.hooks.iterdir():
        hook.unlink()
