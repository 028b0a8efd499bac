"""Fixtures for the fake's own tests (the fakes themselves come from the wavevid plugin's
``fake``, ``make_fake_wavespeed`` and ``@pytest.mark.wavevid_fake``: see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests


@pytest.fixture
def api() -> Iterator[requests.Session]:
    """A session that sends the fake's default key, for talking to the fake directly."""
    with requests.Session() as session:
        session.headers["Authorization"] = "Bearer test-key"
        yield session
