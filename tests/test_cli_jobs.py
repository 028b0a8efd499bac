"""The job commands and every exit code, against FakeWaveSpeed."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import wavevid
from wavevid import _cli_jobs
from wavevid.cli import main
from wavevid.testing import FakeWaveSpeed, Fault, JobScript


@pytest.fixture
def fake(fake_wavespeed: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch) -> FakeWaveSpeed:
    """The fake, with the command's client pointed at it (through the environment) and polling
    fast instead of on the catalog's real expected times."""
    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake_wavespeed.url)

    def fast_client(arguments: argparse.Namespace) -> wavevid.Client:
        return wavevid.Client(catalog_paths=arguments.catalog, poll_interval=0.01)

    monkeypatch.setattr(_cli_jobs, "client_for", fast_client)
    return fake_wavespeed


UNVERIFIED = "parameters not verified against WaveSpeed's live schema"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout, and stderr less the once-per-model warning about unverified entries
    (tested on its own below)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    err = "".join(line for line in captured.err.splitlines(True) if UNVERIFIED not in line)
    return code, captured.out, err


def test_generate_saves_the_video_and_reports(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "fox.mp4"
    code, out, err = run(
        capsys, "generate", "ltx-2-fast", "--prompt", "a fox", "--param", "duration=10",
        "--param", "generate_audio=no", "-o", str(output),
    )
    assert (code, err) == (0, "")
    (job,) = fake.jobs.values()
    assert output.read_bytes() == fake.video_for(job.id)
    assert job.input == {"prompt": "a fox", "duration": 10, "generate_audio": False}
    assert out.splitlines() == [
        f"saved {output}",
        f"job {job.id}",
        "estimated cost: $0.40 (an estimate; WaveSpeed's bill is the truth)",
    ]


def test_generate_uploads_files(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    code, _, err = run(
        capsys, "generate", "ltx-2-fast-i2v", "--prompt", "zoom", "--file", f"image={image}",
        "-o", str(tmp_path / "v.mp4"),
    )
    assert (code, err) == (0, "")
    (job,) = fake.jobs.values()
    assert job.input["image"].startswith(fake.url)


def test_generate_takes_a_list_of_loras_as_json_and_an_audio_file(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    loras = [{"path": "https://example.com/ink.safetensors", "scale": 0.8}]
    code, _, err = run(
        capsys, "generate", "ltx-2.3-lora", "--prompt", "a paper boat",
        "--param", f"loras={json.dumps(loras)}", "-o", str(tmp_path / "boat.mp4"),
    )
    assert (code, err) == (0, "")
    voice = tmp_path / "voice.wav"
    voice.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(24))
    code, _, err = run(
        capsys, "generate", "ltx-2.3-lipsync", "--file", f"audio={voice}",
        "-o", str(tmp_path / "talk.mp4"),
    )
    assert (code, err) == (0, "")
    lora_job, lipsync_job = fake.jobs.values()
    assert lora_job.input["loras"] == loras
    assert lipsync_job.input["audio"].startswith(fake.url)


def test_a_bad_lora_list_exits_2_naming_each_place(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    weights = tmp_path / "ink.safetensors"
    weights.write_bytes(b"weights")
    loras = '[{"path": "ink.safetensors", "scale": 9}, {"scale": 1}]'
    code, _, err = run(capsys, "submit", "ltx-2-19b-lora", "--prompt", "x",
                       "--param", f"loras={loras}")
    assert code == 2
    assert "loras[0].path: 'ink.safetensors' is not a URL" in err
    assert "loras[0].scale: 9 is above the maximum 4" in err
    assert "loras[1].path: is required" in err
    code, _, err = run(capsys, "submit", "ltx-2-19b-lora", "--prompt", "x",
                       "--param", "loras=[{path: x}]")
    assert code == 2
    assert "loras: '[{path: x}]' is not valid JSON" in err
    code, _, err = run(capsys, "submit", "ltx-2-19b-lora", "--prompt", "x",
                       "--file", f"loras={weights}")
    assert code == 2
    assert "loras: a local file cannot go here" in err
    assert fake.requests == []


def test_a_parameter_typo_exits_2_naming_it_and_what_is_allowed(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "generate", "ltx-2-fast", "--prompt", "x", "--param", "duraton=8")
    assert code == 2
    assert "duraton: unknown parameter; did you mean 'duration'?" in err
    code, _, err = run(capsys, "generate", "ltx-2-fast", "--prompt", "x", "--param", "duration=7")
    assert code == 2
    assert "duration: 7 is not one of 6, 8, 10, 12, 14, 16, 18, 20" in err
    code, _, err = run(capsys, "submit", "ltx-2-fast", "--prompt", "x", "--param", "duration=six")
    assert code == 2
    assert "duration: 'six' is not an integer" in err
    assert fake.jobs == {}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["submit", "ltx-2-fsat", "--prompt", "x"], "did you mean 'ltx-2-fast'"),
        (["submit", "ltx-2-fast", "--param", "novalue"], "--param takes KEY=VALUE"),
        (["generate", "ltx-2-fast", "--prompt", "x", "-o", "/nowhere/at/all.mp4"], "/nowhere"),
    ],
)
def test_usage_errors_exit_2(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert words in err
    assert fake.jobs == {}


def test_a_missing_key_exits_2(
    fake_wavespeed: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "balance")
    assert code == 2
    assert "no API key" in err


def test_a_failed_job_exits_1(fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]) -> None:
    fake.script_jobs(JobScript("failed", code=1200, error="content moderation"))
    code, _, err = run(capsys, "generate", "ltx-2-fast", "--prompt", "x", "--quiet")
    assert code == 1
    (job_id,) = fake.jobs
    assert err.strip() == f"wavevid: job {job_id} failed (code 1200): content moderation"


