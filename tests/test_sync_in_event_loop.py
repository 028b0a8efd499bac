"""The sync client on a thread whose asyncio event loop runs: ``Client.generate`` would block
the loop, so it warns once, at the caller's line, pointing at ``AsyncClient``; never without a
running loop, nor under an IPython kernel (whose loop runs during every cell)."""

from __future__ import annotations

import asyncio
import sys
import types
import warnings

import pytest

import wavevid
from wavevid.testing import FakeWaveSpeed


def test_the_sync_client_warns_once_when_it_would_block_a_running_loop(
    fake: FakeWaveSpeed,
) -> None:
    client = fake.client()

    def generate() -> None:
        client.generate("ltx-2-fast", prompt="a fox")

    async def in_a_loop() -> None:
        generate()

    def about_the_loop() -> list[warnings.WarningMessage]:
        return [w for w in caught if "event loop" in str(w.message)]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generate()
        assert not about_the_loop()  # no loop runs on this thread
        asyncio.run(in_a_loop())
        asyncio.run(in_a_loop())  # once per process
    [warning] = about_the_loop()
    assert issubclass(warning.category, wavevid.WavevidWarning)
    assert "AsyncClient" in str(warning.message)
    assert warning.filename == __file__  # the caller's line


def test_no_warning_under_an_ipython_kernel(
    fake: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Jupyter kernel's loop runs while every cell does: blocking there is the norm."""
    kernel = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    client = fake.client()

    async def in_a_cell() -> None:
        client.generate("ltx-2-fast", prompt="a fox")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(in_a_cell())
    assert not [w for w in caught if "event loop" in str(w.message)]
