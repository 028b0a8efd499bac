"""Model input from the command line: ``--prompt``, ``--param KEY=VALUE`` converted by the
parameter's schema type, ``--file KEY=PATH``; and the error for a command line that cannot
work."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ._text import short_repr
from .client import Client
from .errors import InvalidParametersError, ParameterProblem


class UsageError(Exception):
    """The command line asks for something that cannot work; nothing was sent."""


def model_values(client: Client, arguments: argparse.Namespace) -> dict[str, Any]:
    """The model input from ``--prompt``, ``--param`` (converted by the schema's type) and
    ``--file`` (a Path: uploaded). Raises InvalidParametersError for every bad value."""
    model = client.catalog.find(arguments.model)
    schema = model.parameters if model else {}
    values: dict[str, Any] = {}
    problems: list[ParameterProblem] = []
    for item in arguments.param:
        key, value = _split(item, "--param")
        try:
            values[key] = convert(value, schema.get(key, {}))
        except ValueError as error:
            problems.append(ParameterProblem(key, str(error)))
    for item in arguments.file:
        key, value = _split(item, "--file")
        try:
            values[key] = Path(value).expanduser()
        except RuntimeError as error:  # ~user that does not exist
            raise UsageError(f"--file {key}: {error}") from None
    if arguments.prompt is not None:
        values["prompt"] = arguments.prompt
    if problems:
        raise InvalidParametersError(model.name if model else arguments.model, problems)
    return values


def convert(text: str, schema: Any) -> Any:
    """``text`` as the parameter's schema type says; JSON for lists, mappings and untyped values.

    Raises:
        ValueError: with a message naming what was expected.
    """
    kind = schema.get("type") if isinstance(schema, dict) else None
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "string" in kinds:
        return text
    if "boolean" in kinds:
        lowered = text.strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise ValueError(f"{short_repr(text)} is not true or false")
    if "integer" in kinds:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{short_repr(text)} is not an integer") from None
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{short_repr(text)} is not a number") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the JSON value is nested too deeply") from None
    except ValueError:
        if kinds & {"array", "object"}:
            raise ValueError(f"{short_repr(text)} is not valid JSON") from None
        return text


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def _split(item: str, option: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"{option} takes KEY=VALUE, got {item!r}")
    return key.strip(), value
