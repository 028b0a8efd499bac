"""Shared fixtures. The wavevid pytest plugin (the one users enable too) clears every
WAVESPEED_* and WAVEVID_* variable, so a developer's real key or catalog folders can never leak
into a test, and provides the fake fixtures (``fake_wavespeed``, ``make_fake_wavespeed``,
``wavevid_client``), configured per test with ``@pytest.mark.wavevid_fake(...)``; ``fake`` is the
suite's short name for ``fake_wavespeed``."""

from __future__ import annotations

import signal
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sleeps import Sleeps

from wavevid.testing import FakeWaveSpeed

pytest_plugins = ["wavevid.testing.pytest_plugin"]

WriteCatalog = Callable[..., Path]


@pytest.fixture
def sleeps() -> Sleeps:
    """A new ``Sleeps``: records the waits asked for, without waiting."""
    return Sleeps()


@pytest.fixture
def fake(fake_wavespeed: FakeWaveSpeed) -> FakeWaveSpeed:
    """The plugin's ``fake_wavespeed``; a module configures it with a ``pytestmark`` of
    ``pytest.mark.wavevid_fake(...)``, a test with that marker."""
    return fake_wavespeed


@pytest.fixture
def write_catalog(tmp_path: Path) -> WriteCatalog:
    """write_catalog(text, folder="user", file="models.yaml") -> the folder, with the
    dedented YAML ``text`` written to ``folder/file`` under tmp_path."""

    def write(text: str, folder: str = "user", file: str = "models.yaml") -> Path:
        directory = tmp_path / folder
        directory.mkdir(exist_ok=True)
        (directory / file).write_text(textwrap.dedent(text), encoding="utf-8")
        return directory

    return write


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt in this test, as in a terminal, even when the suite runs
    where SIGINT is ignored (a job started in the background inherits SIG_IGN, and Python then
    installs no handler)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture(autouse=True)
def _each_test_hears_its_own_warnings() -> None:
    """wavevid warns once per subject per process; a test must not depend on which tests ran
    before it in the same worker, so each starts with nothing warned yet."""
    from wavevid import _warn

    with _warn._lock:
        _warn._given.clear()


@pytest.fixture(autouse=True)
def _secrets_registered_for_good_stay_with_their_test() -> Iterator[None]:
    """``webhooks.sign``/``verify`` redact their secret for the process's life; a property
    test signing with any text (Hypothesis draws words of the code, such as "Authorization")
    must not make a later test in the same worker redact that word. Secrets a test registered
    for good are forgotten after it; secrets held by live clients are left alone."""
    from wavevid import _logging

    registry = _logging._secrets

    def for_good() -> set[str]:
        with registry._lock:
            return {s for s, held in registry._holders.items() if _logging._FOREVER in held}

    before = for_good()
    yield
    with registry._lock:
        for secret in set(registry._holders) - before:
            holders = registry._holders[secret]
            holders.discard(_logging._FOREVER)
            if not holders:
                del registry._holders[secret]
                registry._snapshot = None
