"""Any answer to a price quote or a billing search, only typed results or typed errors: whatever
WaveSpeed or a gateway sends back (any status, any body, fields of any shape), ``client.quote``
returns a Quote with finite Decimal amounts, ``client.charge`` a Charge or None, or either
raises a ``WavevidError``; never a raw ``TypeError``, ``KeyError``, ``InvalidOperation``...

Answers come from ``responses`` (no sockets: the shapes are the point); derandomized."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wavevid
from wavevid.cli import prices as cli_prices
from wavevid.errors import WavevidError

BASE = "https://api.example.test"
JOB = "job1"


def _no_sleep(seconds: float) -> None:
    """Retries wait in no time."""


CLIENT = wavevid.Client(api_key="sk-test-prices", base_url=BASE, max_retries=1, sleep=_no_sleep)
SETTINGS = settings(derandomize=True, max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

text = st.text(max_size=8)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | text
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
amounts = st.sampled_from([0.32, "0.27", 0, -1, "NaN", "Infinity", "1e999999999", "abc", True,
                           10**400, 1e308, "", " 2 "]) | st.floats() | st.integers()
currencies = st.sampled_from(["USD", "usd", "EUR", "", "ДОЛ", "US Dollar", 840, None])


def _maybe(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Any of ``fields``, each a plausible value or any JSON value."""
    return st.fixed_dictionaries({}, optional={k: v | json_values for k, v in fields.items()})


#: Answers that mostly carry a price, their other fields of any shape.
quotes = st.fixed_dictionaries(
    {"price": amounts}, optional={"model_id": text, "currency": currencies | json_values,
                                  "discounted_price": amounts | json_values,
                                  "unit_price": amounts | json_values},
) | _maybe({"model_id": text, "price": amounts, "unit_price": amounts, "currency": currencies})
#: Records that mostly name the job (the ones summed), their other fields of any shape.
records = st.fixed_dictionaries(
    {"prediction": st.fixed_dictionaries({"uuid": st.sampled_from([JOB, JOB, "other"])})
     | _maybe({"uuid": st.just(JOB)})},
    optional={
        "billing_type": st.sampled_from(["deduct", "refund", "adjustment", ["deduct"], {}])
        | json_values,
        "price": amounts | json_values,
        "currency": currencies | json_values,
    },
)
pages = st.fixed_dictionaries(
    {"items": st.lists(records | json_values, max_size=4)},
    optional={"page": st.integers(), "total": st.integers()},
) | _maybe({"items": st.lists(json_values, max_size=2)})


def answers(data: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[int, bytes]]:
    """A sound envelope around ``data`` (HTTP 200), or any status around any body."""
    envelope = st.fixed_dictionaries({"code": st.sampled_from([200, 400, 500]), "data": data},
                                     optional={"message": text})
    bodies = (envelope.map(lambda value: json.dumps(value).encode())
              | st.sampled_from([b"", b"<html>502 Bad Gateway</html>", b"[" * 3000])
              | st.binary(max_size=16))
    sound = st.fixed_dictionaries({"code": st.just(200), "data": data})
    return st.tuples(st.just(200), sound.map(lambda value: json.dumps(value).encode())) | (
        st.tuples(st.sampled_from([200, 302, 400, 402, 404, 429, 500, 502]), bodies)
    )


def _typed(call: Any) -> Any:
    try:
        return call()
    except WavevidError:
        return None


def _finite(*amounts: Decimal | None) -> None:
    for amount in amounts:
        assert amount is None or (isinstance(amount, Decimal) and amount.is_finite())


@SETTINGS
@given(answer=answers(quotes | json_values))
def test_a_quote_answer_of_any_shape_is_a_quote_or_a_typed_error(
    answer: tuple[int, bytes],
) -> None:
    status, body = answer
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add("POST", f"{BASE}/api/v3/model/price", status=status, body=body)
        quote = _typed(lambda: CLIENT.quote("ltx-2-fast", prompt="a fox"))
    if quote is not None:
        _finite(quote.amount, quote.list_price, quote.estimate)
        assert quote.currency.isalpha()
        assert cli_prices._money(quote.amount, quote.currency)


@SETTINGS
@given(answer=answers(pages | json_values))
def test_a_billing_answer_of_any_shape_is_a_charge_none_or_a_typed_error(
    answer: tuple[int, bytes],
) -> None:
    status, body = answer
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add("POST", f"{BASE}/api/v3/billings/search", status=status, body=body)
        charge = _typed(lambda: CLIENT.charge(JOB))
    if charge is not None:
        _finite(charge.amount, charge.deducted, charge.refunded)
        assert charge.amount == charge.deducted - charge.refunded
        assert all(record["prediction"]["uuid"] == JOB for record in charge.records)
