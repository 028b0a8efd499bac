"""FakeWaveSpeed is as strict as the real service: the models it serves, the keys it drops, the
shapes of history, poll answers and errors; each rule has its opt-out, ``strict=False`` all."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests

import wavevid
from wavevid.testing import DroppedKeys, FakeWaveSpeed, Fault, models_from_catalog
from wavevid.testing.pytest_plugin import MakeFakeWaveSpeed

MODEL = "lightricks/ltx-2-fast/text-to-video"
TICK = 0.02
pytestmark = pytest.mark.wavevid_fake(processing_seconds=TICK)
ITEM_KEYS = {"id", "model", "status", "outputs", "created_at", "has_nsfw_contents"}

Json = dict[str, Any]



def submit(fake: FakeWaveSpeed, api: requests.Session, body: Json, model: str = MODEL) -> Any:
    return api.post(f"{fake.url}/api/v3/{model}", json=body, timeout=5)


def history(fake: FakeWaveSpeed, api: requests.Session, **query: Any) -> Json:
    query = {"page": 1, "page_size": 10, **query}
    data: Json = api.post(f"{fake.url}/api/v3/predictions", json=query, timeout=5).json()["data"]
    return data


# Models


def test_an_unknown_model_path_gets_404_and_no_job(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    response = submit(fake, api, {"prompt": "a fox"}, model="lightricks/ltx-2-fast/text-to-vidoe")
    assert response.status_code == 404
    assert response.json() == {
        "code": 404,
        "message": "Not Found",
        "data": {"error": "Model not found: lightricks/ltx-2-fast/text-to-vidoe"},
    }
    assert fake.jobs == {}
    assert submit(fake, api, {"prompt": "a fox"}).status_code == 200


@pytest.mark.parametrize("options", [{"strict": False}, {"known_models_only": False}])
def test_any_path_is_served_when_asked(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session, options: Json
) -> None:
    fake = make_fake_wavespeed(**options)
    response = submit(fake, api, {"prompt": "a fox", "anything": 1}, model="vendor/new-model")
    assert response.status_code == 200
    assert fake.jobs[response.json()["data"]["id"]].input == {"prompt": "a fox", "anything": 1}
    assert fake.dropped_keys == []


def test_models_can_be_added_at_run_time(fake: FakeWaveSpeed, api: requests.Session) -> None:
    assert submit(fake, api, {"x": 1}, model="vendor/new-model").status_code == 404
    fake.add_model({"model_id": "vendor/new-model", "name": "vendor/new-model"})
    assert submit(fake, api, {"x": 1}, model="vendor/new-model").status_code == 200
    assert fake.dropped_keys == []  # no request schema: every key is kept
    assert fake.models[-1]["model_id"] == "vendor/new-model"
    with pytest.raises(ValueError, match="model_id"):
        fake.add_model({"name": "nameless"})


def test_catalog_entries_convert_to_the_live_shape(tmp_path: Path, api: requests.Session) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "mine.yaml").write_text(textwrap.dedent("""\
        version: 1
        models:
          my-upscaler:
            path: vendor/tool/video-upscaler
            task: video-to-video
            pricing: {per_second: {by: resolution, rates: {720p: 0.01, 1080p: 0.02}}}
            input:
              type: object
              required: [video]
              additionalProperties: false
              properties:
                video: {type: string, x-wavevid-media: video}
                resolution: {type: string, enum: [720p, 1080p], default: 720p}
                sharpen: {type: boolean, default: false}
        """))
    catalog = wavevid.load_catalog(folder)
    (entry,) = models_from_catalog([catalog.get("my-upscaler")])
    assert len(models_from_catalog(catalog)) == len(catalog)
    assert (entry["model_id"], entry["type"], entry["base_price"]) == (
        "vendor/tool/video-upscaler", "video-to-video", 0.02)  # fmt: skip
    assert entry["formula"] == (
        '{"total_price": duration * (resolution = "720p" ? 0.01 : '
        'resolution = "1080p" ? 0.02 : base_price)}'
    )
    (run,) = entry["api_schema"]["api_schemas"]
    schema = run["request_schema"]
    assert schema["x-order-properties"] == ["video", "resolution", "sharpen"]
    assert schema["properties"]["video"] == {
        "type": "string", "x-ui-component": "uploader", "x-accept": "video/*"}  # fmt: skip
    assert schema["properties"]["resolution"]["x-ui-component"] == "select"
    with FakeWaveSpeed(models=[entry]) as fake:
        body = {"video": "https://example.com/a.mp4", "sharpen": True, "strength": 2}
        assert submit(fake, api, body, model="vendor/tool/video-upscaler").status_code == 200
        assert submit(fake, api, {"prompt": "a fox"}).status_code == 404  # only what it lists
        (dropped,) = fake.dropped_keys
        assert dropped.keys == ("strength",)


# Dropped keys


@pytest.mark.wavevid_allow_dropped_keys(reason="the dropping itself is tested")
def test_unknown_keys_are_dropped_and_recorded(fake: FakeWaveSpeed, api: requests.Session) -> None:
    body = {"prompt": "a fox", "timout": 3, "duration": 8, "size": "1280*720",
            "enable_sync_mode": False}  # fmt: skip
    data = submit(fake, api, body).json()["data"]
    job = fake.jobs[data["id"]]
    assert job.input == {"prompt": "a fox", "duration": 8, "enable_sync_mode": False}
    assert fake.dropped_keys == [DroppedKeys(data["id"], MODEL, ("timout", "size"))]
    polled = api.get(f"{fake.url}/api/v3/predictions/{data['id']}/result", timeout=5).json()
    assert polled["data"]["input"] == job.input
    submit(fake, api, {"prompt": "a clean fox"})
    assert len(fake.dropped_keys) == 1  # only submits that dropped something


@pytest.mark.wavevid_allow_dropped_keys(reason="the dropping itself is tested")
def test_the_old_shape_of_api_schema_drops_keys_too(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    model = "wavespeed-ai/ltx-2-19b/image-to-video"
    body = {"image": "https://example.com/a.png", "prompt": "go", "aspect_ratio": "16:9"}
    submit(fake, api, body, model=model)
    assert [d.keys for d in fake.dropped_keys] == [("aspect_ratio",)]


@pytest.mark.parametrize("options", [{"strict": False}, {"drop_unknown_keys": False}])
def test_keys_are_kept_when_asked(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session, options: Json
) -> None:
    fake = make_fake_wavespeed(**options)
    body = {"prompt": "a", "extra": {"k": 1, "j": 2}}
    job_id = submit(fake, api, body).json()["data"]["id"]
    assert (fake.jobs[job_id].input, fake.dropped_keys) == (body, [])
    # Faults then match nested values of the kept keys too.
    fake.add_fault(Fault("poll", status=500, when={"extra": {"k": 1}}))
    url = f"{fake.url}/api/v3/predictions/{job_id}/result"
    assert [api.get(url, timeout=5).status_code for _ in range(2)] == [500, 200]


# A path the fake serves and the catalog does not ship: the client sends it unvalidated.
PLUGGED_TESTS = '''
import pytest

RAW = "wavespeed-ai/ltx-2.5/image-to-video"


def test_clean(fake_wavespeed, wavevid_client):
    # The plugin's client polls at the fake's pace: the job is seen done well within 2 s.
    result = wavevid_client.generate(RAW, input={"prompt": "a fox"}, timeout=2)
    assert result.read() == fake_wavespeed.video_for(result.job_id)


def test_typo(fake_wavespeed, wavevid_client):
    wavevid_client.submit(RAW, input={"prompt": "a fox", "timout": 3})


@pytest.mark.wavevid_allow_dropped_keys(reason="shows what the service does")
def test_allowed(fake_wavespeed, wavevid_client):
    wavevid_client.submit(RAW, input={"prompt": "a fox", "size": 1})
'''


def test_the_plugin_fails_a_test_that_dropped_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["wavevid.testing.pytest_plugin"]\n')
    (tmp_path / "test_plugged.py").write_text(PLUGGED_TESTS)
    monkeypatch.chdir(tmp_path)
    arguments = ["-q", "-p", "no:cacheprovider", "--import-mode=importlib", "-W",
                 "ignore::UserWarning", "--strict-markers", "-rE", "test_plugged.py"]  # fmt: skip
    with mock.patch.dict(os.environ, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}):
        exit_code = pytest.main(arguments)
    out = capsys.readouterr().out
    assert exit_code == pytest.ExitCode.TESTS_FAILED
    assert "3 passed, 1 error" in out
    assert "ERROR test_plugged.py::test_typo" in out
    assert "(wavespeed-ai/ltx-2.5/image-to-video): timout" in out
    assert "wavevid_allow_dropped_keys" in out


# History, poll answers, errors


def test_history_items_have_the_documented_shape(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    job_id = submit(fake, api, {"prompt": "a fox"}).json()["data"]["id"]
    data = history(fake, api)
    assert set(data) == {"page", "items"}
    (item,) = data["items"]
    assert (set(item), item["id"]) == (ITEM_KEYS, job_id)


@pytest.mark.parametrize(
    ("options", "keys"),
    [
        ({"history_input": True}, {"page", "items", "input"}),
        ({"history_total": True}, {"page", "items", "total"}),
        ({"strict": False}, {"page", "items", "input", "total"}),
        ({"strict": False, "history_input": False}, {"page", "items", "total"}),
    ],
)
def test_history_input_and_total_when_asked(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session, options: Json, keys: set[str]
) -> None:
    fake = make_fake_wavespeed(**options)
    for prompt in ("one", "two", "three"):
        submit(fake, api, {"prompt": prompt})
    data = history(fake, api, page=2, page_size=2)
    (item,) = data["items"]
    assert set(data) | set(item) - ITEM_KEYS == keys
    assert data.get("total", 3) == 3
    assert item.get("input", {"prompt": "one"}) == {"prompt": "one"}


@pytest.mark.parametrize("suffix", ["/result", ""])
@pytest.mark.parametrize("result_input", [True, False])
def test_both_poll_paths_answer_with_input_unless_asked(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session, suffix: str, result_input: bool
) -> None:
    fake = make_fake_wavespeed(result_input=result_input)
    job_id = submit(fake, api, {"prompt": "a fox"}).json()["data"]["id"]
    data = api.get(f"{fake.url}/api/v3/predictions/{job_id}{suffix}", timeout=5).json()["data"]
    assert data["id"] == job_id
    assert ("input" in data) is result_input
    assert data.get("input", {"prompt": "a fox"}) == {"prompt": "a fox"}


@pytest.mark.parametrize(
    ("fault", "status", "message"),
    [
        (Fault("submit", status=503, retry_after=1), 503, "Service Unavailable"),
        (Fault("any", status=402), 402, "Payment Required"),
    ],
)
def test_errors_have_the_published_shape(
    fake: FakeWaveSpeed, api: requests.Session, fault: Fault, status: int, message: str
) -> None:
    fake.add_fault(fault)
    response = submit(fake, api, {"prompt": "a fox"})
    assert response.status_code == status
    assert response.json() == {
        "code": status, "message": message, "data": {"error": f"Injected fault: HTTP {status}"}
    }  # fmt: skip
    refused = api.post(f"{fake.url}/api/v3/predictions", json={"page": 0}, timeout=5)
    assert refused.json()["message"] == "Bad Request"
    assert "page" in refused.json()["data"]["error"]
