"""What every command shares (wavevid.cli.main): ``python -m wavevid``, and warnings on stderr
as one line each."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wavevid.cli import main
from wavevid.testing import FakeWaveSpeed

from .conftest import UNVERIFIED


def test_python_dash_m_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wavevid", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("wavevid ")


@pytest.mark.filterwarnings("default::wavevid.UnverifiedModelWarning")  # as users see it
def test_warnings_reach_stderr_as_one_line_each(
    cli_fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "version: 1\nmodels:\n  cli-unverified:\n    extends: ltx-2-fast\n"
        "    path: me/cli-unverified\n    verified: false\n"
    )
    cli_fake.add_model({"model_id": "me/cli-unverified"})  # the fake serves only what it lists
    assert main(["--catalog", str(folder), "submit", "cli-unverified", "--prompt", "x"]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"wavevid: cli-unverified: {UNVERIFIED}; a request may be rejected or priced"
        " differently. Check with `wavevid catalog diff cli-unverified` (needs WAVESPEED_API_KEY)\n"
    )
