"""The offline commands (wavevid.cli.offline): demo and fake-server, which need no key."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

import wavevid
from wavevid.cli import offline

from .conftest import Run


def test_demo_runs_offline_and_ignores_a_real_key(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", "sk-a-real-key-that-must-not-be-used")
    monkeypatch.setenv("WAVESPEED_BASE_URL", "https://api.wavespeed.ai")
    monkeypatch.setattr(offline, "DEMO_PROCESSING_SECONDS", 0.05)
    monkeypatch.setattr(offline, "DEMO_POLL_INTERVAL", 0.01)
    output = tmp_path / "demo.mp4"
    code, out, err = run("demo", "-o", str(output))
    assert (code, err) == (0, "")
    assert output.read_bytes()[4:8] == b"ftyp"  # a real MP4
    assert out.startswith("Running offline")
    assert "export WAVESPEED_API_KEY=" in out


def test_fake_server_serves_in_the_foreground(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "wavevid", "fake-server", "--processing-seconds", "0.05"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.split()[2]
        with wavevid.Client(api_key="test-key", base_url=url) as client:
            assert client.balance() == 100
    finally:
        process.terminate()
        process.wait(timeout=10)


def read_lines(stream: IO[str]) -> queue.Queue[str | None]:
    """The lines of ``stream`` as they come, read by a thread; None at its end."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_fake_server_logs_each_request_and_stops_at_once_on_ctrl_c() -> None:
    key = "sk-fake-server-key-never-logged"
    process = subprocess.Popen(
        [sys.executable, "-m", "wavevid", "fake-server", "--api-key", key],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # Ctrl-C must raise in the server even when this suite runs with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        url = process.stdout.readline().split()[2]
        errors = read_lines(process.stderr)
        client = wavevid.Client(api_key=key, base_url=url)  # left open: a kept-alive connection
        assert client.balance() == 100
        with pytest.raises(wavevid.NotFoundError):
            client.get_job("0" * 32)
        # A request is logged once its answer is written: the client may have it first.
        logged = [errors.get(timeout=10) for _ in range(2)]
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        stopped_after = time.monotonic() - started
        out = process.stdout.read()
    finally:
        process.kill()
        process.wait(timeout=10)
    err = [*logged, *iter(lambda: errors.get(timeout=10), None)]
    assert process.returncode == 0
    assert out.endswith("stopped\n")
    assert stopped_after < 1.5
    assert [str(line).split(" ", 1)[1] for line in err] == [
        "GET /api/v3/balance 200", f"GET /api/v3/predictions/{'0' * 32}/result 404",
    ]
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d .+", str(line)) for line in err)
    assert key not in "\n".join(map(str, err))
