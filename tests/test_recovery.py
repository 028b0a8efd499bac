"""Recovery across processes: what one process started, another finishes, from ids and
``SubmissionUncertainError.to_dict()`` alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import wavevid
from wavevid import errors
from wavevid.testing import FakeWaveSpeed, Fault, JobScript


def environment(fake: FakeWaveSpeed) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WAVESPEED_", "WAVEVID_"))}
    return {**clean, "WAVESPEED_API_KEY": fake.api_key, "WAVESPEED_BASE_URL": fake.url}


def test_a_timed_out_wait_is_finished_by_wavevid_wait_in_a_new_process(
    fake_wavespeed: FakeWaveSpeed, wavevid_client: wavevid.Client, tmp_path: Path
) -> None:
    fake_wavespeed.script_jobs(JobScript("never"))
    with pytest.raises(errors.JobTimeoutError) as raised:
        wavevid_client.generate("ltx-2-fast", prompt="slow", output_path=tmp_path / "a.mp4",
                                timeout=0.2)
    job_id = raised.value.job_id
    assert not (tmp_path / "a.mp4").exists()
    fake_wavespeed.finish(job_id)
    output = tmp_path / "finished.mp4"
    done = subprocess.run(
        [sys.executable, "-m", "wavevid", "wait", job_id, "-o", str(output), "--quiet"],
        env=environment(fake_wavespeed), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert output.read_bytes() == fake_wavespeed.video_for(job_id)
    assert f"job {job_id} completed" in done.stdout


RESOLVE = """
import json, sys, wavevid
error = wavevid.SubmissionUncertainError.from_dict(json.loads(sys.argv[1]))
job = wavevid.Client().find_submission(error)
print(job.id if job else "none")
"""


def test_an_uncertain_submit_is_resolved_from_a_new_process(
    fake_wavespeed: FakeWaveSpeed, wavevid_client: wavevid.Client
) -> None:
    fake_wavespeed.add_fault(Fault("submit", drop=True))
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        wavevid_client.submit("ltx-2-pro", prompt="paid for, maybe", duration=8)
    error = raised.value
    # What a process would have stored (a database row, a task's state): one JSON document.
    stored = json.dumps(error.to_dict())
    done = subprocess.run(
        [sys.executable, "-c", RESOLVE, stored],
        env=environment(fake_wavespeed), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    (job_id,) = fake_wavespeed.jobs
    assert done.stdout.strip() == job_id
