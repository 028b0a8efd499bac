"""FakeWaveSpeed's ``GET /api/v3/models``: the live list's shape, from WaveSpeed's pages."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import requests

import wavevid
from wavevid.testing import FakeWaveSpeed

UI_COMPONENTS = {"slider", "uploader", "uploaders", "select", "switch", "textarea", "number"}
# WaveSpeed's categories, as its llms.txt pages name them.
CATEGORIES = {"text-to-video", "image-to-video", "video-to-video", "lora-support",
              "video-extend", "digital-human"}  # fmt: skip
NOT_SHIPPED = "wavespeed-ai/ltx-2.5/image-to-video"
OLD_SHAPE = "wavespeed-ai/ltx-2-19b/image-to-video"

Entry = dict[str, Any]


def get_models(fake: FakeWaveSpeed, key: str | None = "test-key") -> requests.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.get(f"{fake.url}/api/v3/models", headers=headers, timeout=5)


def listed(fake: FakeWaveSpeed) -> dict[str, Entry]:
    response = get_models(fake)
    assert response.status_code == 200, response.text
    envelope = response.json()
    assert (envelope["code"], envelope["message"]) == (200, "success")
    return {entry["model_id"]: entry for entry in envelope["data"]}


def request_schema(entry: Entry) -> Entry:
    """The request schema, from either shape of ``api_schema``."""
    api_schema = entry["api_schema"]
    if "api_schemas" in api_schema:
        [run] = [s for s in api_schema["api_schemas"] if s["type"] == "model_run"]
        assert (run["method"], run["api_path"]) == ("POST", f"/api/v3/{entry['model_id']}")
        schema: Entry = run["request_schema"]
        return schema
    post = api_schema["paths"][f"/api/v3/{entry['model_id']}"]["post"]
    reference = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert reference == "#/components/schemas/Request"
    schema = api_schema["components"]["schemas"]["Request"]
    assert isinstance(schema, dict)
    return schema


def ternary(text: str) -> str:
    """``c ? a : d ? b : e`` (right-associative) as a Python expression."""
    condition, mark, rest = text.partition(" ? ")
    if not mark:
        return text
    then, _, otherwise = rest.partition(" : ")
    return f"({then} if {condition} else {ternary(otherwise)})"


def price(formula: str, base_price: float, **inputs: Any) -> Decimal:
    """Evaluate the fake's JSONata-like formulas (arithmetic, ``=``, and ``c ? a : b`` chains
    in parentheses), enough to check them against the catalog."""
    expression = re.fullmatch(r'\{"total_price": (.*)\}', formula)
    assert expression is not None, formula
    python = re.sub(r"\(([^()]*\?[^()]*)\)", lambda m: ternary(m[1]), expression[1])
    python = python.replace(" = ", " == ")
    value = eval(python, {"__builtins__": {}}, {"base_price": base_price, **inputs})
    return Decimal(str(round(value, 6)))


def test_the_list_needs_the_key(fake: FakeWaveSpeed) -> None:
    assert get_models(fake, key=None).status_code == 401
    assert get_models(fake, key="wrong").status_code == 401


def test_a_post_to_the_list_is_not_a_submit(fake: FakeWaveSpeed) -> None:
    headers = {"Authorization": "Bearer test-key"}
    response = requests.post(f"{fake.url}/api/v3/models", json={}, headers=headers, timeout=5)
    assert response.status_code == 404
    assert fake.jobs == {}


def test_every_entry_has_the_live_shape(fake: FakeWaveSpeed) -> None:
    for model_id, entry in listed(fake).items():
        assert set(entry) == {"model_id", "name", "base_price", "description", "type",
                              "formula", "api_schema"}  # fmt: skip
        assert isinstance(entry["base_price"], float)
        assert entry["type"] in CATEGORIES
        assert entry["formula"].startswith('{"total_price": ')
        schema = request_schema(entry)
        assert schema["type"] == "object"
        assert sorted(schema["x-order-properties"]) == sorted(schema["properties"])
        assert set(schema["required"]) <= set(schema["properties"]), model_id
        for name, prop in schema["properties"].items():
            if prop["type"] == "array":  # a list of LoRAs: objects, no UI component of its own
                assert prop["items"]["type"] == "object", (model_id, name)
                assert set(prop["items"]["required"]) <= set(prop["items"]["properties"])
                continue
            assert prop["x-ui-component"] in UI_COMPONENTS, (model_id, name)
            assert prop["type"] in {"string", "integer", "number", "boolean"}
            if prop["x-ui-component"] == "uploader":
                assert prop["x-accept"], (model_id, name)
            if prop["x-ui-component"] == "select":
                assert prop["default"] in prop["enum"]


def test_both_api_schema_shapes_and_an_unshipped_model_are_listed(fake: FakeWaveSpeed) -> None:
    models = listed(fake)
    assert "components" in models[OLD_SHAPE]["api_schema"]
    assert "api_schemas" in models["wavespeed-ai/ltx-2-19b/text-to-video"]["api_schema"]
    catalog_paths = {model.path for model in wavevid.load_catalog()}
    assert NOT_SHIPPED not in catalog_paths
    resolution = request_schema(models[NOT_SHIPPED])["properties"]["resolution"]
    assert resolution["enum"] == ["720p", "1080p", "2k", "4k"]
    assert price(models[NOT_SHIPPED]["formula"], 0.1, duration=5, resolution="4k") == Decimal(
        "1.65"
    )


# What WaveSpeed's own pages state (see wavevid/testing/_default_models.py for the sources): the
# required parameters, every parameter, and prices. Written out here, not read from the catalog.
PAGES = {
    "wavespeed-ai/hunyuan-video-1.5/text-to-video": (
        {"prompt"}, {"prompt", "resolution", "duration", "seed"}),
    "wavespeed-ai/hunyuan-video-1.5/image-to-video": (
        {"image"}, {"image", "prompt", "resolution", "duration", "seed"}),
    "lightricks/ltx-2-pro/text-to-video": ({"prompt"}, {"prompt", "duration", "generate_audio"}),
    "lightricks/ltx-2-fast/text-to-video": ({"prompt"}, {"prompt", "duration", "generate_audio"}),
    "lightricks/ltx-2-pro/image-to-video": (
        {"image", "prompt"}, {"image", "prompt", "duration", "generate_audio"}),
    "lightricks/ltx-2-fast/image-to-video": (
        {"image", "prompt"}, {"image", "prompt", "duration", "generate_audio"}),
    "lightricks/ltx-2-retake": ({"video", "prompt"}, {"video", "prompt", "mode"}),
    "wavespeed-ai/ltx-2-19b/text-to-video": (
        {"prompt"}, {"prompt", "resolution", "aspect_ratio", "duration", "seed"}),
    "wavespeed-ai/ltx-2-19b/image-to-video": (
        {"image", "prompt"}, {"image", "prompt", "resolution", "duration", "seed"}),
    "wavespeed-ai/ltx-2-19b/text-to-video-lora": (
        {"prompt"}, {"prompt", "loras", "resolution", "aspect_ratio", "duration", "seed"}),
    "wavespeed-ai/ltx-2-19b/lipsync": (
        {"audio"}, {"audio", "image", "prompt", "resolution", "seed"}),
    "wavespeed-ai/ltx-2.3/text-to-video": (
        {"prompt"}, {"prompt", "resolution", "duration", "seed"}),
    "wavespeed-ai/ltx-2.3/image-to-video": (
        {"image", "prompt"}, {"image", "prompt", "resolution", "duration", "seed"}),
    "wavespeed-ai/ltx-2.3/text-to-video-lora": (
        {"prompt"}, {"loras", "prompt", "resolution", "duration", "seed"}),
    "wavespeed-ai/ltx-2.3/video-extend": ({"video"}, {"video", "prompt", "duration"}),
    "wavespeed-ai/ltx-2.3/lipsync": (
        {"audio"}, {"audio", "image", "prompt", "resolution", "seed"}),
    "wavespeed-ai/ltx-2.5/text-to-video": (
        {"prompt"}, {"prompt", "resolution", "aspect_ratio", "duration", "seed"}),
    "wavespeed-ai/ltx-2.5/image-to-video": (
        {"image"}, {"image", "last_image", "prompt", "resolution", "duration", "seed"}),
}  # fmt: skip


def test_the_list_states_what_wavespeeds_pages_state(fake: FakeWaveSpeed) -> None:
    models = listed(fake)
    assert set(models) == set(PAGES)
    for model_id, (required, parameters) in PAGES.items():
        schema = request_schema(models[model_id])
        assert (set(schema["required"]), set(schema["properties"])) == (required, parameters)
    fast = request_schema(models["lightricks/ltx-2-fast/text-to-video"])["properties"]
    assert fast["duration"]["enum"] == [6, 8, 10, 12, 14, 16, 18, 20]
    mode = request_schema(models["lightricks/ltx-2-retake"])["properties"]["mode"]
    assert mode["enum"] == ["replace_audio_and_video", "replace_audio", "replace_video"]
    lora = request_schema(models["wavespeed-ai/ltx-2.3/text-to-video-lora"])["properties"]
    assert lora["loras"]["maxItems"] == 3  # "max 3, each with path and scale"
    assert set(lora["loras"]["items"]["properties"]) == {"path", "scale"}
    extend = request_schema(models["wavespeed-ai/ltx-2.3/video-extend"])["properties"]
    assert (extend["duration"]["minimum"], extend["duration"]["maximum"]) == (1, 20)
    assert extend["duration"]["default"] == 6
    lipsync = request_schema(models["wavespeed-ai/ltx-2.3/lipsync"])["properties"]
    assert lipsync["audio"]["x-accept"].startswith("audio/")
    ltx25 = request_schema(models["wavespeed-ai/ltx-2.5/text-to-video"])["properties"]
    assert ltx25["resolution"]["enum"] == ["720p", "1080p", "2k", "4k"]  # no 480p
    assert (ltx25["duration"]["minimum"], ltx25["duration"]["maximum"]) == (5, 20)


def test_a_parameter_only_third_party_code_uses_is_not_listed(fake: FakeWaveSpeed) -> None:
    # The catalog lists Hunyuan's `negative_prompt` from third-party code; WaveSpeed's page
    # does not, so the fake drops it as the real service would if it does not know it.
    hunyuan = wavevid.load_catalog().get("hunyuan-video-1.5")
    assert "negative_prompt" in hunyuan.parameters
    schema = request_schema(listed(fake)[hunyuan.path])
    assert "negative_prompt" not in schema["properties"]


@pytest.mark.parametrize(
    ("model_id", "inputs", "total"),
    [
        ("wavespeed-ai/hunyuan-video-1.5/text-to-video", {"duration": 5, "resolution": "720p"},
         "0.2"),
        ("wavespeed-ai/hunyuan-video-1.5/text-to-video", {"duration": 5, "resolution": "480p"},
         "0.1"),
        ("lightricks/ltx-2-pro/text-to-video", {"duration": 10}, "0.6"),
        ("lightricks/ltx-2-fast/text-to-video", {"duration": 6}, "0.24"),
        ("lightricks/ltx-2-retake", {"video_duration": 8}, "0.8"),
        ("wavespeed-ai/ltx-2.3/video-extend", {"duration": 5}, "0.5"),  # "$0.10/second"
        ("wavespeed-ai/ltx-2.3/video-extend", {"duration": 20}, "2"),
    ],
)  # fmt: skip
def test_the_prices_are_the_documented_ones(
    fake: FakeWaveSpeed, model_id: str, inputs: dict[str, Any], total: str
) -> None:
    entry = listed(fake)[model_id]
    assert price(entry["formula"], entry["base_price"], **inputs) == Decimal(total)


def test_the_list_can_be_replaced(fake: FakeWaveSpeed) -> None:
    models = fake.models
    entry = next(m for m in models if m["model_id"] == "lightricks/ltx-2-fast/text-to-video")
    entry["base_price"] = 0.05
    request_schema(entry)["properties"]["duration"]["enum"].append(22)
    assert listed(fake)[entry["model_id"]]["base_price"] == 0.04  # a copy was changed
    fake.models = models
    models.clear()  # the fake keeps its own copy
    changed = listed(fake)[entry["model_id"]]
    assert changed["base_price"] == 0.05
    assert request_schema(changed)["properties"]["duration"]["enum"][-1] == 22
    # Entries share nothing: the image-to-video sibling is unchanged.
    sibling = listed(fake)["lightricks/ltx-2-fast/image-to-video"]
    assert request_schema(sibling)["properties"]["duration"]["enum"][-1] == 20


def test_the_list_can_be_given_up_front() -> None:
    only = [{"model_id": "vendor/new-model", "name": "vendor/new-model", "base_price": 1.0}]
    with FakeWaveSpeed(models=only) as fake:
        only[0]["base_price"] = 2.0
        assert listed(fake) == {"vendor/new-model": {**only[0], "base_price": 1.0}}
