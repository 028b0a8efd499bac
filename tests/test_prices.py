"""Prices from the service (issue 15, item 7): ``client.quote`` before a submit and
``client.charge`` after a job, against the fake over loopback. The shapes are UNVERIFIED (see
``wavevid._prices``); these tests pin what the client sends and how it reads both published
answer shapes, and that any other answer is a typed error."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid._constants import BILLING_PAGE_SIZE
from wavevid.testing import FakeWaveSpeed, Fault, JobScript

FAST = "lightricks/ltx-2-fast/text-to-video"
RAW = "vendor/raw-model"  # a path outside the catalog, served by the fake
RAW_ENTRY = {"model_id": RAW, "base_price": 0.1,
             "formula": '{"total_price": seconds * (quality = "4k" ? 0.33 : base_price)}'}


@pytest.fixture
def client(fake: FakeWaveSpeed) -> Any:
    with fake.client() as made:
        yield made


def _answer(data: Any) -> Fault:
    """The next request is answered HTTP 200 with ``data`` in a sound envelope."""
    body = json.dumps({"code": 200, "message": "success", "data": data}).encode()
    return Fault("any", status=200, body=body)


def _api_requests(fake: FakeWaveSpeed, path: str) -> list[Any]:
    return [record for record in fake.requests if record.path == f"/api/v3/{path}"]


# --- quote ----------------------------------------------------------------------------------------


def test_a_quote_sends_the_body_a_submit_would_send(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    quote = client.quote("ltx-2-fast", prompt="a fox", duration=8)
    (sent,) = _api_requests(fake, "model/price")
    assert sent.method == "POST"
    assert sent.json == {
        "model_id": FAST,
        "inputs": {"prompt": "a fox", "duration": 8, "generate_audio": True},  # defaults filled
    }
    assert (quote.model, quote.path, quote.currency) == ("ltx-2-fast", FAST, "USD")
    assert quote.amount == Decimal("0.32") == quote.estimate  # the fake and the catalog agree
    assert quote.inputs == sent.json["inputs"]
    assert quote.raw["model_id"] == FAST
    assert fake.jobs == {}  # nothing was submitted


UNPRICED = """\
version: 1
models:
  my-model:
    path: vendor/my-model
    task: text-to-video
    pricing: {unknown: "not published"}
    input:
      type: object
      required: [prompt]
      additionalProperties: false
      properties:
        prompt: {type: string, minLength: 1}
        seconds: {type: integer, enum: [5, 10], default: 5}
