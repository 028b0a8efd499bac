"""Catalog sync against the fake's live model list: import and diff."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import wavevid
from wavevid import catalog_sync
from wavevid.cli import main
from wavevid.testing import FakeWaveSpeed


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("WAVEVID_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def environment_names_the_fake(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test that uses the fake reaches it as the commands do, through the environment, with a
    cache folder of its own."""
    if "fake" in request.fixturenames:
        request.getfixturevalue("cache")
        fake: FakeWaveSpeed = request.getfixturevalue("fake")
        monkeypatch.setenv("WAVESPEED_API_KEY", fake.api_key)
        monkeypatch.setenv("WAVESPEED_BASE_URL", fake.url)


def client(*folders: Path) -> wavevid.Client:
    return wavevid.Client(catalog_paths=list(folders))


def listed(fake: FakeWaveSpeed, model_id: str) -> dict[str, Any]:
    return next(entry for entry in fake.models if entry["model_id"] == model_id)


def import_all(fake: FakeWaveSpeed, folder: Path) -> Path:
    ids = [entry["model_id"] for entry in fake.models]
    folder.mkdir(exist_ok=True)
    target = folder / "imported.yaml"
    target.write_text(catalog_sync.import_models(client(), ids), encoding="utf-8")
    return target


def test_every_listed_model_imports_and_loads_through_the_catalog(
    fake: FakeWaveSpeed, tmp_path: Path
) -> None:
    target = import_all(fake, tmp_path / "imported")
    assert target.read_text().startswith(f"# Imported by `wavevid catalog import` from {fake.url}")
    assert wavevid.validate_catalog(target.parent) == []
    catalog = wavevid.load_catalog(target.parent)
    for entry in fake.models:
        model = catalog.get(entry["model_id"])
        assert model.verified
        assert model.source == target
    new = catalog.get("ltx-2.5-i2v")  # not a built-in model: named from its path
    assert new.path == "wavespeed-ai/ltx-2.5/image-to-video"
    assert list(new.parameters) == [
        "image", "last_image", "prompt", "resolution", "duration", "seed"
    ]
    assert dict(new.media) == {"image": "image", "last_image": "image"}


def test_a_known_model_keeps_its_name_aliases_and_timing(fake: FakeWaveSpeed) -> None:
    text = catalog_sync.import_models(client(), ["lightricks/ltx-2-fast/text-to-video"])
    (name, entry), = yaml.safe_load(text)["models"].items()
    fast = wavevid.load_catalog().get("ltx-2-fast")
    assert name == "ltx-2-fast"
    assert entry["aliases"] == ["ltx2-fast"]
    assert entry["expected_seconds"] == dict(fast.timing)  # type: ignore[arg-type]
    assert entry["title"] == "LTX-2 Fast"
    assert entry["pricing"] == {"per_second": 0.04}


def test_conversion_keeps_schema_keywords_and_marks_media(fake: FakeWaveSpeed) -> None:
    text = catalog_sync.import_models(
        client(), ["lightricks/ltx-2-retake", "wavespeed-ai/ltx-2-19b/image-to-video"]
    )
    models = yaml.safe_load(text)["models"]
    retake = models["ltx-2-retake"]["input"]
    assert retake["additionalProperties"] is False
    assert retake["required"] == ["video", "prompt"]
    assert retake["properties"]["video"] == {
        "type": "string", "description": "The clip to edit.", "x-wavevid-media": "video"
    }
    assert "x-ui-component" not in text
    assert "x-accept" not in text
    assert "x-order-properties" not in text
    assert "title: Mode" not in text
    # The older OpenAPI-shaped entry converts the same way.
    i2v = models["ltx-2-19b-i2v"]
    assert i2v["input"]["properties"]["image"]["x-wavevid-media"] == "image"
    assert i2v["task"] == "image-to-video"


@pytest.mark.parametrize(
    ("base", "formula", "rule"),
    [
        (0.06, '{"total_price": base_price * duration}', {"per_second": 0.06}),
        (0.4, '{"total_price": base_price * duration / 5}', {"per_second": 0.08}),
        (0.2, '{ "total_price" : base_price }', {"per_run": 0.2}),
        (0.3, '{"total_price": base_price / 2}', {"per_run": 0.15}),
    ],
)
def test_simple_formulas_become_rules(base: float, formula: str, rule: dict[str, float]) -> None:
    assert catalog_sync.pricing_rule({"base_price": base, "formula": formula}) == rule


def test_other_formulas_stay_unknown_with_the_formula() -> None:
    formula = '{"total_price": base_price * duration * (resolution = "4k" ? 2 : 1)}'
    assert catalog_sync.pricing_rule({"base_price": 0.1, "formula": formula}) == {
        "unknown": f"the live formula is not a simple rule: {formula}"
    }
    assert catalog_sync.pricing_rule({"base_price": 0.1}) == {"unknown": "no formula"}


