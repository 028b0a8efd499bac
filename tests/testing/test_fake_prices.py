"""FakeWaveSpeed's prices: ``POST /api/v3/model/price`` from its model list's formulas, and
``POST /api/v3/billings/search`` over its completed jobs (issue 15, item 7)."""

from __future__ import annotations

import warnings
from decimal import Decimal
from typing import Any

import pytest
import requests

import wavevid
from wavevid.testing import FakeWaveSpeed, JobScript
from wavevid.testing._formula import evaluate, total_price
from wavevid.testing._formula_values import UNDEFINED, FormulaError
from wavevid.testing._model_entries import entry, request_schema, select
from wavevid.testing._prices import price_of

TICK = 0.02
pytestmark = pytest.mark.wavevid_fake(processing_seconds=TICK)
FAST = "lightricks/ltx-2-fast/text-to-video"
RECORD_KEYS = {"uuid", "billing_type", "price", "created_at", "updated_at", "order",
               "prediction", "access_key_name"}  # the docs' billings page


def post(api: requests.Session, fake: FakeWaveSpeed, path: str, body: Any) -> requests.Response:
    return api.post(f"{fake.url}/api/v3/{path}", json=body, timeout=5)


# --- formulas -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "variables", "expected"),
    [
        ('{"total_price": base_price * duration / 5}', {"base_price": 0.4, "duration": 8},
         "0.64"),
        ('{"total_price": duration * (resolution = "4k" ? 0.33 : resolution = "2k" ? 0.2'
         ' : base_price)}', {"base_price": 0.1, "duration": 5, "resolution": "2k"}, "1.0"),
        ("{'total_price': -base_price + 10 % 4 - -1}", {"base_price": 1}, "2"),
        ('{"total_price": (a > 2 and a <= 3) or b != "x" ? 1 : 2}', {"a": 3, "b": "x"}, "1"),
        ('{"total_price": $max([5, $min([$ceil(seconds), 600])]) / 5 * base_price}',
         {"base_price": 0.15, "seconds": 61.2}, "1.86"),
        ('{"total_price": $sum(rates) + $count(loras) + $abs(-1) + $round(2.345, 2)}',
         {"rates": [1, 2], "loras": [{}, {}]}, "8.34"),  # half to even, as JSONata
        ('{"total_price": $number("0.5") + ($exists(missing) ? 1 : 0) + $floor(1.9)}', {},
         "1.5"),
        # A name the inputs lack is undefined: arithmetic on it too; comparisons are false.
        ('{"total_price": base_price * video_duration}', {"base_price": 0.1}, None),
        ('{"total_price": (missing = "4k" ? 2 : 1) * base_price}', {"base_price": 0.1}, "0.1"),
        # WaveSpeed's own helpers measure media: the fake cannot, so they are undefined, and so
        # is an aggregate over them (the service quotes base_price then).
        ('{"total_price": $max([5, $min([$ceil(get_duration_v3(audio)), 600])]) / 5}', {}, None),
        ('{"total_price": $sum([]) + $count(missing) + $max([1, missing])}', {}, None),
        ('{"total_price": get_duration_v3(audio) * 2}', {}, None),
        ("0.25", {}, "0.25"),
    ],
)
def test_formulas_are_evaluated_as_jsonata_would(
    formula: str, variables: dict[str, Any], expected: str | None
) -> None:
    assert total_price(formula, variables) == (None if expected is None else Decimal(expected))


def test_text_joins_and_values() -> None:
    assert evaluate('"a" & 1 & missing & true', {}) == "a1true"
    assert evaluate("[1, null, missing]", {})[:2] == [1, None]
    assert evaluate("$max([])", {}) is UNDEFINED
    assert evaluate("1 / 0", {}) is UNDEFINED


@pytest.mark.parametrize(
    "formula",
    ["", "{", '{"total_price": }', "base_price.rate", "1 +", "(1", "$unknown(1)", '"a" * 2',
     '1 < "a"', "$max(['a'])", '{"total_price": "free"}', "{1: 2}", "1 2", "$number(true)"],
)
def test_a_formula_outside_the_subset_is_a_formula_error(formula: str) -> None:
    with pytest.raises(FormulaError):
        total_price(formula, {"base_price": 1})


def test_a_price_fills_defaults_and_falls_back_to_base_price() -> None:
    schema = request_schema([], {"resolution": select(["720p", "4k"], "720p", "Resolution")})
    formula = '{"total_price": seconds * (resolution = "720p" ? base_price : 0.5)}'
    listed = entry("vendor/m", "text-to-video", 0.1, formula, "", schema)
    assert price_of(listed, {"seconds": 10}) == Decimal("1.0")  # resolution: the default
    assert price_of(listed, {"seconds": 10, "resolution": "4k"}) == Decimal("5.0")
    assert price_of(listed, {}) == Decimal("0.1")  # undefined: the floor, base_price


# --- the endpoints --------------------------------------------------------------------------------


def test_every_listed_model_can_be_quoted(fake: FakeWaveSpeed, api: requests.Session) -> None:
    """Each formula of the fake's list (new models included) is one the fake evaluates."""
    for listed in fake.models:
        answer = post(api, fake, "model/price", {"model_id": listed["model_id"], "inputs": {}})
        assert answer.status_code == 200, (listed["model_id"], answer.text)
        data = answer.json()["data"]
        assert set(data) == {"model_id", "price", "discounted_price", "currency"}
        assert data["price"] == data["discounted_price"] > 0, listed["model_id"]


