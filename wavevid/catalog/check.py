"""Meta-validation of catalog files and entries: the rules a catalog must obey beyond YAML.

Used for user folders at load time and for the built-in catalog by the test suite and
``wavevid catalog validate``. jsonschema is imported on first use only (in ``_schemas``), so
that loading the built-in catalog stays fast.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from .._constants import CATALOG_FORMAT_VERSION
from .._pricing import rate_key
from .._schemas import reference_problems, schema_error, validator
from .._short_text import short_repr
from ..errors import CatalogError

if TYPE_CHECKING:
    from jsonschema import ValidationError


@functools.cache
def meta_schema() -> dict[str, Any]:
    """The catalog meta-schema (package data ``catalog-schema.json``)."""
    text = resources.files("wavevid.catalog").joinpath("catalog-schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def check_file(document: Any, file: str) -> list[CatalogError]:
    """Problems with a file's structure: its version, its ``models`` mapping, each entry's keys.

    Entries are checked in full only once their ``extends`` is resolved (:func:`check_model`).
    """
    if isinstance(document, Mapping):
        version = document.get("version")
        if isinstance(version, int) and version > CATALOG_FORMAT_VERSION:
            problem = (
                f"format version {version} is newer than this wavevid reads"
                f" ({CATALOG_FORMAT_VERSION}); upgrade wavevid"
            )
            return [CatalogError(problem, file=file, key="version")]
    return [_located(error, file, entry_depth=1) for error in _errors(document, "#/$defs/file")]


def check_model(name: str, entry: Mapping[str, Any], file: str) -> list[CatalogError]:
    """Problems with a complete entry: the meta-schema, its input as a draft 2020-12 schema,
    defaults that break their own parameter, ``required`` names without a parameter, and a
    pricing rule keyed by a parameter the model does not take."""
    problems = [
        _located(error, file, entry=name) for error in _errors(entry, "#/$defs/model")
    ]
    if problems:
        return problems
    schema = entry["input"]
    return [
        CatalogError(problem, file=file, entry=name, key=key)
        for key, problem in (*_schema_problems(schema), *_pricing_problems(entry))
    ]


def _errors(instance: Any, ref: str) -> list[ValidationError]:
    schema = {**meta_schema(), "$ref": ref}
    # An unknown key explains a missing one better than the other way round ("modelz").
    return sorted(
        validator(schema).iter_errors(instance),
        key=lambda error: (list(map(str, error.path)), error.validator != "additionalProperties"),
    )


def _schema_problems(schema: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    error = schema_error(schema)
    if error is not None:
        yield _dotted("input", *map(str, error.path)), f"not a valid JSON Schema: {error.message}"
        return
    references = reference_problems(schema)
    for at, problem in references:
        yield _dotted("input", *at), problem
    if references:
        return  # the checks below would follow them
    properties = schema["properties"]
    for name in schema.get("required", []):
        if name not in properties:
            yield "input.required", f"{name!r} is required but is not in input.properties"
    # Each default is checked against its own parameter, with $refs resolved in the input.
    root = validator(schema)
    for name, parameter in properties.items():
        if "default" not in parameter:
            continue
        for broken in root.evolve(schema=parameter).iter_errors(parameter["default"]):
            key = f"input.properties.{name}.default"
            yield key, f"the default breaks its own schema: {broken.message}"


def _pricing_problems(entry: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    rule = entry.get("pricing", {}).get("per_second")
    if not isinstance(rule, Mapping):
        return
    parameter = entry["input"]["properties"].get(rule["by"])
    if parameter is None:
        yield "pricing.per_second.by", f"{rule['by']!r} is not an input parameter"
        return
    allowed = [rate_key(value) for value in parameter.get("enum", [])]
    for value in map(rate_key, rule["rates"]):
        if allowed and value not in allowed:
            yield f"pricing.per_second.rates.{value}", (
                f"{value!r} is not a value of {rule['by']} ({', '.join(allowed)})"
            )


def _located(
    error: ValidationError, file: str, *, entry: str | None = None, entry_depth: int = 0
) -> CatalogError:
    """A meta-schema error as a CatalogError; ``entry_depth`` is where the entry name sits in
    the error's path (1 under ``models``), when the entry is not given."""
    path = [str(part) for part in error.absolute_path]
    if entry is None and len(path) > entry_depth and entry_depth:
        entry, path = path[entry_depth], path[entry_depth + 1 :]
    problem = _describe(error)
    if error.validator == "additionalProperties":
        allowed = _schema_of(error).get("properties", {})
        written: Any = error.instance
        extra = sorted(_key_text(key) for key in set(written) - set(allowed))
        path.append(extra[0] if len(extra) == 1 else "")
        known = ", ".join(allowed)
        problem = f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(extra)}; allowed: {known}"
    return CatalogError(problem, file=file, entry=entry, key=_dotted(*path) or None)


def _key_text(key: Any) -> str:
    """A mapping key for a message; YAML reads ``no:``, ``on:`` or ``1:`` as other types."""
    if isinstance(key, str):
        return key
    return f"{key!r} (YAML read this key as {type(key).__name__}: quote it)"


def _describe(error: ValidationError) -> str:
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(error.context, key=lambda sub: len(sub.absolute_path))
        if len(deepest.absolute_path) > len(error.absolute_path):
            return _describe(deepest)
        return f"{short_repr(error.instance)} fits none of the allowed forms{_hint(error)}"
    return f"{error.message}{_hint(error)}"


def _hint(error: ValidationError) -> str:
    description = _schema_of(error).get("description")
    return f" ({description})" if description else ""


def _schema_of(error: ValidationError) -> Mapping[str, Any]:
    schema = error.schema
    return schema if isinstance(schema, Mapping) else {}


def _dotted(*parts: str) -> str:
    return ".".join(part for part in parts if part)
