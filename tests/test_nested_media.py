"""Media at any depth and lists of objects: what is uploaded, what is refused, every problem
named by its place (``loras[1].scale``), through build_payload, the client and the fake."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import requests

import wavevid
from tests.conftest import WriteCatalog
from wavevid import InvalidParametersError, ParameterProblem
from wavevid._media_slots import MISPLACED_FILE
from wavevid.testing import FakeWaveSpeed, models_from_catalog

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(24)
INK = {"path": "https://example.com/ink.safetensors", "scale": 0.8}

STORYBOARD = """
    version: 1
    models:
      storyboard:
        path: my-org/storyboard
        task: image-to-video
        input:
          type: object
          required: [frames]
          additionalProperties: false
          $defs:
            clip: {type: string, x-wavevid-media: video}
            voice: {$anchor: voice, type: string, x-wavevid-media: audio}
          properties:
            frames: {type: array, maxItems: 3, items: {type: string, x-wavevid-media: image}}
            pair: {type: array, prefixItems: [{type: string, x-wavevid-media: image},
                                              {type: string}]}
            intro: {type: string, $ref: '#/$defs/clip'}
            soundtrack:
              type: object
              additionalProperties: false
              properties:
                audio: {$ref: '#voice'}
                credits: {type: string, format: uri}
                volume: {type: number, maximum: 1}
"""


@pytest.fixture
def storyboard(write_catalog: WriteCatalog) -> wavevid.Model:
    return wavevid.load_catalog(write_catalog(STORYBOARD)).get("storyboard")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "frame.png").write_bytes(PNG)
    (tmp_path / "voice.wav").write_bytes(WAV)
    (tmp_path / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(16))
    return {name: tmp_path / name for name in ("frame.png", "voice.wav", "clip.mp4")}


def problems(model: wavevid.Model, values: Any) -> list[ParameterProblem]:
    with pytest.raises(InvalidParametersError) as raised:
        model.build_payload(values)
    return raised.value.errors


# --- build_payload -------------------------------------------------------------------------------


def test_local_media_at_any_depth_are_left_for_the_client(
    storyboard: wavevid.Model, files: dict[str, Path]
) -> None:
    values = {
        "frames": [files["frame.png"], "https://example.com/b.png", PNG],
        "pair": [files["frame.png"], "a caption, not a file"],
        "intro": files["clip.mp4"],
        "soundtrack": {"audio": files["voice.wav"], "credits": "https://example.com/c"},
    }
    assert storyboard.build_payload(values) == values


def test_media_values_are_checked_where_they_sit(
    storyboard: wavevid.Model, files: dict[str, Path]
) -> None:
    found = problems(storyboard, {
        "frames": ["frame.png", 7],
        "pair": ["https://example.com/a.png", files["frame.png"]],
        "intro": "clip.mp4",
        "soundtrack": {"audio": Path("missing.wav"), "volume": 2},
    })
    assert [(p.parameter, p.message.split(".")[0]) for p in found] == [
        ("frames[0]", "'frame"),
        ("frames[1]", "expected a URL (str), a pathlib"),
        ("pair[1]", MISPLACED_FILE.split(".")[0]),  # only the first item is an image
        ("intro", "'clip"),
        ("soundtrack.audio", "no such file: 'missing"),
        ("soundtrack.volume", "2 is above the maximum 1"),
    ]
    assert "pass pathlib.Path('frame.png')" in found[0].message
    assert "upload a local video" in found[3].message


def test_a_local_file_where_no_media_is_marked_is_named_by_its_place(
    catalog: wavevid.Catalog, files: dict[str, Path]
) -> None:
    lora = catalog.get("ltx-2.3-lora")
    found = problems(lora, {"prompt": files["frame.png"], "loras": [
        INK, {"path": files["frame.png"], "scale": 1}, {"path": b"weights", "scale": 1},
    ]})
    assert found == [
        ParameterProblem("prompt", MISPLACED_FILE),
        ParameterProblem("loras[1].path", MISPLACED_FILE),
        ParameterProblem("loras[2].path", MISPLACED_FILE),
    ]


def test_a_lora_list_reports_every_problem_at_once(catalog: wavevid.Catalog) -> None:
    lora = catalog.get("ltx-2-19b-lora")
    assert lora.build_payload({"prompt": "x", "loras": [INK, INK, INK]})["loras"] == [INK] * 3
    found = problems(lora, {"prompt": "x", "loras": [
        INK, {"path": "ink.safetensors", "scale": 5}, {"scale": -1, "wieght": 1},
        {"path": "https://example.com/a", "scale": math.nan},
    ]})
    assert found == [
        ParameterProblem("loras", "takes at most 3 items"),
        ParameterProblem("loras[1].path", "'ink.safetensors' is not a URL"),
        ParameterProblem("loras[1].scale", "5 is above the maximum 4"),
        ParameterProblem("loras[2].path", "is required"),
        ParameterProblem("loras[2].scale", "-1 is below the minimum 0"),
        ParameterProblem("loras[2].wieght", "unknown field (it takes: path, scale)"),
        ParameterProblem("loras[3].scale", found[-1].message),
    ]
    assert found[-1].message.startswith("cannot be sent as JSON (float")


def test_nesting_past_the_body_limit_is_reported_not_walked(storyboard: wavevid.Model) -> None:
    deep: Any = "x"
    for _ in range(5000):  # past Python's recursion limit
        deep = [deep]
    typed, nested = problems(storyboard, {"frames": ["https://example.com/a.png"],
                                          "soundtrack": {"volume": deep}})
    assert (typed.parameter, typed.message[:31]) == ("soundtrack.volume",
                                                     "expected a number, got list [[[")
    assert nested.parameter == "soundtrack.volume" + "[0]" * 63  # the 65th level
    assert nested.message == "nested deeper than 64 levels"


@pytest.fixture(scope="module")
def catalog() -> wavevid.Catalog:
    return wavevid.load_catalog(environment=False)


def test_a_media_mark_is_checked_at_any_depth(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          typo:
            path: me/typo
            task: image-to-video
            input:
              type: object
              properties:
                frames: {type: array, items: {type: string, x-wavevid-media: picture}}
    """)
    (problem,) = wavevid.validate_catalog(folder, builtin=False)
    assert (problem.entry, problem.key) == ("typo", "input.properties.frames.items.x-wavevid-media")
    assert problem.problem.startswith("'picture' is not one of ['image', 'video', 'audio']")