@pytest.mark.parametrize(
    ("model_id", "name"),
    [
        ("wavespeed-ai/ltx-2.5/text-to-video", "ltx-2.5"),
        ("lightricks/ltx-3-fast/image-to-video", "ltx-3-fast-i2v"),
        ("vendor/tool/video-upscaler", "tool-video-upscaler"),
        ("vendor/single", "single"),
    ],
)
def test_default_names(model_id: str, name: str) -> None:
    assert catalog_sync.default_name(model_id) == name


def test_import_refuses_an_unlisted_model_and_a_name_for_several(fake: FakeWaveSpeed) -> None:
    with pytest.raises(catalog_sync.SyncError, match="not in the live model list"):
        catalog_sync.import_models(client(), ["vendor/nothing"])
    with pytest.raises(catalog_sync.SyncError, match="one model"):
        catalog_sync.import_models(client(), ["a/b", "c/d"], name="x")


# --- diff ----------------------------------------------------------------------------------------


def test_diff_is_quiet_when_in_sync(
    fake: FakeWaveSpeed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = import_all(fake, tmp_path / "imported").parent
    assert catalog_sync.diff(client(folder)) == []
    assert main(["--catalog", str(folder), "catalog", "diff"]) == 0
    assert capsys.readouterr().out == "in sync with the live list\n"


def test_diff_detects_every_kind_of_drift(
    fake: FakeWaveSpeed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = import_all(fake, tmp_path / "imported").parent
    models = fake.models
    fast = next(m for m in models if m["model_id"] == "lightricks/ltx-2-fast/text-to-video")
    schema = fast["api_schema"]["api_schemas"][0]["request_schema"]
    schema["properties"]["seed"] = {"type": "integer", "default": -1, "minimum": -1}
    del schema["properties"]["generate_audio"]
    schema["properties"]["duration"]["enum"] = [6, 8, 10]
    schema["properties"]["duration"]["default"] = 8
    fast["base_price"] = 0.05
    retake = next(m for m in models if m["model_id"] == "lightricks/ltx-2-retake")
    retake["api_schema"]["api_schemas"][0]["request_schema"]["required"] = ["video"]
    big = next(m for m in models if m["model_id"] == "wavespeed-ai/ltx-2-19b/text-to-video")
    big["api_schema"]["api_schemas"][0]["request_schema"]["properties"]["duration"]["maximum"] = 30
    fake.models = models
    drifts = catalog_sync.diff(client(folder), refresh=True)
    found = {(d.model, d.parameter, d.change) for d in drifts}
    assert found == {
        ("ltx-2-fast", "seed", "added"),
        ("ltx-2-fast", "generate_audio", "removed"),
        ("ltx-2-fast", "duration", "enum"),
        ("ltx-2-fast", "duration", "default"),
        ("ltx-2-fast", None, "price"),
        ("ltx-2-retake", "prompt", "required"),
        ("ltx-2-19b", "duration", "maximum"),
    }
    enum = next(d for d in drifts if d.change == "enum")
    assert str(enum) == (
        "ltx-2-fast: duration: enum [6, 8, 10, 12, 14, 16, 18, 20] here, [6, 8, 10] live"
    )
    assert main(["--catalog", str(folder), "catalog", "diff", "--json", "ltx-2-fast"]) == 3
    printed = json.loads(capsys.readouterr().out)
    assert {item["change"] for item in printed} == {"added", "removed", "enum", "default", "price"}


def test_diff_of_the_builtin_catalog_names_what_the_docs_did_not_know(fake: FakeWaveSpeed) -> None:
    drifts = catalog_sync.diff(client(), ["ltx-2-19b", "ltx-2-pro"])
    assert [(d.model, d.change, d.live) for d in drifts] == [
        ("ltx-2-19b", "price", {"per_second": 0.05})
    ]


# The entries added for LTX-2.3, LTX-2.5 and LTX-2 19B's LoRA and lipsync endpoints: written
# from the same WaveSpeed pages as the fake's list, they agree with it keyword by keyword.
NEWER = ["ltx-2.3", "ltx-2.3-i2v", "ltx-2.3-lora", "ltx-2.3-extend", "ltx-2.3-lipsync",
         "ltx-2.5", "ltx-2-19b-lora", "ltx-2-19b-lipsync"]  # fmt: skip


def test_the_newer_families_diff_clean_against_the_live_list(fake: FakeWaveSpeed) -> None:
    assert catalog_sync.diff(client(), NEWER) == []
    assert main(["catalog", "diff", *NEWER]) == 0


def test_diff_looks_into_lists_and_objects(
    fake: FakeWaveSpeed, capsys: pytest.CaptureFixture[str]
) -> None:
    models = fake.models
    lora = listed_in(models, "wavespeed-ai/ltx-2.3/text-to-video-lora")
    loras = lora["api_schema"]["api_schemas"][0]["request_schema"]["properties"]["loras"]
    loras["maxItems"] = 5
    loras["items"]["properties"]["scale"]["maximum"] = 2
    loras["items"]["properties"]["weight"] = {"type": "number"}
    del loras["items"]["properties"]["path"]
    loras["items"]["required"] = ["scale"]
    fake.models = models
    drifts = catalog_sync.diff(client(), ["ltx-2.3-lora"], refresh=True)
    assert {(d.parameter, d.change, d.local, d.live) for d in drifts} == {
        ("loras", "maxItems", 3, 5),
        ("loras[].scale", "maximum", 4, 2),
        ("loras[].weight", "added", None, None),
        ("loras[].path", "removed", None, None),
    }
    assert main(["catalog", "diff", "ltx-2.3-lora"]) == 3
    assert "ltx-2.3-lora: loras[].scale: maximum 4 here, 2 live" in capsys.readouterr().out


def test_import_keeps_a_list_of_objects_and_marks_audio(fake: FakeWaveSpeed) -> None:
    text = catalog_sync.import_models(
        client(), ["wavespeed-ai/ltx-2.3/text-to-video-lora", "wavespeed-ai/ltx-2.3/lipsync"]
    )
    models = yaml.safe_load(text)["models"]
    loras = models["ltx-2.3-lora"]["input"]["properties"]["loras"]
    assert loras == {
        "type": "array", "description": loras["description"], "maxItems": 3,
        "items": {"type": "object", "required": ["path", "scale"], "properties": {
            "path": {"type": "string", "description": "The LoRA weights' URL."},
            "scale": {"type": "number", "minimum": 0, "maximum": 4},
        }},
    }  # fmt: skip
    lipsync = models["ltx-2.3-lipsync"]["input"]["properties"]
    assert (lipsync["audio"]["x-wavevid-media"], lipsync["image"]["x-wavevid-media"]) == (
        "audio", "image"
    )
    assert models["ltx-2.3-lipsync"]["aliases"] == ["ltx-2.3-talking-head"]  # a known model


def listed_in(models: list[dict[str, Any]], model_id: str) -> dict[str, Any]:
    return next(entry for entry in models if entry["model_id"] == model_id)


def test_a_model_missing_from_the_live_list(fake: FakeWaveSpeed) -> None:
    fake.models = [m for m in fake.models if m["model_id"] != "lightricks/ltx-2-retake"]
    drifts = catalog_sync.diff(client(), ["ltx-2-retake"])
    assert [str(d) for d in drifts] == ["ltx-2-retake: not in the live list"]


# --- the cache -----------------------------------------------------------------------------------


def model_list_requests(fake: FakeWaveSpeed) -> int:
    return sum(r.path == "/api/v3/models" for r in fake.requests)


def test_the_live_list_is_cached_for_an_hour(fake: FakeWaveSpeed, cache: Path) -> None:
    catalog_sync.diff(client())
    catalog_sync.diff(client())
    assert model_list_requests(fake) == 1
    catalog_sync.diff(client(), refresh=True)
    assert model_list_requests(fake) == 2
    (cached,) = cache.iterdir()
    an_hour_ago = time.time() - 3601
    os.utime(cached, (an_hour_ago, an_hour_ago))
    catalog_sync.diff(client())
    assert model_list_requests(fake) == 3


def test_catalog_import_command_writes_a_file(
    fake: FakeWaveSpeed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine" / "ltx25.yaml"
    target.parent.mkdir()
    code = main(["catalog", "import", "wavespeed-ai/ltx-2.5/image-to-video", "--name", "ltx25",
                 "-o", str(target)])
    assert code == 0
    assert capsys.readouterr().out == f"wrote {target}\n"
    assert main(["catalog", "validate", str(target.parent)]) == 0
    assert wavevid.load_catalog(target.parent).get("ltx25").verified
    assert main(["catalog", "import", "vendor/nothing"]) == 2


def test_an_imported_pattern_gets_the_length_bound_the_catalog_requires() -> None:
    spec = {"type": "string", "pattern": "^[a-z]+$"}
    kept = catalog_sync.parameter(spec, "name")
    assert kept["maxLength"] == catalog_sync.CATALOG_PATTERN_MAX_LENGTH
    tighter = catalog_sync.parameter({**spec, "maxLength": 40}, "name")
    assert tighter["maxLength"] == 40
