"""Prices as WaveSpeed states them, beside the catalog's estimates: a quote for an input before
anything is submitted (``POST /api/v3/model/price``), and what was billed for a job (``POST
/api/v3/billings/search`` with ``prediction_uuids``).

UNVERIFIED: both shapes come from WaveSpeed's public code and pages, not from a live answer.

- Quote: WaveSpeed's CLI (``src/lib/api.ts``) sends ``{"model_id": <path>, "inputs": {...}}``
  to ``/model/price`` and reads ``{model_id, price, discounted_price, discount_rate?,
  currency?}``; its older version and the docs' pricing page used ``/model/pricing`` answering
  ``{model_id, unit_price, currency}``. Both answers are read. Per the CLI, the service prices
  an input it lacks at the formula's floor (``base_price``), so the inputs sent here are the
  body a submit would send, defaults filled in.
- Billing records (docs-common-api/billings, check-billings): ``{page, total, items: [{uuid,
  billing_type: "deduct" | "refund", price, created_at, order, prediction: {uuid, model_uuid,
  status}}]}``, ``price`` documented as "amount in USD"; one older example shows ``24300`` for a
  $0.027 model, so the unit is not certain. A record shows up while the job still runs
  (``order.state: "pre"``); whether a failed job is refunded by a ``refund`` record is not
  documented.

The names below are the one place to correct when a live answer says otherwise.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

from ._constants import BILLING_PAGE_SIZE, MAX_BODY_DEPTH, PRICE_MAX_DIGITS
from ._deadline import Deadline
from ._endpoints import Endpoint
from ._job_data import JOB_ID_CHARACTERS, is_job_id
from ._json_body import body_problems
from ._payload import is_local_media, merged_input
from ._runtime import Runtime
from ._short_text import short_repr
from .errors import APIError, InvalidParametersError, ParameterProblem

QUOTE_PATH = "model/price"
QUOTE_MODEL_FIELD = "model_id"
QUOTE_INPUTS_FIELD = "inputs"
#: What the quoted input costs: the first of these the answer has (after any discount first).
QUOTE_AMOUNT_FIELDS = ("discounted_price", "price", "unit_price")
#: The price before any discount, when the answer states it apart from the amount.
QUOTE_LIST_PRICE_FIELD = "price"
CURRENCY_FIELD = "currency"
#: The currency when an answer names none (the docs state every amount in USD).
DEFAULT_CURRENCY = "USD"

BILLINGS_PATH = "billings/search"
BILLING_JOBS_FIELD = "prediction_uuids"
BILLING_ITEMS_FIELD = "items"
BILLING_TYPE_FIELD = "billing_type"
BILLING_AMOUNT_FIELD = "price"
BILLING_JOB_PATH = ("prediction", "uuid")
DEDUCT = "deduct"
REFUND = "refund"

_LOCAL_FILE = "a local file: a quote uploads nothing; pass a URL (e.g. from client.upload())"


@dataclass(frozen=True)
class Quote:
    """What WaveSpeed says an input costs, before submitting (``Client.quote``)."""

    model: str
    """The catalog name, or the WaveSpeed path for a model outside the catalog."""
    path: str
    """The WaveSpeed path that was priced."""
    amount: Decimal
    """What a job with this input would cost, any discount applied."""
    currency: str
    """The answer's currency, ``DEFAULT_CURRENCY`` when it names none."""
    list_price: Decimal | None
    """The price before a discount, when the answer states one apart; else None."""
    estimate: Decimal | None
    """The catalog's own estimate for the same input (``Model.estimate_cost``), or None."""
    inputs: dict[str, Any] = field(repr=False)
    """The inputs that were priced: the body a submit would send."""
    raw: dict[str, Any] = field(repr=False)
    """The answer's ``data`` as it came."""


@dataclass(frozen=True)
class Charge:
    """What WaveSpeed billed for one job (``Client.charge``)."""

    job_id: str
    amount: Decimal
    """Deducted minus refunded."""
    deducted: Decimal
    """The sum of the job's ``deduct`` records."""
    refunded: Decimal
    """The sum of the job's ``refund`` records (as a positive amount)."""
    currency: str
    """``DEFAULT_CURRENCY`` unless the records name another."""
    records: tuple[dict[str, Any], ...] = field(repr=False)
    """The billing records that name the job, as answered (other types are kept, not summed)."""
    raw: dict[str, Any] = field(repr=False)
    """The answer's ``data`` as it came."""


def quote(
    runtime: Runtime,
    model: str,
    input: Mapping[str, Any] | None,
    params: Mapping[str, Any],
    deadline: Deadline,
) -> Quote:
    """``Client.quote``: the inputs checked as a submit checks them, then one POST."""
    values = merged_input(input, params)
    endpoint = runtime.resolve(model)
    inputs = _inputs(endpoint, values)
    body = {QUOTE_MODEL_FIELD: endpoint.path, QUOTE_INPUTS_FIELD: inputs}
    data = runtime.transport.call("POST", QUOTE_PATH, deadline=deadline, body=body)
    if not isinstance(data, dict):
        raise APIError("the price answer has no price", status_code=200)
    found = [name for name in QUOTE_AMOUNT_FIELDS if data.get(name) is not None]
    if not found:
        raise APIError("the price answer has no price", status_code=200)
    amount = _amount(data[found[0]], "the price answer")
    listed = data.get(QUOTE_LIST_PRICE_FIELD) if found[0] != QUOTE_LIST_PRICE_FIELD else None
    model_entry = endpoint.model
    return Quote(
        model=endpoint.name, path=endpoint.path, amount=amount,
        currency=_currency(data, "the price answer"),
        list_price=None if listed is None else _amount(listed, "the price answer"),
        estimate=model_entry.estimate_cost(inputs) if model_entry else None,
        inputs=inputs, raw=data,
    )


