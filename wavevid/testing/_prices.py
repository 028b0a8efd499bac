"""Prices as ``FakeWaveSpeed`` states them: a quote (``POST /api/v3/model/price``) from its model
list's ``base_price`` and ``formula``, and billing records (``POST /api/v3/billings/search``) of
its completed jobs. The shapes are the ones ``wavevid._prices`` reads (UNVERIFIED there too):

- quote: ``{"model_id": <path>, "inputs": {...}}`` answers ``{model_id, price,
  discounted_price, currency: "USD"}`` (WaveSpeed's CLI's ``ModelPrice``; the fake gives no
  discount); a model the fake does not list gets 404;
- billings: ``page`` (>= 1) and ``page_size`` (1..100) are required, ``prediction_uuids``,
  ``billing_type`` and ``sort`` (``created_at ASC`` or ``DESC``, the default) filter and order;
  the answer is ``{page, total, items}``, each item ``{uuid, billing_type, price, created_at,
  updated_at, order, prediction: {uuid, model_uuid, status}, access_key_name}`` (the docs'
  billings page). ``start_time``/``end_time`` are not applied.

A job is billed when it completes: one ``deduct`` record at the moment it ended, priced by the
model list as it is when the records are asked for. Jobs that fail, are cancelled or run out of
time, and jobs of models the fake does not list, have none (the real service may charge at
submit and refund on failure: not documented).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from wavevid.testing._formula import total_price
from wavevid.testing._formula_values import FormulaError
from wavevid.testing._jobs import FakeJob
from wavevid.testing._model_entries import _request_schema_of
from wavevid.testing._model_list import ModelList
from wavevid.testing._records import RequestRecord
from wavevid.testing._responses import Refusal, Response, is_int_in, json_object, success

CURRENCY = "USD"
_SORTS = ("created_at ASC", "created_at DESC")
_RECORDS = uuid.UUID("6f1c2a52-8d3e-4b8e-9a51-0d5b9f7e2c41")  # namespace of record ids


def price_of(listed: Mapping[str, Any], inputs: Mapping[str, Any]) -> Decimal:
    """What the fake bills for ``inputs`` on the model entry ``listed``: its formula's
    ``total_price`` over the inputs (the request schema's defaults filling what is missing),
    or ``base_price`` when that comes out undefined (an input it needs is missing, or only the
    service could measure it: WaveSpeed's CLI says the service then quotes ``base_price``).

    Raises a 400 ``Refusal`` for a formula the fake cannot evaluate (see ``_formula``).
    """
    base = listed.get("base_price", 0)
    if not isinstance(base, (int, float)) or isinstance(base, bool):
        raise Refusal(400, f"cannot price {listed.get('model_id')}: base_price {base!r}")
    variables = {**_defaults(listed), **inputs, "base_price": base}
    formula = listed.get("formula")
    try:
        price = total_price(formula, variables) if isinstance(formula, str) else None
    except FormulaError as error:
        raise Refusal(400, f"cannot price {listed.get('model_id')}: {error}") from None
    return price if price is not None else Decimal(str(base))


def quote(models: ModelList, record: RequestRecord) -> Response:
    """Answer a price quote."""
    body = json_object(record)
    model_id, inputs = body.get("model_id"), body.get("inputs", {})
    if not isinstance(model_id, str) or not isinstance(inputs, dict):
        raise Refusal(400, "model_id must be a string and inputs an object")
    listed = models.find(model_id)
    if listed is None:
        raise Refusal(404, f"Model not found: {model_id}")  # UNVERIFIED: the real answer
    price = float(price_of(listed, inputs))
    return success(
        {"model_id": model_id, "price": price, "discounted_price": price, "currency": CURRENCY}
    )


def billings(models: ModelList, newest_first: Iterable[FakeJob], record: RequestRecord) -> Response:
    """Answer a billing search over the jobs, newest first."""
    query = json_object(record)
    page, size = query.get("page"), query.get("page_size")
    if not (is_int_in(page, 1, None) and is_int_in(size, 1, 100)):
        raise Refusal(400, "page must be an integer >= 1 and page_size one in 1..100")
    wanted, kind = query.get("prediction_uuids"), query.get("billing_type")
    if wanted is not None and not (
        isinstance(wanted, list) and all(isinstance(item, str) for item in wanted)
    ):
        raise Refusal(400, "prediction_uuids must be a list of strings")
    sort = query.get("sort", _SORTS[1])
    if sort not in _SORTS or not (kind is None or isinstance(kind, str)):
        raise Refusal(400, f"sort must be one of {list(_SORTS)}, billing_type a string")
    items = [
        _record(job, listed)
        for job in newest_first
        if job.status == "completed"
        and (wanted is None or job.id in wanted)
        and (listed := models.find(job.model)) is not None
    ]
    items = [item for item in items if kind is None or item["billing_type"] == kind]
    if sort == _SORTS[0]:
        items.reverse()
    start = (page - 1) * size
    return success({"page": page, "total": len(items), "items": items[start : start + size]})


def _record(job: FakeJob, listed: Mapping[str, Any]) -> dict[str, Any]:
    ended = job.completed_monotonic or job.created_monotonic
    when = job.created_at + timedelta(seconds=max(ended - job.created_monotonic, 0.0))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    price = float(price_of(listed, job.input))
    return {
        "uuid": uuid.uuid5(_RECORDS, f"billing {job.id}").hex,
        "billing_type": "deduct",
        "price": price,
        "created_at": stamp,
        "updated_at": stamp,
        "order": {
            "uuid": uuid.uuid5(_RECORDS, f"order {job.id}").hex,
            "state": "done",
            "price": price,
            "origin_price": price,
            "status": "",
            "ak_id": 0,
        },
        "prediction": {"uuid": job.id, "model_uuid": job.model, "status": job.status},
        "access_key_name": "",
    }


def _defaults(listed: Mapping[str, Any]) -> dict[str, Any]:
    """The ``default`` of each property of the entry's request schema."""
    schema = _request_schema_of(listed.get("api_schema"))
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(properties, Mapping):
        return {}
    return {
        name: spec["default"]
        for name, spec in properties.items()
        if isinstance(spec, Mapping) and "default" in spec
    }
