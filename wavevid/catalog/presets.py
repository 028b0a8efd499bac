"""Presets: several catalog names for one WaveSpeed path.

A preset (``preset_of: OWNER``) starts from its owner's complete entry, as ``extends`` would,
and keeps the owner's path. Everything it sends must be a request the owner's endpoint takes,
billed and timed as the owner's, so against the owner it may only:

- change a parameter's default, title or description;
- narrow a parameter: an ``enum`` of values the owner's parameter takes, a ``const`` (one such
  value, also the default), a ``minimum``/``maximum`` (and the other bounds) moved inwards or
  added;
- leave out a parameter the owner does not require, or require one the owner leaves optional;
- have its own title, description and aliases.

It keeps the owner's ``task``, ``verified``, ``pricing`` and ``expected_seconds``, and every other
key of ``input``. These rules are checked where entries are meta-validated (user folders, and
the built-in catalog under test), after each entry passed its own checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .._schemas import validator
from .._short_text import short_repr
from ..errors import CatalogError

#: Keys a preset keeps from its owner: the same endpoint runs and bills the same.
FIXED = ("task", "verified", "pricing", "expected_seconds")
#: Parameter keys a preset may change freely: they describe, or fill in, but never widen.
_FREE = frozenset({"default", "description", "title", "examples"})
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")


def preset_problems(
    name: str, preset: Mapping[str, Any], owner_name: str, owner: Mapping[str, Any], file: str
) -> list[CatalogError]:
    """Every way the complete entry ``preset`` asks for more than its owner's endpoint takes, or
    changes what only the endpoint decides. Both entries passed their own checks."""
    return [
        CatalogError(problem, file=file, entry=name, key=key)
        for key, problem in _problems(preset, owner_name, owner)
    ]


def _problems(
    preset: Mapping[str, Any], owner_name: str, owner: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    for key in FIXED:
        if preset.get(key) != owner.get(key):
            yield key, (
                f"a preset keeps the {key} of {owner_name!r} ({short_repr(owner.get(key))}):"
                " the same endpoint runs and bills the same"
            )
    mine, theirs = preset["input"], owner["input"]
    for key in sorted(set(mine) | set(theirs), key=str):
        if key not in ("properties", "required") and mine.get(key) != theirs.get(key):
            yield f"input.{key}", f"a preset keeps input.{key} of {owner_name!r}"
    parameters, owned = mine["properties"], theirs["properties"]
    for parameter, spec in parameters.items():
        at = f"input.properties.{parameter}"
        if parameter not in owned:
            yield at, f"{owner_name!r} does not take it, and a preset sends to the same endpoint"
            continue
        yield from _narrowing(spec, owned[parameter], validator(theirs), at, owner_name)
    required = set(mine.get("required", ()))
    for parameter in theirs.get("required", ()):
        spec = parameters.get(parameter, {})
        if parameter not in required and "default" not in spec and "const" not in spec:
            yield "input.required", (
                f"{owner_name!r} requires {parameter!r}: require it, or give it a default"
            )


def _narrowing(
    spec: Mapping[str, Any], owned: Mapping[str, Any], root: Any, at: str, owner_name: str
) -> Iterator[tuple[str, str]]:
    """How parameter ``spec`` takes more than ``owned`` (the owner's), or differs from it
    beyond the changes a preset may make. ``root`` validates against the owner's input."""
    if spec.get("x-wavevid-media") != owned.get("x-wavevid-media"):
        yield f"{at}.x-wavevid-media", f"a preset keeps x-wavevid-media of {owner_name!r}"
    values = [spec["const"]] if "const" in spec else spec.get("enum")
    if values is not None:
        key = f"{at}.const" if "const" in spec else f"{at}.enum"
        for value in values:
            for error in root.evolve(schema=owned).iter_errors(value):
                taken = f"{short_repr(value)} is not a value {owner_name!r} takes"
                yield key, f"{taken}: {error.message}"
                break
        return
    for key in sorted(set(spec) | set(owned), key=str):
        if key in _FREE or key in _LOWER or key in _UPPER or key == "x-wavevid-media":
            continue
        if spec.get(key) != owned.get(key):
            yield f"{at}.{key}", (
                f"a preset may change a default, narrow an enum or a range, or fix a value with"
                f" const; its {key} differs from that of {owner_name!r}"
            )
    for key, inwards in [*((key, 1) for key in _LOWER), *((key, -1) for key in _UPPER)]:
        if key not in owned:
            continue
        if key not in spec:
            yield f"{at}.{key}", (
                f"drops the {key} of {owner_name!r} ({owned[key]}): a preset only narrows"
            )
        elif (spec[key] - owned[key]) * inwards < 0:
            yield f"{at}.{key}", (
                f"{spec[key]} widens the {key} of {owner_name!r} ({owned[key]}):"
                " a preset only narrows"
            )