"""


def test_a_quote_prices_a_model_whose_price_the_catalog_does_not_know(
    fake: FakeWaveSpeed, write_catalog: WriteCatalog
) -> None:
    fake.add_model({"model_id": "vendor/my-model", "base_price": 0.07,
                    "formula": '{"total_price": base_price * seconds}'})
    with fake.client(catalog_paths=[write_catalog(UNPRICED)]) as client:
        quote = client.quote("my-model", prompt="a fox")
    assert (quote.model, quote.estimate) == ("my-model", None)
    assert quote.amount == Decimal("0.35")  # the default, 5 s, priced by the service
    assert quote.inputs == {"prompt": "a fox", "seconds": 5}


def test_a_raw_path_is_quoted_as_given(fake: FakeWaveSpeed, client: wavevid.Client) -> None:
    fake.add_model(RAW_ENTRY)
    quote = client.quote(RAW, input={"prompt": "a fox", "quality": "4k", "seconds": 10,
                                     "seed": None})
    assert (quote.model, quote.path, quote.estimate) == (RAW, RAW, None)
    assert quote.amount == Decimal("3.3")
    assert _api_requests(fake, "model/price")[0].json["inputs"] == {
        "prompt": "a fox", "quality": "4k", "seconds": 10,  # None means "not given"
    }


def test_a_quote_refuses_local_files_at_any_depth_before_any_request(
    fake: FakeWaveSpeed, client: wavevid.Client, tmp_path: Path
) -> None:
    image = tmp_path / "frame.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(wavevid.InvalidParametersError) as caught:
        client.quote("hunyuan-video-1.5-i2v", image=image)
    assert [p.parameter for p in caught.value.errors] == ["image"]
    assert "uploads nothing" in caught.value.errors[0].message
    with pytest.raises(wavevid.InvalidParametersError) as nested:
        client.quote(RAW, input={"prompt": "x", "loras": [{"path": image, "scale": 1}],
                                 "still": image.read_bytes()})
    assert sorted(p.parameter for p in nested.value.errors) == ["loras[0].path", "still"]
    assert fake.requests == []


def test_a_quote_checks_the_input_as_a_submit_does(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    with pytest.raises(wavevid.InvalidParametersError):
        client.quote("ltx-2-fast", prompt="a fox", duration=7)
    with pytest.raises(wavevid.UnknownModelError):
        client.quote("ltx-9-turbo", prompt="a fox")
    with pytest.raises(TypeError):
        client.quote("ltx-2-fast", input={"prompt": "a"}, prompt="b")
    assert fake.requests == []


@pytest.mark.parametrize(
    ("data", "amount", "list_price", "currency"),
    [
        # WaveSpeed's CLI today: /model/price, a discount stated apart.
        ({"model_id": FAST, "price": 0.4, "discounted_price": 0.3, "discount_rate": 0.25},
         "0.3", "0.4", "USD"),
        # The older CLI and the docs' pricing page: unit_price.
        ({"model_id": FAST, "unit_price": "0.27", "currency": "usd"}, "0.27", None, "USD"),
        ({"price": 2, "currency": "EUR"}, "2", None, "EUR"),
    ],
)
def test_a_quote_reads_both_published_answer_shapes(
    fake: FakeWaveSpeed, client: wavevid.Client, data: dict[str, Any], amount: str,
    list_price: str | None, currency: str,
) -> None:
    fake.add_fault(_answer(data))
    quote = client.quote("ltx-2-fast", prompt="a fox")
    assert quote.amount == Decimal(amount)
    assert quote.list_price == (None if list_price is None else Decimal(list_price))
    assert quote.currency == currency
    assert quote.raw == data


@pytest.mark.parametrize(
    "data",
    [None, [], "0.3", {}, {"model_id": FAST}, {"price": None}, {"price": "abc"},
     {"price": True}, {"price": "NaN"}, {"price": "-Infinity"}, {"price": "1e999999999"},
     {"price": [0.3]}, {"unit_price": {"usd": 1}}, {"price": 0.3, "currency": 840},
     {"price": 0.3, "currency": "<b>dollars</b>"},
     {"discounted_price": 0.3, "price": "free"}],
)
def test_a_price_answer_of_another_shape_is_an_api_error(
    fake: FakeWaveSpeed, client: wavevid.Client, data: Any
) -> None:
    fake.add_fault(_answer(data))
    with pytest.raises(wavevid.APIError) as caught:
        client.quote("ltx-2-fast", prompt="a fox")
    assert caught.value.status_code == 200


@pytest.mark.parametrize(
    ("price", "amount"),
    [("1e-5000", "0"), (0.1 + 0.2, "0.300000000000000"),
     ("123456789012345e-10", "12345.6789012345")],
)
def test_a_price_with_endless_decimals_is_rounded(
    fake: FakeWaveSpeed, client: wavevid.Client, price: Any, amount: str
) -> None:
    fake.add_fault(_answer({"price": price}))
    quote = client.quote("ltx-2-fast", prompt="a fox")
    assert quote.amount == Decimal(amount)
    assert len(f"{quote.amount:f}") < 40


def test_a_quote_for_a_model_the_service_does_not_list_is_not_found(
    client: wavevid.Client,
) -> None:
    with pytest.raises(wavevid.NotFoundError):
        client.quote("vendor/not-listed", input={"prompt": "a fox"})


# --- charge ---------------------------------------------------------------------------------------


def test_a_completed_job_is_charged_what_was_quoted(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    quote = client.quote("hunyuan-video-1.5", prompt="a fox", resolution="480p", duration=10)
    job = client.submit("hunyuan-video-1.5", prompt="a fox", resolution="480p", duration=10)
    job.wait(timeout=5)
    charge = client.charge(job.id)
    assert charge is not None
    assert charge.amount == charge.deducted == quote.amount > 0
    assert (charge.job_id, charge.refunded, charge.currency) == (job.id, 0, "USD")
    (record,) = charge.records
    assert (record["prediction"]["uuid"], record["billing_type"]) == (job.id, "deduct")
    (sent,) = _api_requests(fake, "billings/search")
    assert sent.json == {"prediction_uuids": [job.id], "page": 1, "page_size": BILLING_PAGE_SIZE}


def test_a_job_without_billing_records_has_no_charge(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    fake.script_jobs(JobScript(outcome="failed", when={"prompt": "fails"}))
    running = client.submit("ltx-2-fast", prompt="still running")
    assert client.charge(running.id) is None  # the fake bills a job when it completes
    failed = client.submit("ltx-2-fast", prompt="fails")
    with pytest.raises(wavevid.JobFailedError):
        failed.wait(timeout=5)
    assert client.charge(failed.id) is None


def _record(job_id: Any, price: Any, kind: str = "deduct", **extra: Any) -> dict[str, Any]:
    return {"uuid": "b1", "billing_type": kind, "price": price,
            "prediction": {"uuid": job_id, "model_uuid": FAST, "status": "completed"}, **extra}


def test_a_charge_counts_only_the_records_that_name_the_job(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    """A server that ignored ``prediction_uuids`` would answer the whole account's records:
    they are not billed to this job. Refunds are deducted, whatever their sign."""
    items = [
        _record("job1", 0.5),
        _record("someone-else", 9.0),
        {"uuid": "b3", "billing_type": "deduct", "price": 7.0},  # names no job
        _record("job1", "-0.2", kind="refund"),
        _record("job1", 1.0, kind="adjustment"),  # kept, not summed
        _record("job1", 1.0, kind=["deduct"]),  # kept, not summed
        "not a record",
    ]
    fake.add_fault(_answer({"page": 1, "total": 6, "items": items}))
    charge = client.charge("job1")
    assert charge is not None
    assert (charge.deducted, charge.refunded, charge.amount) == (
        Decimal("0.5"), Decimal("0.2"), Decimal("0.3"),
    )
    assert [record["billing_type"] for record in charge.records] == [
        "deduct", "refund", "adjustment", ["deduct"],
    ]
    fake.add_fault(_answer({"page": 1, "items": [_record("someone-else", 9.0)]}))
    assert client.charge("job1") is None


@pytest.mark.parametrize(
    "data",
    [None, [], {}, {"items": None}, {"items": {"job1": 0.5}}, {"items": "job1"},
     {"items": [_record("job1", "abc")]}, {"items": [_record("job1", None)]},
     {"items": [_record("job1", True)]}, {"items": [_record("job1", "Infinity")]},
     {"items": [_record("job1", 0.1, currency=[])]},
     {"items": [_record("job1", 0.1, currency="USD"), _record("job1", 0.1, currency="EUR")]}],
)
def test_a_billing_answer_of_another_shape_is_an_api_error(
    fake: FakeWaveSpeed, client: wavevid.Client, data: Any
) -> None:
    fake.add_fault(_answer(data))
    with pytest.raises(wavevid.APIError):
        client.charge("job1")


@pytest.mark.parametrize("job_id", ["../balance", "", "a b", "job1\n", 7])
def test_a_charge_needs_a_job_id_before_any_request(
    fake: FakeWaveSpeed, client: wavevid.Client, job_id: Any
) -> None:
    with pytest.raises(wavevid.InvalidParametersError):
        client.charge(job_id)
    assert fake.requests == []
