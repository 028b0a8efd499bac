"""Price estimates from a catalog entry's ``pricing`` rule: how a YAML price becomes a Decimal.

Prices are estimates in USD as :class:`~decimal.Decimal` (never floats: ``0.04 * 5`` must be
``0.20``); WaveSpeed's bill is the truth. The rule reads the output length from the
``duration`` parameter unless the caller states it (``output_seconds``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ._constants import OUTPUT_SECONDS_PARAMETER
from ._logging import get_logger

logger = get_logger("wavevid.pricing")


def output_seconds_of(values: Mapping[str, Any], output_seconds: float | None) -> float | None:
    """The output length: ``output_seconds`` when given, else the ``duration`` value, else None."""
    value = output_seconds if output_seconds is not None else values.get(OUTPUT_SECONDS_PARAMETER)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer too large for a float: no length at all
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def estimate_cost(
    rule: Mapping[str, Any], values: Mapping[str, Any], output_seconds: float | None = None
) -> Decimal | None:
    """The estimated price of one job, or None when the rule or the output length is unknown.

    Args:
        rule: the catalog ``pricing`` rule: ``{per_run: P}``, ``{per_second: P}``,
            ``{per_second: {by: PARAM, rates: {VALUE: P}}}`` or ``{unknown: WHY}``.
        values: the job's input with defaults filled in.
        output_seconds: the output length when the input does not state it.
    """
    if "per_run" in rule:
        return _decimal(rule["per_run"])
    per_second = rule.get("per_second")
    if per_second is None:
        return None
    rate = _rate(per_second, values)
    seconds = output_seconds_of(values, output_seconds)
    if rate is None or seconds is None:
        return None
    return rate * _decimal(seconds)


def rate_key(value: Any) -> str:
    """How a parameter value names its rate: YAML reads ``true:`` and ``5:`` as a bool and an
    int, a quoted ``"5":`` as a str; all three must find the rate of the value 5 or True."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rate(per_second: float | Mapping[str, Any], values: Mapping[str, Any]) -> Decimal | None:
    if not isinstance(per_second, Mapping):
        return _decimal(per_second)
    value = values.get(per_second["by"])
    rates = {rate_key(key): rate for key, rate in per_second["rates"].items()}
    rate = rates.get(rate_key(value))
    if rate is None:
        logger.debug("no rate for %s=%r", per_second["by"], value)
        return None
    return _decimal(rate)


def _decimal(number: float) -> Decimal:
    if float(number).is_integer():
        return Decimal(int(number))
    # str() first: Decimal(0.04) would carry the binary float's error into the price.
    return Decimal(str(number))
