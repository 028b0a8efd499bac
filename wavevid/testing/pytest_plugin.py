"""Pytest fixtures for testing code that uses wavevid, offline.

Enable in a ``conftest.py``::

    pytest_plugins = ["wavevid.testing.pytest_plugin"]

Then every test runs without ``WAVESPEED_*`` and ``WAVEVID_*`` variables (so a developer's real
key can never be used), and may ask for:

- ``fake_wavespeed``: a running :class:`~wavevid.testing.FakeWaveSpeed` (fast jobs), stopped
  after the test;
- ``wavevid_client``: a :class:`wavevid.Client` bound to it, polling every FAKE_POLL_INTERVAL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import wavevid
from wavevid.testing import FakeWaveSpeed

#: How long a fake job processes, in seconds: long enough to be polled, short enough for tests.
FAKE_PROCESSING_SECONDS = 0.05
#: The client's fixed poll interval against the fake (real schedules follow the catalog's
#: expected times, which are tens of seconds).
FAKE_POLL_INTERVAL = 0.01


@pytest.fixture(autouse=True)
def _wavevid_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("WAVESPEED_", "WAVEVID_")):
            monkeypatch.delenv(name)


@pytest.fixture
def fake_wavespeed() -> Iterator[FakeWaveSpeed]:
    """A FakeWaveSpeed on 127.0.0.1 whose jobs finish in FAKE_PROCESSING_SECONDS."""
    with FakeWaveSpeed(processing_seconds=FAKE_PROCESSING_SECONDS) as fake:
        yield fake


@pytest.fixture
def wavevid_client(fake_wavespeed: FakeWaveSpeed) -> Iterator[wavevid.Client]:
    """A Client talking to ``fake_wavespeed``, closed after the test."""
    with wavevid.Client(
        api_key=fake_wavespeed.api_key,
        base_url=fake_wavespeed.url,
        poll_interval=FAKE_POLL_INTERVAL,
    ) as client:
        yield client
