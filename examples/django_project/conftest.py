"""The example's test fixtures: a FakeWaveSpeed that delivers real signed webhooks to Django's
live test server, and ``settings.WAVEVID`` pointing at both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wavevid.testing import FakeWaveSpeed

# Hides every WAVESPEED_* and WAVEVID_* variable from the tests: a developer's real key is
# never used, even though settings.py read the environment before the tests started.
pytest_plugins = ["wavevid.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A database file rather than SQLite's in-memory test database: the live server's threads
    then have connections of their own, as a real server's would."""
    from django.conf import settings

    folder = tmp_path_factory.mktemp("database")
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Iterator[FakeWaveSpeed]:
    """WaveSpeed for one test; its webhooks reach the live server. Indirect parameters are
    FakeWaveSpeed options."""
    options = {"processing_seconds": 0.05, **getattr(request, "param", {})}
    with FakeWaveSpeed(**options) as fake:
        yield fake


@pytest.fixture(autouse=True)
def wavevid_settings(settings, fake, live_server, tmp_path: Path, monkeypatch) -> dict:
    """Every test talks to the fake, and WaveSpeed's webhooks come to the live server. The
    client checks jobs at the fake's pace (loopback: exempt from WaveSpeed's minimum gap)."""
    monkeypatch.setenv("WAVEVID_POLL_INTERVAL", "0.01")
    settings.WAVEVID = {
        **settings.WAVEVID,
        "API_KEY": fake.api_key,
        "BASE_URL": fake.url,
        "WEBHOOK_SECRET": None,  # fetched from the fake, as from WaveSpeed
        "WEBHOOK_BASE_URL": live_server.url,
        "STATUS_TIMEOUT": 1,
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.WAVEVID