def test_a_remote_error_exits_1(fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_fault(Fault("any", status=403))
    code, _, err = run(capsys, "balance")
    assert code == 1
    assert err.startswith("wavevid: HTTP 403")


def test_a_deadline_exits_4_with_the_job_id_then_wait_finishes_it(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake.script_jobs(JobScript("never"))
    code, _, err = run(capsys, "generate", "ltx-2-pro", "--prompt", "x", "--timeout", "0.2")
    (job_id,) = fake.jobs
    assert code == 4
    assert f"wavevid wait {job_id} -o FILE" in err
    fake.finish(job_id)
    output = tmp_path / "later.mp4"
    code, out, _ = run(capsys, "wait", job_id, "-o", str(output))
    assert code == 0
    assert output.read_bytes() == fake.video_for(job_id)
    assert f"job {job_id} completed" in out


def test_an_uncertain_submit_exits_5(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add_fault(Fault("submit", drop=True))
    code, _, err = run(capsys, "submit", "ltx-2-fast", "--prompt", "x")
    assert code == 5
    assert "may have been accepted" in err
    assert "wavevid jobs --model lightricks/ltx-2-fast/text-to-video" in err


def test_an_unidentified_generate_lists_its_candidates_and_exits_5(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    colleague = fake.client().submit("ltx-2-fast", prompt="twin")  # same input, same window
    fake.add_fault(Fault("submit", drop=True))
    code, _, err = run(capsys, "generate", "ltx-2-fast", "--prompt", "twin", "--timeout", "0.5",
                       "-o", str(tmp_path / "twin.mp4"), "--quiet")
    assert code == 5
    assert "none identified" in err
    assert all(f"  {job_id}  " in err for job_id in fake.jobs)
    assert colleague.id in fake.jobs
    assert len(fake.jobs) == 2
    assert "never resubmit" in err


def test_debug_adds_the_traceback(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.add_fault(Fault("any", status=403))
    code, _, err = run(capsys, "--debug", "balance")
    assert code == 1
    assert "Traceback (most recent call last)" in err


def test_submit_status_and_jobs(fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "submit", "ltx2-pro", "--prompt", "x")
    job_id = out.strip()
    assert code == 0
    assert job_id in fake.jobs
    fake.finish(job_id)
    code, out, _ = run(capsys, "status", job_id, "--json")
    status = json.loads(out)
    assert (code, status["status"], status["model"]) == (
        0, "completed", "lightricks/ltx-2-pro/text-to-video"
    )
    code, out, _ = run(capsys, "status", job_id)
    assert "status: completed" in out
    code, out, _ = run(capsys, "jobs", "--model", "ltx-2-pro")
    assert code == 0
    assert out.startswith(f"{job_id}  completed")


def test_balance(fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]) -> None:
    fake.balance = 7.5
    assert run(capsys, "balance")[:2] == (0, "$7.50\n")


def test_demo_runs_offline_and_ignores_a_real_key(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", "sk-a-real-key-that-must-not-be-used")
    monkeypatch.setenv("WAVESPEED_BASE_URL", "https://api.wavespeed.ai")
    monkeypatch.setattr(_cli_jobs, "DEMO_PROCESSING_SECONDS", 0.05)
    monkeypatch.setattr(_cli_jobs, "DEMO_POLL_INTERVAL", 0.01)
    output = tmp_path / "demo.mp4"
    code, out, err = run(capsys, "demo", "-o", str(output))
    assert (code, err) == (0, "")
    assert output.read_bytes()[4:8] == b"ftyp"  # a real MP4
    assert out.startswith("Running offline")
    assert "export WAVESPEED_API_KEY=" in out


def test_show_prints_an_example_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "ltx-2-retake")
    assert code == 0
    assert out.splitlines()[-1].strip() == (
        "wavevid generate ltx-2-retake --file video=./video.mp4 --prompt"
        " 'a red fox running through fresh snow' -o video.mp4"
    )


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


def test_the_progress_bar_draws_only_at_a_terminal(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "generate", "ltx-2-fast", "--prompt", "x", "-o", str(tmp_path / "a.mp4"))
    assert capsys.readouterr().err == ""  # stderr is not a terminal here


def test_the_progress_bar_at_a_terminal(tmp_path: Path) -> None:
    from wavevid._cli_progress import ProgressBar

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


def test_warnings_reach_stderr_as_one_line_each(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "version: 1\nmodels:\n  cli-unverified:\n    extends: ltx-2-fast\n"
        "    path: me/cli-unverified\n    verified: false\n"
    )
    fake.add_model({"model_id": "me/cli-unverified"})  # the fake serves only what it lists
    assert main(["--catalog", str(folder), "submit", "cli-unverified", "--prompt", "x"]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"wavevid: cli-unverified: {UNVERIFIED}; a request may be rejected or priced"
        " differently. Check with `wavevid catalog diff cli-unverified` (needs WAVESPEED_API_KEY)\n"
    )
