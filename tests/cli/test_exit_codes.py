"""Every exit code of the command (wavevid.cli.exit_codes) and what it says on stderr with it,
against FakeWaveSpeed; and the table in docs/cli.md, which must be the code's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wavevid.cli.exit_codes import ExitCode
from wavevid.testing import FakeWaveSpeed, Fault, JobScript

from .conftest import Run

CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
TABLE_ROW = re.compile(r"\|\s*(\d+)\s*\|")


def documented_exit_codes() -> list[int]:
    """The codes of the table under docs/cli.md's ``## Exit codes``, in order."""
    text = CLI_DOC.read_text("utf-8")
    section = text.split("\n## Exit codes\n", 1)[1].split("\n## ", 1)[0]
    return [int(row[1]) for line in section.splitlines() if (row := TABLE_ROW.match(line))]


def test_docs_cli_md_shows_every_exit_code_and_no_other() -> None:
    assert documented_exit_codes() == [code.value for code in ExitCode]


def test_a_bad_lora_list_exits_2_naming_each_place(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    weights = tmp_path / "ink.safetensors"
    weights.write_bytes(b"weights")
    loras = '[{"path": "ink.safetensors", "scale": 9}, {"scale": 1}]'
    code, _, err = run("submit", "ltx-2-19b-lora", "--prompt", "x", "--param", f"loras={loras}")
    assert code == 2
    assert "loras[0].path: 'ink.safetensors' is not a URL" in err
    assert "loras[0].scale: 9 is above the maximum 4" in err
    assert "loras[1].path: is required" in err
    code, _, err = run("submit", "ltx-2-19b-lora", "--prompt", "x",
                       "--param", "loras=[{path: x}]")
    assert code == 2
    assert "loras: '[{path: x}]' is not valid JSON" in err
    code, _, err = run("submit", "ltx-2-19b-lora", "--prompt", "x", "--file", f"loras={weights}")
    assert code == 2
    assert "loras: not a media parameter, so --file cannot upload to it" in err
    assert cli_fake.requests == []


def test_a_parameter_typo_exits_2_naming_it_and_what_is_allowed(
    cli_fake: FakeWaveSpeed, run: Run
) -> None:
    code, _, err = run("generate", "ltx-2-fast", "--prompt", "x", "--param", "duraton=8")
    assert code == 2
    assert "duraton: unknown parameter; did you mean 'duration'?" in err
    code, _, err = run("generate", "ltx-2-fast", "--prompt", "x", "--param", "duration=7")
    assert code == 2
    assert "duration: 7 is not one of 6, 8, 10, 12, 14, 16, 18, 20" in err
    code, _, err = run("submit", "ltx-2-fast", "--prompt", "x", "--param", "duration=six")
    assert code == 2
    assert "duration: 'six' is not an integer" in err
    assert cli_fake.jobs == {}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["submit", "ltx-2-fsat", "--prompt", "x"], "did you mean 'ltx-2-fast'"),
        (["submit", "ltx-2-fast", "--param", "novalue"], "--param takes KEY=VALUE"),
        (["generate", "ltx-2-fast", "--prompt", "x", "-o", "/nowhere/at/all.mp4"], "/nowhere"),
    ],
)
def test_usage_errors_exit_2(
    cli_fake: FakeWaveSpeed, run: Run, argv: list[str], words: str
) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert words in err
    assert cli_fake.jobs == {}


def test_a_missing_key_exits_2(fake_wavespeed: FakeWaveSpeed, run: Run) -> None:
    code, _, err = run("balance")
    assert code == 2
    assert "no API key" in err


def test_a_failed_job_exits_1(cli_fake: FakeWaveSpeed, run: Run) -> None:
    cli_fake.script_jobs(JobScript("failed", code=1200, error="content moderation"))
    code, _, err = run("generate", "ltx-2-fast", "--prompt", "x", "--quiet")
    assert code == 1
    (job_id,) = cli_fake.jobs
    assert err.strip() == f"wavevid: job {job_id} failed (code 1200): content moderation"


def test_a_remote_error_exits_1(cli_fake: FakeWaveSpeed, run: Run) -> None:
    cli_fake.add_fault(Fault("any", status=403))
    code, _, err = run("balance")
    assert code == 1
    assert err.startswith("wavevid: HTTP 403")


def test_a_deadline_exits_4_with_the_job_id_then_wait_finishes_it(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    cli_fake.script_jobs(JobScript("never"))
    code, _, err = run("generate", "ltx-2-pro", "--prompt", "x", "--timeout", "0.2")
    (job_id,) = cli_fake.jobs
    assert code == 4
    assert f"wavevid wait {job_id} -o FILE" in err
    cli_fake.finish(job_id)
    output = tmp_path / "later.mp4"
    code, out, _ = run("wait", job_id, "-o", str(output))
    assert code == 0
    assert output.read_bytes() == cli_fake.video_for(job_id)
    assert f"job {job_id} completed" in out


def test_an_uncertain_submit_exits_5(cli_fake: FakeWaveSpeed, run: Run) -> None:
    cli_fake.add_fault(Fault("submit", drop=True))
    code, _, err = run("submit", "ltx-2-fast", "--prompt", "x")
    assert code == 5
    assert "may have been accepted" in err
    assert "wavevid jobs --model lightricks/ltx-2-fast/text-to-video" in err


def test_an_unidentified_generate_lists_its_candidates_and_exits_5(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    colleague = cli_fake.client().submit("ltx-2-fast", prompt="twin")  # same input, same window
    cli_fake.add_fault(Fault("submit", drop=True))
    code, _, err = run("generate", "ltx-2-fast", "--prompt", "twin", "--timeout", "0.5",
                       "-o", str(tmp_path / "twin.mp4"), "--quiet")
    assert code == 5
    assert "none identified" in err
    assert all(f"  {job_id}  " in err for job_id in cli_fake.jobs)
    assert colleague.id in cli_fake.jobs
    assert len(cli_fake.jobs) == 2
    assert "never resubmit" in err


def test_debug_adds_the_traceback(cli_fake: FakeWaveSpeed, run: Run) -> None:
    cli_fake.add_fault(Fault("any", status=403))
    code, _, err = run("--debug", "balance")
    assert code == 1
    assert "Traceback (most recent call last)" in err
