"""The job commands (wavevid.cli.jobs): generate, submit, status, jobs and balance, against
FakeWaveSpeed. Their failures and exit codes, and ``wait`` after a deadline: test_exit_codes.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from wavevid.testing import FakeWaveSpeed, JobScript

from .conftest import Run


def test_generate_saves_the_video_and_reports(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    output = tmp_path / "fox.mp4"
    code, out, err = run(
        "generate", "ltx-2-fast", "--prompt", "a fox", "--param", "duration=10",
        "--param", "generate_audio=no", "-o", str(output),
    )
    assert (code, err) == (0, "")
    (job,) = cli_fake.jobs.values()
    assert output.read_bytes() == cli_fake.video_for(job.id)
    assert job.input == {"prompt": "a fox", "duration": 10, "generate_audio": False}
    assert out.splitlines() == [
        f"saved {output}",
        f"job {job.id}",
        "estimated cost: $0.40 (an estimate; WaveSpeed's bill is the truth)",
    ]


def test_generate_uploads_files(cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    code, _, err = run(
        "generate", "ltx-2-fast-i2v", "--prompt", "zoom", "--file", f"image={image}",
        "-o", str(tmp_path / "v.mp4"),
    )
    assert (code, err) == (0, "")
    (job,) = cli_fake.jobs.values()
    assert job.input["image"].startswith(cli_fake.url)


def test_generate_takes_a_list_of_loras_as_json_and_an_audio_file(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path
) -> None:
    loras = [{"path": "https://example.com/ink.safetensors", "scale": 0.8}]
    code, _, err = run(
        "generate", "ltx-2.3-lora", "--prompt", "a paper boat",
        "--param", f"loras={json.dumps(loras)}", "-o", str(tmp_path / "boat.mp4"),
    )
    assert (code, err) == (0, "")
    voice = tmp_path / "voice.wav"
    voice.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(24))
    code, _, err = run(
        "generate", "ltx-2.3-lipsync", "--file", f"audio={voice}",
        "-o", str(tmp_path / "talk.mp4"),
    )
    assert (code, err) == (0, "")
    lora_job, lipsync_job = cli_fake.jobs.values()
    assert lora_job.input["loras"] == loras
    assert lipsync_job.input["audio"].startswith(cli_fake.url)


def test_submit_status_and_jobs(cli_fake: FakeWaveSpeed, run: Run) -> None:
    code, out, _ = run("submit", "ltx2-pro", "--prompt", "x")
    job_id = out.strip()
    assert code == 0
    assert job_id in cli_fake.jobs
    cli_fake.finish(job_id)
    code, out, _ = run("status", job_id, "--json")
    status = json.loads(out)
    assert (code, status["status"], status["model"]) == (
        0, "completed", "lightricks/ltx-2-pro/text-to-video"
    )
    code, out, _ = run("status", job_id)
    assert "status: completed" in out
    code, out, _ = run("jobs", "--model", "ltx-2-pro")
    assert code == 0
    assert out.startswith(f"{job_id}  completed")


def test_balance(cli_fake: FakeWaveSpeed, run: Run) -> None:
    cli_fake.balance = 7.5
    assert run("balance")[:2] == (0, "$7.50\n")


def test_wait_downloads_to_the_name_generate_would_give(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    job_id = cli_fake.client().submit("ltx2-fast", prompt="x").id
    cli_fake.finish(job_id)
    code, out, err = run("wait", job_id, "--quiet")
    assert (code, err) == (0, "")
    (saved,) = tmp_path.iterdir()
    assert re.fullmatch(r"ltx-2-fast-\d{8}-\d{6}\.mp4", saved.name)  # the catalog name
    assert saved.read_bytes() == cli_fake.video_for(job_id)
    assert out.splitlines()[:2] == [f"saved {saved.resolve()}", f"job {job_id} completed"]


def test_wait_no_download_only_waits(
    cli_fake: FakeWaveSpeed, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    job_id = cli_fake.client().submit("ltx-2-fast", prompt="x").id
    cli_fake.finish(job_id)
    code, out, _ = run("wait", job_id, "--no-download")
    assert code == 0
    assert out.splitlines() == [f"job {job_id} completed", f"output: {cli_fake.url}/outputs/"
                                f"{job_id}.mp4"]
    assert list(tmp_path.iterdir()) == []
    downloads = [r for r in cli_fake.requests if r.path.startswith("/outputs/")]
    assert downloads == []
    code, _, err = run("wait", job_id, "--no-download", "-o", "x.mp4")
    assert code == 2
    assert "-o and --no-download contradict each other" in err


def test_status_prints_one_output_per_line(cli_fake: FakeWaveSpeed, run: Run) -> None:
    outputs = ["https://cdn.example/a.mp4?sig=secret", "https://cdn.example/b.mp4"]
    cli_fake.script_jobs(JobScript(outputs=outputs))
    job_id = cli_fake.client().submit("ltx-2-fast", prompt="x").id
    cli_fake.finish(job_id)
    code, out, _ = run("status", job_id)
    assert code == 0
    assert out.splitlines()[-2:] == [
        "output: https://cdn.example/a.mp4?***", "output: https://cdn.example/b.mp4"
    ]
    assert "[" not in out


def test_jobs_shows_times_in_utc_with_the_zone(cli_fake: FakeWaveSpeed, run: Run) -> None:
    job_id = cli_fake.client().submit("ltx-2-fast", prompt="x").id
    code, out, _ = run("jobs")
    assert code == 0
    (row,) = out.splitlines()
    created = cli_fake.jobs[job_id].created_at  # the fake's own record, in UTC
    shown = created.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    assert row == f"{job_id}  processing {shown}  lightricks/ltx-2-fast/text-to-video"
