"""JSON Schema validation that stays inside the process.

Every validator wavevid builds comes from here. It checks draft 2020-12 against a registry that
holds only the meta-schemas bundled with jsonschema and retrieves nothing (:func:`refuse`), so a
``$ref`` can never become a request or an open file. It also skips ``pattern`` on a string
longer than the same schema's ``maxLength``, and matches no key longer than the same schema's
``propertyNames.maxLength`` against ``patternProperties`` (the length error is reported
instead): a pattern never runs on more text than its author allowed. :func:`reference_problems`
proves beforehand that every reference of a schema resolves inside it or to a bundled
meta-schema. jsonschema is imported on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote, urldefrag

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry

#: The only dialect an entry may name in ``$schema``: the one wavevid validates with.
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Where draft 2020-12 holds subschemas: one schema, a list of schemas, a mapping to schemas.
_ONE = (
    "additionalProperties", "propertyNames", "items", "contains", "not", "if", "then", "else",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema",
)
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")
_REFERENCES = ("$ref", "$dynamicRef")

Keyword = Callable[[Any, Any, Any, Mapping[str, Any]], Iterator["ValidationError"]]
Problem = tuple[tuple[str, ...], str]


def refuse(uri: str) -> NoReturn:
    """The registry's retrieve function: a schema outside the process is never fetched."""
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(uri)


@functools.cache
def registry() -> Registry[Any]:
    """An empty registry that retrieves nothing; jsonschema adds its bundled meta-schemas."""
    from referencing import Registry

    return Registry(retrieve=refuse)  # type: ignore[call-arg]


def validator(schema: Mapping[str, Any]) -> Validator:
    """A draft 2020-12 validator of ``schema``: local references only, bounded patterns."""
    made: Validator = _validator_class()(schema, registry=registry())
    return made


def schema_error(schema: Any) -> ValidationError | None:
    """The first reason ``schema`` is not a valid draft 2020-12 schema, or None."""
    return next(iter(_meta_validator().iter_errors(schema)), None)


def reference_problems(schema: Mapping[str, Any]) -> list[Problem]:
    """Where (keys inside ``schema``) and why a reference of a valid schema would leave it.

    A ``$ref`` or ``$dynamicRef`` must point inside ``schema`` (``#/$defs/...``, ``#anchor``),
    at a subschema (not into an ``enum`` or a ``default``), or to a bundled meta-schema.
    ``$id`` is refused (it would move the base of every reference below it), and so is a
    ``$schema`` naming another dialect than :data:`DIALECT`.
    """
    positions = _subschemas(schema)
    problems: list[Problem] = []
    for node, at in positions.values():
        if "$id" in node:
            problems.append(((*at, "$id"), "$id is not allowed: references resolve inside the"
                             " entry's input ('#/...'), whatever a schema calls itself"))
        dialect = node.get("$schema")
        if dialect is not None and str(dialect).rstrip("#") != DIALECT:
            problems.append(((*at, "$schema"), f"only {DIALECT} is read, not {dialect!r}"))
    if problems:
        return problems
    from referencing.jsonschema import DRAFT202012

    resolver = _bundled().combine(registry()).resolver_with_root(
        DRAFT202012.create_resource(schema)
    )
    for node, at in positions.values():
        for keyword in _REFERENCES:
            reference = node.get(keyword)
            if isinstance(reference, str):
                problem = _reference_problem(reference, resolver, positions)
                if problem:
                    problems.append(((*at, keyword), problem))
    return problems


def _reference_problem(reference: str, resolver: Any, positions: dict[int, Any]) -> str | None:
    from referencing.exceptions import Unresolvable

    local = reference.startswith("#")
    if not local and urldefrag(reference).url not in _bundled():
        return (
            f"{reference!r} is outside this entry; wavevid never fetches a schema (no http,"
            " no file): refer to '#/$defs/NAME' in the entry's input instead"
        )
    try:
        target = resolver.lookup(reference).contents
    except (Unresolvable, LookupError, ValueError, TypeError):
        return f"{reference!r} points at nothing"
    if isinstance(target, bool) or not local:
        return None
    if not isinstance(target, Mapping) or id(target) not in positions:
        where = unquote(reference[1:]) or "the root"
        return f"{reference!r} points at {where}, which is not a subschema (use $defs)"
    return None


def _subschemas(schema: Mapping[str, Any]) -> dict[int, tuple[Mapping[str, Any], tuple[str, ...]]]:
    """Every mapping at a subschema position of ``schema`` (by id), with its keys from the
    root. An aliased (shared) subschema is listed once, where it was met first."""
    found: dict[int, tuple[Mapping[str, Any], tuple[str, ...]]] = {}
    pending: list[tuple[Any, tuple[str, ...]]] = [(schema, ())]
    while pending:
        node, at = pending.pop()
        if not isinstance(node, Mapping) or id(node) in found:
            continue
        found[id(node)] = (node, at)
        below: list[tuple[Any, tuple[str, ...]]] = []
        for keyword, value in node.items():
            if keyword in _ONE:
                below.append((value, (*at, keyword)))
            elif keyword in _LIST and isinstance(value, list):
                below += [(item, (*at, keyword, str(i))) for i, item in enumerate(value)]
            elif keyword in _MAP and isinstance(value, Mapping):
                below += [(item, (*at, keyword, str(name))) for name, item in value.items()]
        pending += reversed(below)  # popped in the order written
    return found


@functools.cache
def _bundled() -> Registry[Any]:
    """The meta-schemas shipped with jsonschema, by URI."""
    from jsonschema_specifications import REGISTRY  # type: ignore[import-untyped]

    bundled: Registry[Any] = REGISTRY
    return bundled


@functools.cache
def _validator_class() -> Any:
    from jsonschema import Draft202012Validator, validators

    base = Draft202012Validator.VALIDATORS
    return validators.extend(Draft202012Validator, {  # type: ignore[no-untyped-call]
        "pattern": _bounded_pattern(base["pattern"]),
        **{name: _short_keys(base[name]) for name in _KEY_KEYWORDS},
    })


_KEY_KEYWORDS = ("patternProperties", "additionalProperties", "unevaluatedProperties")


@functools.cache
def _meta_validator() -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        Draft202012Validator.META_SCHEMA,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
        registry=registry(),
    )


def _bounded_pattern(check: Keyword) -> Keyword:
    def pattern(validator: Any, value: Any, instance: Any, schema: Mapping[str, Any]) -> Any:
        limit = _length(schema.get("maxLength"))
        if isinstance(instance, str) and limit is not None and len(instance) > limit:
            return iter(())  # maxLength reports it
        return check(validator, value, instance, schema)

    return pattern


def _short_keys(check: Keyword) -> Keyword:
    """``check`` over the object's keys no longer than ``propertyNames.maxLength`` (which
    reports the longer ones): ``patternProperties`` are matched against keys here."""

    def keyword(validator: Any, value: Any, instance: Any, schema: Mapping[str, Any]) -> Any:
        names = schema.get("propertyNames")
        limit = _length(names.get("maxLength")) if isinstance(names, Mapping) else None
        if isinstance(instance, dict) and limit is not None:
            instance = {
                key: item for key, item in instance.items()
                if not isinstance(key, str) or len(key) <= limit
            }
        return check(validator, value, instance, schema)

    return keyword


def _length(value: Any) -> float | None:
    """A ``maxLength`` as a number, or None when there is none."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if is_number else None
