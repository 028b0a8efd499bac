"""The price formulas of the fake's model list, evaluated: the part of JSONata they use.

WaveSpeed's live list prices each model with a JSONata expression such as
``{"total_price": base_price * duration / 5}`` (its CLI's ``pricing-vars.ts``). The fake reads
numbers, strings, ``true``/``false``/``null``, names (the inputs, and ``base_price``),
``+ - * / %``, ``= != < <= > >=``, ``and``, ``or``, ``&`` (joins text), ``cond ? a : b``,
parentheses, ``[...]`` lists, ``{"key": ...}`` objects and the functions ``$max $min $sum
$count $ceil $floor $round $abs $number $exists``, in Decimal arithmetic.

As in JSONata, a name the inputs lack is *undefined*: arithmetic on it is undefined, and a
comparison with it is false. A helper of WaveSpeed's own server (a name without ``$`` called
like a function, such as ``get_duration_v3(audio)``, which measures media) is undefined too: the
fake measures nothing. Unlike JSONata, which leaves undefined values out of a list, an aggregate
(``$max``...) over a list holding one is undefined: WaveSpeed's CLI says the service quotes the
floor (``base_price``) when an input its formula needs is missing, and an undefined total is
priced so. Anything else is a ``FormulaError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from wavevid.testing._formula_values import (
    FUNCTIONS,
    UNDEFINED,
    FormulaError,
    arithmetic,
    compare,
    from_json,
    is_number,
    text,
    truthy,
)

_TOKEN = re.compile(
    r"""\s*(?:(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<string>"(?:[^"\\]|\\.)*"|'[^']*')"""
    r"""|(?P<name>\$?[A-Za-z_][A-Za-z0-9_]*)|(?P<op>!=|<=|>=|[-+*/%=<>?:(),\[\]{}&]))"""
)
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


def total_price(formula: str, variables: Mapping[str, Any]) -> Decimal | None:
    """The formula's ``total_price`` (or its value, when it is a number), or None when that
    comes out undefined. Raises FormulaError."""
    value = evaluate(formula, variables)
    if isinstance(value, dict):
        value = value.get("total_price", UNDEFINED)
    if value is UNDEFINED:
        return None
    if not is_number(value):
        raise FormulaError(f"the total price is not a number: {value!r}")
    return Decimal(value)


def evaluate(formula: str, variables: Mapping[str, Any]) -> Any:
    """The value of ``formula`` with ``variables`` (JSON values) as its names. Raises
    FormulaError."""
    parser = _Parser(_tokens(formula), {k: from_json(v) for k, v in variables.items()})
    value = parser.expression()
    if parser.peek() is not None:
        raise FormulaError(f"unexpected {parser.peek()!r} in {formula!r}")
    return value


def _tokens(formula: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while formula[position:].strip():
        match = _TOKEN.match(formula, position)
        if match is None or match.lastgroup is None:
            raise FormulaError(f"cannot read {formula[position:]!r}")
        tokens.append((match.lastgroup, match[match.lastgroup]))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent that evaluates as it reads (formulas have no side effects)."""

    def __init__(self, tokens: list[tuple[str, str]], variables: Mapping[str, Any]) -> None:
        self._tokens = tokens
        self._at = 0
        self._variables = variables

    def peek(self) -> str | None:
        return self._tokens[self._at][1] if self._at < len(self._tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self._at >= len(self._tokens):
            raise FormulaError(f"the formula ends early (expected {expected or 'a value'})")
        token = self._tokens[self._at]
        if expected is not None and token[1] != expected:
            raise FormulaError(f"expected {expected!r}, found {token[1]!r}")
        self._at += 1
        return token

    def expression(self) -> Any:
        condition = self._either()
        if self.peek() != "?":
            return condition
        self._take("?")
        chosen = self.expression()
        self._take(":")
        other = self.expression()
        return chosen if truthy(condition) else other

    def _either(self) -> Any:
        value = self._both()
        while self.peek() == "or":
            self._take()
            right = self._both()
            value = truthy(value) or truthy(right)
        return value

    def _both(self) -> Any:
        value = self._comparison()
        while self.peek() == "and":
            self._take()
            right = self._comparison()
            value = truthy(value) and truthy(right)
        return value

    def _comparison(self) -> Any:
        left = self._joined()
        if self.peek() not in _COMPARISONS:
            return left
        operator = self._take()[1]
        return compare(operator, left, self._joined())

    def _joined(self) -> Any:
        value = self._sum()
        while self.peek() == "&":
            self._take()
            right = self._sum()
            value = "".join("" if part is UNDEFINED else text(part) for part in (value, right))
        return value

    def _sum(self) -> Any:
        value = self._product()
        while self.peek() in ("+", "-"):
            operator = self._take()[1]
            value = arithmetic(operator, value, self._product())
        return value

    def _product(self) -> Any:
        value = self._unary()
        while self.peek() in ("*", "/", "%"):
            operator = self._take()[1]
            value = arithmetic(operator, value, self._unary())
        return value

    def _unary(self) -> Any:
        if self.peek() == "-":
            self._take()
            return arithmetic("-", Decimal(0), self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "number":
            return Decimal(text)
        if kind == "string":
            return json.loads(text) if text.startswith('"') else text[1:-1]
        if kind == "name":
            return self._name(text)
        if text == "(":
            value = self.expression()
            self._take(")")
            return value
        if text == "[":
            return self._items("]")
        if text == "{":
            return self._object()
        raise FormulaError(f"unexpected {text!r}")

    def _name(self, name: str) -> Any:
        if self.peek() == "(":
            self._take("(")
            arguments = self._items(")")
            if not name.startswith("$"):
                return UNDEFINED  # the server's own helper: it measures media
            function = FUNCTIONS.get(name)
            if function is None:
                raise FormulaError(f"the fake does not know the function {name}")
            return function(*arguments)
        if name in ("true", "false"):
            return name == "true"
        if name == "null":
            return None
        return self._variables.get(name, UNDEFINED)

    def _items(self, closing: str) -> list[Any]:
        items: list[Any] = []
        while self.peek() != closing:
            if items:
                self._take(",")
            items.append(self.expression())
        self._take(closing)
        return items

    def _object(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while self.peek() != "}":
            if result:
                self._take(",")
            key = self._primary()
            if not isinstance(key, str):
                raise FormulaError(f"an object key must be a string, not {key!r}")
            self._take(":")
            result[key] = self.expression()
        self._take("}")
        return result


