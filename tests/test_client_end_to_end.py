"""The Client end to end against FakeWaveSpeed: generate, submit, wait, download, upload,
batches, recovery, history, balance. Its configuration: test_client_configuration.py."""

from __future__ import annotations

import io
import os
import pickle
import signal
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import wavevid
from wavevid import errors
from wavevid.testing import FakeWaveSpeed, Fault, JobScript

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client_for(fake: FakeWaveSpeed, **options: Any) -> wavevid.Client:
    return wavevid.Client(api_key=fake.api_key, base_url=fake.url, poll_interval=0.01, **options)


# The required parameters, and every media parameter as a local file (each one is uploaded).
def input_for(model: wavevid.Model, tmp_path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in [*model.required, *model.media]:
        if name in model.media:
            values[name] = tmp_path / f"{name}.bin"
            values[name].write_bytes(PNG)
        else:
            values[name] = "a red fox in the snow"
    return values


BUILTIN = [model.name for model in wavevid.load_catalog(environment=False)]


@pytest.mark.parametrize("name", BUILTIN)
def test_generate_every_builtin_model_byte_exact(
    name: str,
    wavevid_client: wavevid.Client,
    fake_wavespeed: FakeWaveSpeed,
    tmp_path: Path,
) -> None:
    model = wavevid_client.catalog.get(name)
    output = tmp_path / "out.mp4"
    result = wavevid_client.generate(name, input_for(model, tmp_path), output_path=output)
    assert output.read_bytes() == fake_wavespeed.video_for(result.job_id)
    assert result.path == output
    assert result.read() == fake_wavespeed.video_for(result.job_id)
    assert result.model_path == model.path
    (job,) = fake_wavespeed.jobs.values()
    assert job.model == model.path
    assert job.input == result.parameters
    for parameter in model.media:
        assert str(result.parameters[parameter]).startswith(fake_wavespeed.url)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_generate_in_memory(wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed) -> None:
    result = wavevid_client.generate("ltx-2-fast", prompt="waves", duration=10)
    assert result.read() == fake_wavespeed.video_for(result.job_id)
    assert result.path is None
    assert result.estimated_cost == Decimal("0.40")
    assert result.parameters == {"prompt": "waves", "duration": 10, "generate_audio": True}


@pytest.mark.parametrize(
    ("outcome", "code", "retryable"),
    [("failed", 1402, False), ("cancelled", None, False), ("timeout", 5004, True)],
)
def test_remote_failures_raise_job_failed(
    wavevid_client: wavevid.Client,
    fake_wavespeed: FakeWaveSpeed,
    outcome: str,
    code: int | None,
    retryable: bool,
) -> None:
    fake_wavespeed.script_jobs(JobScript(outcome, code=code, error="it went wrong"))  # type: ignore[arg-type]
    with pytest.raises(errors.JobFailedError) as raised:
        wavevid_client.generate("ltx-2-fast", prompt="x")
    error = raised.value
    assert (error.status, error.retryable) == (outcome, retryable)
    assert error.job_id in fake_wavespeed.jobs
    if code is not None:
        assert error.code == code
    assert pickle.loads(pickle.dumps(error)).job_id == error.job_id


def test_a_timed_out_wait_is_finished_from_a_fresh_client(
    fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    fake_wavespeed.script_jobs(JobScript("never"))
    with pytest.raises(errors.JobTimeoutError) as raised:
        client_for(fake_wavespeed).generate("ltx-2-pro", prompt="x", timeout=0.2)
    job_id = raised.value.job_id
    assert isinstance(raised.value, TimeoutError)
    assert job_id in str(raised.value)
    fake_wavespeed.finish(job_id)
    fresh = client_for(fake_wavespeed)
    job = fresh.get_job(job_id).wait(timeout=5)
    assert job.succeeded
    assert job.model_name == "ltx-2-pro"
    saved = fresh.download(job, tmp_path / "resumed.mp4")
    assert saved.read_bytes() == fake_wavespeed.video_for(job_id)


def test_get_job_then_download(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    job = wavevid_client.submit("ltx-2-pro", prompt="x")
    assert job.status == "created"
    assert not job.done
    same = wavevid_client.get_job(job.id).wait(timeout=5)
    path = wavevid_client.download(same, tmp_path / "video.mp4")
    assert path.read_bytes() == fake_wavespeed.video_for(job.id)


def test_get_job_refuses_what_is_not_an_id(wavevid_client: wavevid.Client) -> None:
    with pytest.raises(ValueError, match="not a WaveSpeed job id"):
        wavevid_client.get_job("../balance")


def test_a_cut_download_is_resumed(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    fake_wavespeed.add_fault(Fault("download", cut_after=1000))
    result = wavevid_client.generate("ltx-2-fast", prompt="x", output_path=tmp_path / "v.mp4")
    assert result.read() == fake_wavespeed.video_for(result.job_id)
    ranges = [r.header("Range") for r in fake_wavespeed.requests if r.path.startswith("/outputs")]
    assert ranges == [None, "bytes=1000-"]


def test_a_short_download_leaves_nothing_behind(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    target = tmp_path / "v.mp4"
    target.write_bytes(b"the previous video")
    fake_wavespeed.add_fault(Fault("download", short_by=100, times=None))
    with pytest.raises(errors.DownloadError):
        wavevid_client.generate("ltx-2-fast", prompt="x", output_path=target)
    assert target.read_bytes() == b"the previous video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]


def test_an_unwritable_output_folder_fails_before_any_submit(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    with pytest.raises(errors.DownloadError):
        wavevid_client.generate("ltx-2-fast", prompt="x", output_path=tmp_path / "no" / "v.mp4")
    assert fake_wavespeed.requests == []


def test_a_str_path_is_refused_for_media_while_a_path_is_uploaded(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(PNG)
    with pytest.raises(errors.InvalidParametersError) as raised:
        wavevid_client.submit("ltx-2-fast-i2v", prompt="x", image=str(image))
    assert raised.value.errors[0].parameter == "image"
    assert fake_wavespeed.requests == []  # nothing uploaded, nothing submitted
    job = wavevid_client.submit("ltx-2-fast-i2v", prompt="x", image=image)
    url = fake_wavespeed.jobs[job.id].input["image"]
    assert url.startswith(fake_wavespeed.url)
    import requests

    assert requests.get(url, timeout=5).content == PNG


def test_bytes_and_file_objects_are_uploaded_too(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    for source in (PNG, io.BytesIO(PNG)):
        job = wavevid_client.submit("ltx-2-fast-i2v", prompt="x", image=source)
        assert fake_wavespeed.jobs[job.id].input["image"].startswith(fake_wavespeed.url)


def test_validation_happens_before_any_upload(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(PNG)
    with pytest.raises(errors.InvalidParametersError):
        wavevid_client.submit("ltx-2-fast-i2v", image=image, duration=7)
    assert fake_wavespeed.requests == []


def test_progress_through_generate(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    seen: list[tuple[float, str]] = []
    wavevid_client.generate(
        "ltx-2-fast", prompt="x", progress_callback=lambda f, m: seen.append((f, m))
    )
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert fractions.count(1.0) == 1
    assert any(message.startswith("downloading") for _, message in seen)


def test_generate_video_returns_the_original_plans_dict(
    fake_wavespeed: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake_wavespeed.url)
    monkeypatch.setenv("WAVEVID_POLL_INTERVAL", "0.01")
    seen: list[float] = []
    info = wavevid.generate_video(
        "a red fox in snow", model="hunyuan-video-1.5", duration=5, resolution="720p",
        negative_prompt=None, seed=None, progress_callback=lambda f, m: seen.append(f),
    )
    assert info["video_bytes"] == fake_wavespeed.video_for(info["job_id"])
    assert info["prompt"] == "a red fox in snow"
    assert info["duration"] == 5
    assert info["model_name"] == "hunyuan-video-1.5"
    assert info["model_path"] == "wavespeed-ai/hunyuan-video-1.5/text-to-video"
    assert info["cost"] == Decimal("0.20")
    assert info["seed"] == -1
    assert info["parameters"] == {"prompt": "a red fox in snow", "resolution": "720p",
                                  "duration": 5, "seed": -1}
    assert info["job_id"] in fake_wavespeed.jobs
    assert info["video_url"].endswith(".mp4")
    assert info["has_nsfw_contents"] == [False]
    assert info["elapsed_seconds"] > 0
    assert set(info) == {
        "video_bytes", "video_url", "outputs", "prompt", "duration", "model_name", "model_path",
        "job_id", "parameters", "seed", "cost", "elapsed_seconds", "has_nsfw_contents",
    }
    assert seen[-1] == 1.0


def test_generate_many_keeps_order_and_isolates_a_failure(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    fake_wavespeed.script_jobs(JobScript("failed", code=1200, when={"prompt": "boom"}))
    requests = [
        {"model": "ltx-2-fast", "input": {"prompt": "one"}},
        {"model": "ltx-2-fast", "input": {"prompt": "boom"}},
        {"model": "ltx-2-pro", "input": {"prompt": "three"}},
        {"model": "ltx-2-fast", "input": {"prompt": "four", "duration": 5}},
    ]
    items = wavevid_client.generate_many(requests, max_workers=3)
    assert [item.request for item in items] == requests
    assert [item.ok for item in items] == [True, False, True, False]
    assert isinstance(items[1].error, errors.JobFailedError)
    assert items[1].job_id in fake_wavespeed.jobs
    assert isinstance(items[3].error, errors.InvalidParametersError)
    assert items[3].job_id is None
    assert items[0].result is not None
    assert items[0].result.parameters["prompt"] == "one"
    assert len(fake_wavespeed.jobs) == 3


@pytest.mark.usefixtures("ctrl_c_raises")
def test_generate_many_interrupted_reports_the_submitted_jobs(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    fake_wavespeed.script_jobs(JobScript("never"))
    interrupted = threading.Event()

    def progress(index: int, fraction: float, message: str) -> None:
        # Ctrl-C reaches the main thread, blocked waiting for the workers.
        if len(fake_wavespeed.jobs) == 2 and not interrupted.is_set():
            interrupted.set()
            os.kill(os.getpid(), signal.SIGINT)

    requests = [{"model": "ltx-2-fast", "input": {"prompt": str(n)}} for n in range(6)]
    with pytest.raises(KeyboardInterrupt) as raised:
        wavevid_client.generate_many(requests, max_workers=2, progress_callback=progress)
    assert sorted(raised.value.job_ids) == sorted(fake_wavespeed.jobs)  # type: ignore[attr-defined]
    assert len(fake_wavespeed.jobs) == 2


def test_find_submission_recovers_a_dropped_submit(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    wavevid_client.submit("ltx-2-fast", prompt="another job")
    fake_wavespeed.add_fault(Fault("submit", drop=True, when={"prompt": "paid"}))
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        wavevid_client.submit("ltx-2-fast", prompt="paid", duration=8)
    found = wavevid_client.find_submission(raised.value)
    assert found is not None
    assert fake_wavespeed.jobs[found.id].input["prompt"] == "paid"
    assert found.wait(timeout=5).succeeded


def test_find_submission_returns_none_when_nothing_matches(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    fake_wavespeed.add_fault(Fault("submit", status=None, drop=True))
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        wavevid_client.submit("ltx-2-fast", prompt="x")
    fake_wavespeed.reset()  # the job is gone from the history
    assert wavevid_client.find_submission(raised.value) is None


def test_list_jobs_pages_lazily(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    ids = [wavevid_client.submit("ltx-2-fast", prompt=str(n)).id for n in range(5)]
    jobs = list(wavevid_client.list_jobs(model="ltx-2-fast", page_size=2))
    assert [job.id for job in jobs] == list(reversed(ids))
    pages = [r.json["page"] for r in fake_wavespeed.requests if r.path == "/api/v3/predictions"]
    assert pages == [1, 2, 3]
    assert jobs[0].payload is None  # history items carry no input (the documented shape)


def test_a_path_outside_the_catalog_is_sent_unvalidated(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    # A listed model without a request schema: the fake keeps every key.
    fake_wavespeed.add_model({"model_id": "vendor/brand-new-model"})
    with pytest.warns(wavevid.UnvalidatedInputWarning, match="not in the catalog") as caught:
        job = wavevid_client.submit("vendor/brand-new-model", input={"prompt": "x", "anything": 3})
    assert caught[0].filename == __file__  # attributed to the caller's line, not wavevid's
    assert fake_wavespeed.jobs[job.id].model == "vendor/brand-new-model"
    assert fake_wavespeed.jobs[job.id].input == {"prompt": "x", "anything": 3}
    with pytest.raises(errors.UnknownModelError):
        wavevid_client.submit("brand-new-model", prompt="x")


def test_validate_false_still_fills_defaults(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    job = wavevid_client.submit("ltx-2-fast", {"prompt": "x", "duration": 7}, validate=False)
    sent = fake_wavespeed.jobs[job.id].input
    assert sent == {"prompt": "x", "duration": 7, "generate_audio": True}


def test_sync_mode_returns_a_finished_job(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    job = wavevid_client.submit("ltx-2-fast", prompt="x", sync=True)
    assert job.succeeded
    assert fake_wavespeed.jobs[job.id].input["enable_sync_mode"] is True


def test_sync_mode_falls_back_to_polling(fake_wavespeed: FakeWaveSpeed) -> None:
    with FakeWaveSpeed(sync_timeout_seconds=0.1) as fake:
        fake.script_jobs(JobScript("never"))
        client = client_for(fake)
        job = client.submit("ltx-2-fast", prompt="x", sync=True)
        assert job.status == "processing"
        fake.finish(job.id)
        assert job.wait(timeout=5).succeeded


def test_input_and_keywords_must_not_overlap(wavevid_client: wavevid.Client) -> None:
    with pytest.raises(TypeError, match="prompt"):
        wavevid_client.submit("ltx-2-fast", {"prompt": "a"}, prompt="b")


def test_webhook_url_goes_in_the_query(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    job = wavevid_client.submit("ltx-2-fast", prompt="x", webhook_url="https://example.com/hook?a=1")
    assert fake_wavespeed.jobs[job.id].webhook == "https://example.com/hook?a=1"


def test_webhook_secret(wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed) -> None:
    assert wavevid_client.webhook_secret() == fake_wavespeed.webhook_secret


def test_a_failed_download_names_the_completed_job(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    fake_wavespeed.add_fault(Fault("download", status=404, times=None))
    with pytest.raises(errors.DownloadError) as raised:
        wavevid_client.generate("ltx-2-fast", prompt="x", output_path=tmp_path / "v.mp4")
    (job_id,) = fake_wavespeed.jobs
    assert raised.value.job_id == job_id


def test_wait_reports_done_once(wavevid_client: wavevid.Client) -> None:
    seen: list[tuple[float, str]] = []
    job = wavevid_client.submit("ltx-2-fast", prompt="x")
    job.wait(timeout=5, progress_callback=lambda f, m: seen.append((f, m)))
    assert seen[-1] == (1.0, "done")
    assert [f for f, _ in seen].count(1.0) == 1


def test_balance(wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed) -> None:
    fake_wavespeed.balance = 12.34
    assert wavevid_client.balance() == Decimal("12.34")