def charge(runtime: Runtime, job_id: str, deadline: Deadline) -> Charge | None:
    """``Client.charge``: one page of the job's billing records (a job has a few at most)."""
    if not is_job_id(job_id):
        raise InvalidParametersError("charge", [ParameterProblem(
            "job_id", f"{short_repr(job_id)} is not a WaveSpeed job id ({JOB_ID_CHARACTERS})"
        )])
    body = {BILLING_JOBS_FIELD: [job_id], "page": 1, "page_size": BILLING_PAGE_SIZE}
    data = runtime.transport.call("POST", BILLINGS_PATH, deadline=deadline, body=body,
                                  job_id=job_id)
    items = data.get(BILLING_ITEMS_FIELD) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise APIError("the billing answer has no records", status_code=200, job_id=job_id)
    # Only records that name the job count: a server that ignored the filter would otherwise
    # bill this job for the whole account.
    records = tuple(item for item in items if _job_of(item) == job_id)
    if not records:
        return None
    sums = {DEDUCT: Decimal(0), REFUND: Decimal(0)}
    for record in records:
        kind = record.get(BILLING_TYPE_FIELD)
        if isinstance(kind, str) and kind in sums:
            sums[kind] += abs(_amount(record.get(BILLING_AMOUNT_FIELD), "a billing record"))
    currencies = {_currency(record, "a billing record") for record in records}
    if len(currencies) > 1:
        raise APIError(f"the billing records mix currencies: {sorted(currencies)}",
                       status_code=200, job_id=job_id)
    return Charge(
        job_id=job_id, amount=sums[DEDUCT] - sums[REFUND], deducted=sums[DEDUCT],
        refunded=sums[REFUND], currency=currencies.pop(), records=records, raw=data,
    )


def _inputs(endpoint: Endpoint, values: Mapping[str, Any]) -> dict[str, Any]:
    """The body a submit would send (validated and defaults filled for a catalog model), with
    local files refused: InvalidParametersError naming every problem, before any request."""
    model = endpoint.model
    if model is not None:
        inputs = model.build_payload(values)
    else:
        inputs = {key: value for key, value in values.items() if value is not None}
    local = list(_local_files(inputs))
    problems = [ParameterProblem(place, _LOCAL_FILE) for place in local]
    problems += [p for p in body_problems(inputs, is_local_media) if p.parameter not in local]
    if problems:
        raise InvalidParametersError(endpoint.name, problems)
    return inputs


def _local_files(values: Mapping[str, Any]) -> Iterator[str]:
    """The places (``image``, ``loras[0].path``) of local files in ``values``, at any depth
    up to ``MAX_BODY_DEPTH`` (deeper is ``body_problems``' to report)."""
    pending = deque((str(key), value, 1) for key, value in values.items())
    while pending:
        place, value, depth = pending.popleft()
        if is_local_media(value):
            yield place
        elif depth <= MAX_BODY_DEPTH and isinstance(value, dict):
            pending += [(f"{place}.{key}", item, depth + 1) for key, item in value.items()]
        elif depth <= MAX_BODY_DEPTH and isinstance(value, (list, tuple)):
            pending += [(f"{place}[{index}]", item, depth + 1) for index, item in enumerate(value)]


def _job_of(record: Any) -> Any:
    """The job id a billing record names, or None."""
    value = record
    for key in BILLING_JOB_PATH:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def read_amount(value: Any, max_digits: int) -> Decimal | None:
    """A finite Decimal from a JSON number or numeric string with fewer than ``max_digits``
    digits before the point; None for anything else (a formatted ``1e999999999`` would build
    a billion-digit string)."""
    if not isinstance(value, (int, float, str)) or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:  # decimal.InvalidOperation: not a number
        return None
    return amount if amount.is_finite() and amount.adjusted() < max_digits else None


def _amount(value: Any, where: str) -> Decimal:
    """A finite amount from a JSON number or numeric string; APIError for anything else."""
    amount = read_amount(value, PRICE_MAX_DIGITS)
    if amount is None:
        raise APIError(f"{where} has no amount: {short_repr(value)}", status_code=200)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -PRICE_MAX_DIGITS:  # 1e-999999999: rounded
        with localcontext() as context:
            context.prec = 3 * PRICE_MAX_DIGITS
            amount = amount.quantize(Decimal(1).scaleb(-PRICE_MAX_DIGITS))
    return amount


def _currency(data: Mapping[str, Any], where: str) -> str:
    value = data.get(CURRENCY_FIELD)
    if value is None:
        return DEFAULT_CURRENCY
    if not isinstance(value, str) or not (value.isascii() and value.isalpha()) or len(value) > 8:
        raise APIError(f"{where} has no currency: {short_repr(value)}", status_code=200)
    return value.upper()
