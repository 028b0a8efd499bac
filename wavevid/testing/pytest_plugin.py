"""Pytest fixtures for testing code that uses wavevid, offline.

Enable in a ``conftest.py``::

    pytest_plugins = ["wavevid.testing.pytest_plugin"]

Then every test runs without ``WAVESPEED_*`` and ``WAVEVID_*`` variables (so a developer's real
key can never be used), and may ask for:

- ``fake_wavespeed``: a running :class:`~wavevid.testing.FakeWaveSpeed` (fast jobs), stopped
  after the test;
- ``make_fake_wavespeed``: ``make_fake_wavespeed(**options)`` starts one more, stopped after the
  test, for a test that needs several or builds one itself;
- ``wavevid_client``: ``fake_wavespeed.client()``, a :class:`wavevid.Client` bound to it.

A test configures its fakes with ``@pytest.mark.wavevid_fake(**options)``, ``FakeWaveSpeed``'s
keyword options (on the test, its class, or a module's ``pytestmark``; the closest marker wins
option by option, and ``make_fake_wavespeed``'s own options win over all). A test during which
a fake dropped body keys (keys the model does not know, which the real service drops silently
and bills the defaults for) fails at teardown, naming them, unless it is marked
``@pytest.mark.wavevid_allow_dropped_keys``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

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
#: The marker whose keyword arguments are ``FakeWaveSpeed`` options for the test's fakes.
FAKE_OPTIONS = "wavevid_fake"

MakeFakeWaveSpeed = Callable[..., FakeWaveSpeed]
"""The type of the ``make_fake_wavespeed`` fixture: ``(**options) -> FakeWaveSpeed``."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers."""
    config.addinivalue_line(
        "markers",
        f"{ALLOW_DROPPED_KEYS}(reason): the test may send body keys the fake's model does not "
        "know (wavevid's fake_wavespeed fixture fails it otherwise)",
    )
    config.addinivalue_line(
        "markers",
        f"{FAKE_OPTIONS}(**options): FakeWaveSpeed options for the test's fake_wavespeed and "
        "make_fake_wavespeed (the closest marker wins, option by option)",
    )


@pytest.fixture(autouse=True)
def _wavevid_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("WAVESPEED_", "WAVEVID_")):
            monkeypatch.delenv(name)


@pytest.fixture
def make_fake_wavespeed(request: pytest.FixtureRequest) -> Iterator[MakeFakeWaveSpeed]:
    """``make_fake_wavespeed(**options)``: start a FakeWaveSpeed with ``options`` over the
    test's ``wavevid_fake`` markers over ``processing_seconds=FAKE_PROCESSING_SECONDS``; every
    fake made is stopped after the test, which then fails when any of them dropped body keys,
    unless marked ``wavevid_allow_dropped_keys``."""
    marked = _marked_options(request.node)
    fakes: list[FakeWaveSpeed] = []

    def make(**options: Any) -> FakeWaveSpeed:
        fake = FakeWaveSpeed(**{**marked, **options})
        fakes.append(fake.start())
        return fake

    yield make
    for fake in fakes:
        fake.stop()
    if request.node.get_closest_marker(ALLOW_DROPPED_KEYS) is None:
        _fail_on_dropped_keys(fakes)


@pytest.fixture
def fake_wavespeed(make_fake_wavespeed: MakeFakeWaveSpeed) -> FakeWaveSpeed:
    """A FakeWaveSpeed on 127.0.0.1, configured by the test's ``wavevid_fake`` markers (jobs
    finish in FAKE_PROCESSING_SECONDS unless they say otherwise), stopped after the test; the
    test fails at teardown when the fake dropped body keys, unless marked
    ``wavevid_allow_dropped_keys``."""
    return make_fake_wavespeed()


@pytest.fixture
def wavevid_client(fake_wavespeed: FakeWaveSpeed) -> Iterator[wavevid.Client]:
    """``fake_wavespeed.client()``: a Client bound to the fake, closed after the test."""
    with fake_wavespeed.client() as client:
        yield client


def _marked_options(node: pytest.Item) -> dict[str, Any]:
    """The plugin's defaults under the ``wavevid_fake`` markers' options, closest last."""
    options: dict[str, Any] = {"processing_seconds": FAKE_PROCESSING_SECONDS}
    for marker in reversed(list(node.iter_markers(FAKE_OPTIONS))):
        if marker.args:
            raise TypeError(f"@pytest.mark.{FAKE_OPTIONS} takes keyword options only")
        options.update(marker.kwargs)
    return options


def _fail_on_dropped_keys(fakes: list[FakeWaveSpeed]) -> None:
    dropped = [d for fake in fakes for d in fake.dropped_keys]
    if not dropped:
        return
    lines = [f"  job {d.job_id} ({d.model}): {', '.join(d.keys)}" for d in dropped]
    pytest.fail(
        "the fake dropped body keys its models do not know (the real service drops them "
        "silently and runs the job with its defaults):\n" + "\n".join(lines) + "\n"
        f"Send only the model's parameters, or mark the test @pytest.mark.{ALLOW_DROPPED_KEYS}"
        "(reason=...).",
        pytrace=False,
    )
