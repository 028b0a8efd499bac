"""Fixtures for the fake's own tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from wavevid.testing import FakeWaveSpeed

StartFake = Callable[..., FakeWaveSpeed]


@pytest.fixture
def start_fake(request: pytest.FixtureRequest) -> Iterator[StartFake]:
    """start_fake(**options) -> a started FakeWaveSpeed, stopped after the test; its jobs take
    the test module's TICK seconds unless ``processing_seconds`` is given."""
    fakes: list[FakeWaveSpeed] = []
    tick = getattr(request.module, "TICK", 0.05)

    def start(**options: Any) -> FakeWaveSpeed:
        fakes.append(FakeWaveSpeed(**{"processing_seconds": tick, **options}).start())
        return fakes[-1]

    yield start
    for fake in fakes:
        fake.stop()


@pytest.fixture
def fake(start_fake: StartFake) -> FakeWaveSpeed:
    return start_fake()


@pytest.fixture
def api() -> Iterator[requests.Session]:
    """A session that sends the fake's default key, for talking to the fake directly."""
    with requests.Session() as session:
        session.headers["Authorization"] = "Bearer test-key"
        yield session
