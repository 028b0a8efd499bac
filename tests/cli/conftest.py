"""Fixtures for the command's tests: a fake the command talks to, and a way to run it."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

import wavevid
from wavevid.cli import inputs, main
from wavevid.testing import FakeWaveSpeed

#: The once-per-model warning about an unverified entry; ``run`` leaves it out of stderr (the
#: built-in entries are unverified; tests/cli/test_main.py tests the warning itself).
UNVERIFIED = "parameters not verified against WaveSpeed's live schema"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli_fake(fake_wavespeed: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch) -> FakeWaveSpeed:
    """The plugin's fake, with the command's client pointed at it (through the environment) and
    polling fast instead of on the catalog's real expected times."""
    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake_wavespeed.url)

    def fast_client(arguments: argparse.Namespace) -> wavevid.Client:
        return wavevid.Client(catalog_paths=arguments.catalog, poll_interval=0.01)

    monkeypatch.setattr(inputs, "client_for", fast_client)
    return fake_wavespeed


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """run(*argv) -> (exit code, stdout, stderr less the warning about unverified entries)."""

    def run_command(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        err = "".join(line for line in captured.err.splitlines(True) if UNVERIFIED not in line)
        return code, captured.out, err

    return run_command
