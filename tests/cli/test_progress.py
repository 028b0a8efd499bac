"""The command's progress bar (wavevid.cli.progress): drawn at a terminal, never elsewhere."""

from __future__ import annotations

import time
from pathlib import Path

from wavevid.cli.progress import ProgressBar
from wavevid.testing import FakeWaveSpeed

from .conftest import Run


def test_the_progress_bar_draws_only_at_a_terminal(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    code, _, err = run("generate", "ltx-2-fast", "--prompt", "x", "-o", str(tmp_path / "a.mp4"))
    assert (code, err) == (0, "")  # stderr is captured here, not a terminal: nothing drawn


def test_the_progress_bar_at_a_terminal() -> None:
    class Terminal:
        def __init__(self) -> None:
            self.text = ""

        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            self.text += text
            return len(text)

        def flush(self) -> None:
            pass

    terminal = Terminal()
    with ProgressBar(stream=terminal) as bar:  # type: ignore[arg-type]
        bar(0.0, "queued")
        bar(0.5, "processing (10 s of about 20 s)")
        time.sleep(0.01)
        bar(1.0, "done")
    assert "processing (10 s of about 20 s)" in terminal.text
    assert "100%" in terminal.text
    with ProgressBar(stream=terminal, quiet=True) as quiet:  # type: ignore[arg-type]
        quiet(0.5, "nothing drawn")
    assert "nothing drawn" not in terminal.text