# --- the client and the fake ---------------------------------------------------------------------


def uploaded(fake: FakeWaveSpeed, url: str) -> tuple[bytes, str]:
    assert url.startswith(fake.url), url
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 200
    return answer.content, answer.headers["Content-Type"]


def test_the_client_uploads_media_where_they_sit(
    fake: FakeWaveSpeed, storyboard: wavevid.Model, files: dict[str, Path]
) -> None:
    fake.add_model(models_from_catalog([storyboard])[0])
    with fake.client(catalog_paths=[storyboard.source.parent]) as client:
        job = client.submit("storyboard", {
            "frames": [files["frame.png"], "https://example.com/b.png"],
            "pair": [files["frame.png"], "a caption"],
            "intro": files["clip.mp4"],
            "soundtrack": {"audio": files["voice.wav"], "volume": 0.5},
        })
    sent = fake.jobs[job.id].input
    assert "x-wavevid" not in json.dumps(fake.models[-1])  # the live shape has no marks of ours
    assert uploaded(fake, sent["frames"][0]) == (PNG, "image/png")
    assert sent["frames"][1] == "https://example.com/b.png"
    assert uploaded(fake, sent["pair"][0])[0] == PNG
    assert sent["pair"][1] == "a caption"
    assert uploaded(fake, sent["intro"])[1] == "video/mp4"
    assert uploaded(fake, sent["soundtrack"]["audio"]) == (WAV, "audio/x-wav")
    assert sent["soundtrack"]["volume"] == 0.5


def test_lipsync_uploads_a_local_audio_and_image(
    fake: FakeWaveSpeed, files: dict[str, Path], tmp_path: Path
) -> None:
    with fake.client() as client:
        result = client.generate(
            "ltx-2.3-lipsync", audio=files["voice.wav"], image=files["frame.png"],
            output_path=tmp_path / "talk.mp4",
        )
    sent = fake.jobs[result.job_id].input
    assert uploaded(fake, sent["audio"]) == (WAV, "audio/x-wav")
    assert uploaded(fake, sent["image"]) == (PNG, "image/png")
    assert (tmp_path / "talk.mp4").read_bytes() == fake.video_for(result.job_id)


@pytest.mark.parametrize("validate", [True, False])
def test_a_local_file_outside_media_is_never_uploaded(
    fake: FakeWaveSpeed, files: dict[str, Path], validate: bool
) -> None:
    with fake.client() as client, pytest.raises(InvalidParametersError) as raised:
        client.submit("ltx-2.3-lora", {
            "prompt": files["frame.png"], "loras": [{"path": files["clip.mp4"], "scale": 1}],
        }, validate=validate)
    assert [(p.parameter, p.message) for p in raised.value.errors] == [
        ("prompt", MISPLACED_FILE), ("loras[0].path", MISPLACED_FILE),
    ]
    assert fake.requests == []  # nothing uploaded, nothing submitted


def test_outside_the_catalog_top_level_files_are_uploaded_nested_ones_refused(
    fake: FakeWaveSpeed, files: dict[str, Path]
) -> None:
    raw = "wavespeed-ai/ltx-2.5/image-to-video"  # the fake lists it, the catalog does not
    with fake.client() as client:
        with pytest.warns(wavevid.WavevidWarning):
            job = client.submit(raw, {"image": files["frame.png"], "prompt": "zoom"})
        assert uploaded(fake, fake.jobs[job.id].input["image"])[0] == PNG
        requests_before = len(fake.requests)
        with pytest.raises(InvalidParametersError) as raised:
            client.submit(raw, {"image": "https://example.com/a.png",
                                "extra": [{"file": files["frame.png"]}]})
    assert [(p.parameter, p.message) for p in raised.value.errors] == [
        ("extra[0].file", MISPLACED_FILE),
    ]
    assert len(fake.requests) == requests_before
