"""The command's messages speak the command line, where the library's speak Python
(wavevid.cli.failures): ``--file image=frame.png``, ``set WAVESPEED_API_KEY``,
``wavevid wait ID``, ``--timeout``; nothing is sent before any of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavevid.testing import FakeWaveSpeed, Fault, JobScript

from .conftest import Run

PYTHON_WORDS = ("pathlib", "Client(", "client.", "generate(", "keyword argument")


def assert_no_python(err: str) -> None:
    assert not [word for word in PYTHON_WORDS if word in err], err


def test_a_missing_key_names_the_variable(fake_wavespeed: FakeWaveSpeed, run: Run) -> None:
    code, _, err = run("balance")
    assert code == 2
    assert err == "wavevid: no API key: set WAVESPEED_API_KEY (keys: https://wavespeed.ai/accesskey)\n"


@pytest.mark.parametrize(
    ("command", "advice"),
    [("submit", "to upload a local image: --file image=frame.png"),
     ("quote", "give a URL: a quote uploads nothing")],
)
def test_a_file_name_given_as_a_param_points_to_the_file_option(
    cli_fake: FakeWaveSpeed, run: Run, command: str, advice: str
) -> None:
    code, _, err = run(command, "ltx-2-fast-i2v", "zoom", "--param", "image=frame.png")
    assert code == 2
    assert err == ("wavevid: invalid parameter for ltx-2-fast-i2v: image: 'frame.png' is not"
                   f" a URL; {advice}\n")
    assert cli_fake.requests == []


@pytest.mark.parametrize(
    ("model", "key", "which"),
    [("ltx-2-fast", "duration", "ltx-2-fast takes no files; a URL goes in --param"),
     ("ltx-2-fast-i2v", "imgae", "ltx-2-fast-i2v's media parameters: image")],
    ids=["not-media", "a-typo"],
)
def test_a_file_for_a_parameter_that_is_not_media_says_so(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path, model: str, key: str, which: str
) -> None:
    frame = tmp_path / "frame.png"
    frame.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    code, _, err = run("submit", model, "zoom", "--file", f"{key}={frame}")
    problem = f"{key}: not a media parameter, so --file cannot upload to it ({which})"
    assert code == 2
    assert err.endswith(f" {problem}\n")  # once: the typo leaves image required, too
    assert err.count(problem) == 1
    assert cli_fake.requests == []


@pytest.mark.parametrize(
    ("command", "hint"),
    [("generate", "did you mean the option --timeout?"),
     ("submit", "ltx-2-fast takes: prompt, duration, generate_audio")],  # submit has no --timeout
)
def test_a_param_named_like_an_option_points_to_the_flag(
    cli_fake: FakeWaveSpeed, run: Run, command: str, hint: str
) -> None:
    code, _, err = run(command, "ltx-2-fast", "a fox", "--param", "timout=3")
    assert code == 2
    assert err == f"wavevid: invalid parameter for ltx-2-fast: timout: unknown parameter; {hint}\n"
    assert cli_fake.requests == []


def test_a_deadline_says_how_to_resume_on_the_command_line(
    cli_fake: FakeWaveSpeed, run: Run
) -> None:
    cli_fake.script_jobs(JobScript("never"))
    code, _, err = run("generate", "ltx-2-pro", "x", "--timeout", "0.2", "--quiet")
    (job_id,) = cli_fake.jobs
    assert code == 4
    assert err == (f"wavevid: job {job_id} not finished after 0.2 s; it still runs on WaveSpeed;"
                   f" resume: wavevid wait {job_id} -o FILE\n")


def test_problems_the_command_cannot_say_better_stay_as_they_are(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    code, _, err = run("submit", "ltx-2-fast-i2v", "zoom", "--file",
                       f"image={tmp_path / 'missing.png'}", "--param", "duraton=6")
    assert code == 2
    assert "image: no such file: " in err
    assert "duraton: unknown parameter; did you mean 'duration'?" in err
    assert_no_python(err)


def test_a_failed_download_says_how_to_download_again(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    cli_fake.add_fault(Fault("download", status=404))
    code, _, err = run("generate", "ltx-2-fast", "x", "-o", str(tmp_path / "v.mp4"), "--quiet")
    (job_id,) = cli_fake.jobs
    assert code == 1
    assert err.endswith(f"; job {job_id} completed: wavevid wait {job_id} -o FILE downloads it"
                        " again\n")
    assert_no_python(err)
