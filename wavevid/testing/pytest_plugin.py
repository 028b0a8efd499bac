"""Pytest fixtures for testing code that uses wavevid, offline.

Enable in a ``conftest.py``::

    pytest_plugins = ["wavevid.testing.pytest_plugin"]

Then every test runs without ``WAVESPEED_*`` and ``WAVEVID_*`` variables (so a developer's real
key can never be used), and may ask for:

- ``fake_wavespeed``: a running :class:`~wavevid.testing.FakeWaveSpeed` (fast jobs), stopped
  after the test. A test that made it drop body keys (keys the model does not know, which the
  real service drops silently and bills the defaults for) fails at teardown, naming them,
  unless it is marked ``@pytest.mark.wavevid_allow_dropped_keys``;
- ``wavevid_client``: ``fake_wavespeed.client()``, a :class:`wavevid.Client` bound to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import wavevid
from wavevid.testing import FakeWaveSpeed

#: How long a fake job processes, in seconds: long enough to be polled, short enough for tests.
FAKE_PROCESSING_SECONDS = 0.05
#: A fixed poll interval for clients that code under test makes itself (``WAVEVID_POLL_INTERVAL``):
#: real schedules follow the catalog's expected times, which are tens of seconds.
FAKE_POLL_INTERVAL = 0.01
#: The marker that lets a test drop body keys without failing.
ALLOW_DROPPED_KEYS = "wavevid_allow_dropped_keys"


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line(
        "markers",
        f"{ALLOW_DROPPED_KEYS}(reason): the test may send body keys the fake's model does not "
        "know (wavevid's fake_wavespeed fixture fails it otherwise)",
    )


@pytest.fixture(autouse=True)
def _wavevid_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("WAVESPEED_", "WAVEVID_")):
            monkeypatch.delenv(name)


@pytest.fixture
def fake_wavespeed(request: pytest.FixtureRequest) -> Iterator[FakeWaveSpeed]:
    """A FakeWaveSpeed on 127.0.0.1 whose jobs finish in FAKE_PROCESSING_SECONDS; the test
    fails at teardown when the fake dropped body keys, unless marked
    ``wavevid_allow_dropped_keys``."""
    with FakeWaveSpeed(processing_seconds=FAKE_PROCESSING_SECONDS) as fake:
        yield fake
    dropped = fake.dropped_keys
    if dropped and request.node.get_closest_marker(ALLOW_DROPPED_KEYS) is None:
        lines = [f"  job {d.job_id} ({d.model}): {', '.join(d.keys)}" for d in dropped]
        pytest.fail(
            "the fake dropped body keys its models do not know (the real service drops them "
            "silently and runs the job with its defaults):\n" + "\n".join(lines) + "\n"
            f"Send only the model's parameters, or mark the test @pytest.mark.{ALLOW_DROPPED_KEYS}"
            "(reason=...).",
            pytrace=False,
        )


@pytest.fixture
def wavevid_client(fake_wavespeed: FakeWaveSpeed) -> Iterator[wavevid.Client]:
    """``fake_wavespeed.client()``: a Client bound to the fake, closed after the test."""
    with fake_wavespeed.client() as client:
        yield client