def _sample_input(model: wavevid.Model) -> dict[str, Any]:
    """Something for every required parameter: a URL for media, else the schema's first enum
    value, else a word."""
    values: dict[str, Any] = {}
    for name in model.required:
        spec = model.parameters.get(name, {})
        if name in model.media:
            values[name] = f"https://example.com/{name}"
        else:
            values[name] = spec["enum"][0] if "enum" in spec else "a fox"
    return values


def test_the_fake_quotes_what_the_catalog_estimates(fake: FakeWaveSpeed) -> None:
    """Where the built-in catalog has a price and the fake lists the model, both price every
    value of every choice alike (both come from WaveSpeed's pages; a difference is a bug in
    one of them)."""
    listed = {entry["model_id"] for entry in fake.models}
    compared = 0
    with fake.client() as client, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in client.catalog:
            base = _sample_input(model)
            try:
                model.build_payload(base)
            except wavevid.InvalidParametersError:  # a required value this sketch cannot make
                continue
            if model.path not in listed or model.estimate_cost(base) is None:
                continue
            variants = [base] + [
                {**base, name: value}
                for name, spec in model.parameters.items() if "enum" in spec
                for value in spec["enum"]
            ]
            for values in variants:
                quote = client.quote(model.name, values)
                assert quote.amount == quote.estimate, (model.name, values)
                compared += 1
    assert compared >= 10


def test_quote_refusals(fake: FakeWaveSpeed, api: requests.Session) -> None:
    fake.add_model({"model_id": "vendor/odd", "base_price": 0.1, "formula": "base_price.rate"})
    fake.add_model({"model_id": "vendor/free", "base_price": "0.1"})
    for body, status, detail in [
        ([FAST], 400, "JSON object"),
        ({"inputs": {}}, 400, "model_id"),
        ({"model_id": FAST, "inputs": [1]}, 400, "inputs"),
        ({"model_id": "vendor/none", "inputs": {}}, 404, "Model not found: vendor/none"),
        ({"model_id": "vendor/odd", "inputs": {}}, 400, "cannot price vendor/odd"),
        ({"model_id": "vendor/free", "inputs": {}}, 400, "base_price '0.1'"),
    ]:
        answer = post(api, fake, "model/price", body)
        assert answer.status_code == status, body
        assert detail in answer.json()["data"]["error"]
    no_formula = {"model_id": "vendor/flat", "base_price": 0.3}
    fake.add_model(no_formula)
    flat = post(api, fake, "model/price", {"model_id": "vendor/flat"}).json()["data"]
    assert flat["price"] == 0.3


def test_billing_records_follow_completed_jobs(
    make_fake_wavespeed: Any, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(known_models_only=False)
    fake.script_jobs(JobScript(outcome="failed", when={"prompt": "fails"}))
    with fake.client() as client:
        first = client.submit("ltx-2-fast", prompt="first", duration=8).wait(timeout=5)
        second = client.submit("ltx-2-pro", prompt="second").wait(timeout=5)
        failed = client.submit("ltx-2-fast", prompt="fails")
        unlisted = client.submit("vendor/not-listed", input={"prompt": "free?"}).wait(timeout=5)
        with pytest.raises(wavevid.JobFailedError):
            failed.wait(timeout=5)
    page = post(api, fake, "billings/search", {"page": 1, "page_size": 10}).json()["data"]
    assert page["total"] == 2  # the failed job and the unlisted model's job have none
    newest, oldest = page["items"]
    assert set(newest) == RECORD_KEYS
    assert (newest["prediction"]["uuid"], oldest["prediction"]["uuid"]) == (second.id, first.id)
    assert (newest["price"], oldest["price"]) == (0.36, 0.32)  # $0.06/s * 6 s, $0.04/s * 8 s
    assert (newest["order"]["price"], newest["billing_type"]) == (0.36, "deduct")
    assert newest["prediction"]["model_uuid"] == "lightricks/ltx-2-pro/text-to-video"
    assert newest["created_at"] >= oldest["created_at"]
    ascending = {"page": 1, "page_size": 1, "sort": "created_at ASC"}
    assert post(api, fake, "billings/search", ascending).json()["data"]["items"][0][
        "prediction"]["uuid"] == first.id
    one = {"page": 1, "page_size": 10, "prediction_uuids": [first.id, failed.id, unlisted.id]}
    assert [item["prediction"]["uuid"] for item in
            post(api, fake, "billings/search", one).json()["data"]["items"]] == [first.id]
    refunds = {"page": 1, "page_size": 10, "billing_type": "refund"}
    assert post(api, fake, "billings/search", refunds).json()["data"] == {
        "page": 1, "total": 0, "items": [],
    }
    assert post(api, fake, "billings/search", {"page": 2, "page_size": 1}).json()["data"][
        "items"][0]["prediction"]["uuid"] == first.id


@pytest.mark.parametrize(
    "body",
    [{}, {"page": 0, "page_size": 10}, {"page": 1, "page_size": 101},
     {"page": 1, "page_size": 10, "prediction_uuids": "abc"},
     {"page": 1, "page_size": 10, "prediction_uuids": [1]},
     {"page": 1, "page_size": 10, "sort": "price DESC"},
     {"page": 1, "page_size": 10, "billing_type": 1}, [1]],
)
def test_a_bad_billing_search_is_refused(
    fake: FakeWaveSpeed, api: requests.Session, body: Any
) -> None:
    assert post(api, fake, "billings/search", body).status_code == 400


def test_price_paths_never_become_submits(fake: FakeWaveSpeed, api: requests.Session) -> None:
    for path in ("billings/other", "model/other", "billings", "model"):
        answer = post(api, fake, path, {"prompt": "a fox"})
        assert answer.status_code == 404
        assert "No route" in answer.json()["data"]["error"]
    assert fake.jobs == {}
