"""What can go out as a JSON request body, checked before anything is uploaded or sent.

``requests`` encodes a body with ``json.dumps(allow_nan=False)``, so a value JSON cannot carry
(NaN or infinity, a ``Decimal``, a ``datetime``, a set, bytes, a ``Path`` anywhere but as a
top-level media parameter, a mapping that is not a dict, an integer past Python's digit limit,
nesting past ``MAX_BODY_DEPTH``) would fail while the request is being made: after the uploads,
as an error no caller expects (NaN was even taken for an uncertain submit). A body unvalidated by
the catalog (``validate=False``, a path outside the catalog) meets the same check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from ._constants import MAX_BODY_DEPTH
from ._short_text import short_repr
from .errors import ParameterProblem

_SCALARS = (str, bool, type(None))


def body_problems(
    values: Mapping[str, Any], skip: Callable[[Any], bool]
) -> list[ParameterProblem]:
    """Every value of ``values`` that JSON cannot carry, named by its place (``loras[0].scale``),
    in order. Top-level values for which ``skip`` is true (local media: uploaded first, then sent
    as their URLs) are not looked at."""
    problems = [ParameterProblem(_key_name(key), "a key must be a string")
                for key in values if not isinstance(key, str)]
    pending = [(_key_name(key), value, 1) for key, value in values.items() if not skip(value)]
    pending.reverse()
    while pending:
        place, value, depth = pending.pop()
        problem = _problem(value, depth)
        if problem is not None:
            problems.append(ParameterProblem(place, problem))
        elif isinstance(value, dict):
            nested = [(f"{place}.{_key_name(key)}", item, depth + 1)
                      for key, item in value.items()]
            problems += [ParameterProblem(f"{place}.{_key_name(key)}", "a key must be a string")
                         for key in value if not isinstance(key, str)]
            pending += reversed(nested)
        elif isinstance(value, (list, tuple)):
            pending += reversed([(f"{place}[{index}]", item, depth + 1)
                                 for index, item in enumerate(value)])
    return problems


def _problem(value: Any, depth: int) -> str | None:
    if isinstance(value, _SCALARS):
        return None
    if isinstance(value, int):
        try:
            repr(value)
        except ValueError:  # more digits than sys.get_int_max_str_digits()
            return "an integer too large to send"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} cannot be sent as JSON"
    if isinstance(value, (dict, list, tuple)):
        if depth > MAX_BODY_DEPTH:
            return f"nested deeper than {MAX_BODY_DEPTH} levels"
        return None
    hint = " (use a dict)" if isinstance(value, Mapping) else ""
    return f"a {type(value).__name__} ({short_repr(value)}) cannot be sent as JSON{hint}"


def _key_name(key: Any) -> str:
    return key if isinstance(key, str) else short_repr(key)
