"""Ctrl-C during a submit's round trip: the job may exist, so the interrupt carries what a person
needs to look for it, and the command exits 5 (uncertain), not 130."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from wavevid import cli
from wavevid.testing import FakeWaveSpeed, Fault

MODEL = "lightricks/ltx-2-fast/text-to-video"

pytestmark = pytest.mark.usefixtures("ctrl_c_raises")


def press_ctrl_c_in(seconds: float) -> threading.Timer:
    """A real SIGINT to this process after ``seconds``: it interrupts the blocked read."""
    timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_an_interrupted_submit_carries_the_model_and_fingerprint(
    fake_wavespeed: FakeWaveSpeed,
) -> None:
    fake_wavespeed.add_fault(Fault("submit", delay=2.0))  # the job exists; the answer is late
    client = fake_wavespeed.client()
    timer = press_ctrl_c_in(0.2)
    with pytest.raises(KeyboardInterrupt) as raised:
        client.submit("ltx-2-fast", prompt="a fox, interrupted")
    timer.join()
    interrupt = raised.value
    assert interrupt.model == MODEL  # type: ignore[attr-defined]
    assert len(interrupt.fingerprint) == 64  # type: ignore[attr-defined]
    assert interrupt.submitted_at.tzinfo is not None  # type: ignore[attr-defined]
    assert not hasattr(interrupt, "job_id")  # the answer never came
    assert len(fake_wavespeed.jobs) == 1


def test_the_command_exits_5_with_how_to_look(
    fake_wavespeed: FakeWaveSpeed, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake_wavespeed.url)
    fake_wavespeed.add_fault(Fault("submit", delay=2.0))
    timer = press_ctrl_c_in(0.2)
    code = cli.main(["submit", "ltx-2-fast", "--prompt", "a fox, interrupted"])
    timer.join()
    err = capsys.readouterr().err
    assert code == 5
    assert f"wavevid jobs --model {MODEL}" in err
    assert "fingerprint" in err
    assert "never resubmit" in err


def test_ctrl_c_anywhere_else_exits_130(
    fake_wavespeed: FakeWaveSpeed, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake_wavespeed.url)
    fake_wavespeed.add_fault(Fault("any", delay=2.0))
    timer = press_ctrl_c_in(0.2)
    code = cli.main(["balance"])
    timer.join()
    assert code == 130
