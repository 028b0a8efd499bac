"""FakeWaveSpeed's ``GET /api/v3/models``: the live list's shape, mirroring the built-in catalog."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

import wavevid
from wavevid.testing import FakeWaveSpeed

UI_COMPONENTS = {"slider", "uploader", "uploaders", "select", "switch", "textarea", "number"}
PER_SECOND = '{"total_price": base_price * duration}'
NOT_SHIPPED = "wavespeed-ai/ltx-2.5/text-to-video"
OLD_SHAPE = "wavespeed-ai/ltx-2-19b/image-to-video"

Entry = dict[str, Any]


@pytest.fixture
def fake() -> Iterator[FakeWaveSpeed]:
    with FakeWaveSpeed() as running:
        yield running


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
        assert entry["type"] in {"text-to-video", "image-to-video", "video-to-video"}
        assert entry["formula"].startswith('{"total_price": ')
        schema = request_schema(entry)
        assert schema["type"] == "object"
        assert sorted(schema["x-order-properties"]) == sorted(schema["properties"])
        assert set(schema["required"]) <= set(schema["properties"]), model_id
        for name, prop in schema["properties"].items():
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


def test_the_entries_mirror_the_built_in_catalog(fake: FakeWaveSpeed) -> None:
    models = listed(fake)
    for model in wavevid.load_catalog():
        entry = models[model.path]
        assert entry["type"] == model.task
        schema = request_schema(entry)
        assert set(schema["required"]) == set(model.required), model.name
        assert set(schema["properties"]) == set(model.parameters), model.name
        for name, parameter in model.parameters.items():
            live = schema["properties"][name]
            assert live["type"] == parameter["type"], (model.name, name)
            for key in ("enum", "default", "minimum", "maximum"):
                assert live.get(key) == parameter.get(key), (model.name, name, key)
            media = parameter.get("x-wavevid-media")
            if media:
                assert live["x-ui-component"] == "uploader"
                assert live["x-accept"].startswith(f"{media}/")


def test_the_prices_mirror_the_built_in_catalog(fake: FakeWaveSpeed) -> None:
    models = listed(fake)
    checked = 0
    for model in wavevid.load_catalog():
        rule = model.pricing.get("per_second")
        if rule is None:
            continue  # unknown in the catalog: the fake's numbers are placeholders
        entry = models[model.path]
        formula, base = entry["formula"], entry["base_price"]
        if isinstance(rule, dict):  # by resolution
            for resolution, rate in rule["rates"].items():
                inputs = {"duration": 5, "resolution": resolution}
                assert price(formula, base, **inputs) == model.estimate_cost(inputs), model.name
                assert price(formula, base, **inputs) == Decimal(str(rate)) * 5
        elif "duration" in model.parameters:
            assert formula == PER_SECOND, model.name
            duration = model.defaults["duration"]
            assert price(formula, base, duration=duration) == model.estimate_cost({}), model.name
        else:  # priced by the input clip's length, which the service measures
            assert Decimal(str(base)) == Decimal(str(rule)), model.name
        checked += 1
    assert checked >= 6


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
