"""Values and operators of the fake's price formulas (``_formula``), as JSONata has them:
numbers as Decimals, *undefined* for a name the inputs lack, arithmetic that stays undefined,
comparisons that are false with it, and the functions the formulas use."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any


class FormulaError(ValueError):
    """The formula is outside the part of JSONata the fake evaluates, or its values do not
    fit its operators."""


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()
"""JSONata's undefined: what a name the inputs lack evaluates to."""


def from_json(value: Any) -> Any:
    """An input as a formula sees it: numbers as Decimals; NaN, infinity and what JSON has
    no value for are undefined."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value)) if math.isfinite(value) else UNDEFINED
    if isinstance(value, list):
        return [from_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): from_json(item) for key, item in value.items()}
    return UNDEFINED


def is_number(value: Any) -> bool:
    """Whether ``value`` is a formula number (booleans are not)."""
    return isinstance(value, Decimal)


def truthy(value: Any) -> bool:
    """JSONata's boolean value of ``value``: undefined, null, 0 and empty values are false."""
    if value is UNDEFINED or value is None:
        return False
    if isinstance(value, Decimal):
        return value != 0
    return bool(value)


def text(value: Any) -> str:
    """``value`` as the ``&`` operator joins it."""
    if isinstance(value, str):
        return value
    if is_number(value):
        return str(value)
    return json.dumps(value, default=str)


def compare(operator: str, left: Any, right: Any) -> bool:
    """``left operator right``; false when either is undefined; FormulaError when ordering
    values that are not both numbers or both strings."""
    if left is UNDEFINED or right is UNDEFINED:
        return False
    if operator in ("=", "!="):
        equal = type(left) is type(right) and left == right
        return equal if operator == "=" else not equal
    if not (is_number(left) and is_number(right)) and not (
        isinstance(left, str) and isinstance(right, str)
    ):
        raise FormulaError(f"cannot order {left!r} and {right!r}")
    ordered: dict[str, bool] = {
        "<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right,
    }
    return ordered[operator]


def arithmetic(operator: str, left: Any, right: Any) -> Any:
    """``left operator right``: undefined when either is (or on a division by zero);
    FormulaError when either is not a number."""
    if left is UNDEFINED or right is UNDEFINED:
        return UNDEFINED
    if not (is_number(left) and is_number(right)):
        raise FormulaError(f"cannot compute {left!r} {operator} {right!r}")
    try:
        if operator == "+":
            return left + right
        if operator == "-":
            return left - right
        if operator == "*":
            return left * right
        if operator == "/":
            return left / right
        return left % right
    except (ZeroDivisionError, InvalidOperation):
        return UNDEFINED


def _numbers(value: Any) -> list[Decimal] | None:
    """The numbers of a JSONata sequence argument; None when it is, or holds, undefined."""
    values = value if isinstance(value, list) else [value]
    if any(item is UNDEFINED for item in values):
        return None
    if not all(is_number(item) for item in values):
        raise FormulaError(f"not a list of numbers: {value!r}")
    return values


def _aggregate(
    combine: Callable[[list[Decimal]], Decimal], empty: Any = UNDEFINED
) -> Callable[..., Any]:
    def function(value: Any = UNDEFINED) -> Any:
        numbers = _numbers(value)
        if numbers is None:
            return UNDEFINED
        return combine(numbers) if numbers else empty

    return function


def _rounding(rounding: str, *, absolute: bool = False) -> Callable[..., Any]:
    """``$ceil``, ``$floor``, ``$round(value, places)``; ``$abs`` (``absolute``: no rounding)."""

    def function(value: Any = UNDEFINED, places: Any = Decimal(0)) -> Any:
        if value is UNDEFINED:
            return UNDEFINED
        if not (is_number(value) and is_number(places)):
            raise FormulaError(f"not a number: {value!r}")
        if absolute:
            return abs(value)
        try:
            return value.quantize(Decimal(1).scaleb(-int(places)), rounding=rounding)
        except InvalidOperation:
            raise FormulaError(f"cannot round {value!r}") from None

    return function


def _count(value: Any = UNDEFINED) -> Decimal:
    if value is UNDEFINED:
        return Decimal(0)
    return Decimal(len(value) if isinstance(value, list) else 1)


def _number(value: Any = UNDEFINED) -> Any:
    if value is UNDEFINED or is_number(value):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise FormulaError(f"not a number: {value!r}") from None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "$max": _aggregate(max),
    "$min": _aggregate(min),
    "$sum": _aggregate(lambda numbers: sum(numbers, Decimal(0)), empty=Decimal(0)),
    "$count": _count,
    "$ceil": _rounding("ROUND_CEILING"),
    "$floor": _rounding("ROUND_FLOOR"),
    "$round": _rounding(ROUND_HALF_EVEN),
    "$abs": _rounding("ROUND_HALF_EVEN", absolute=True),
    "$number": _number,
    "$exists": lambda value=UNDEFINED: value is not UNDEFINED,
}
