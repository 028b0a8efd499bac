"""The catalog's merge rules, as pure functions over plain data.

- A child is applied over a copy of its parent: mappings merge key by key, lists and scalars
  replace, and a ``None`` (YAML ``null``) removes the key.
- Each parameter under ``input.properties`` is replaced whole when the child names it.
- ``pricing`` and ``expected_seconds`` are single rules, replaced whole: merging
  ``{per_run: 0.2}`` into ``{per_second: 0.06}`` key by key would make a rule that means nothing.
- ``path``, ``aliases``, ``extends`` and ``preset_of`` are never inherited (a preset's path is
  set by the catalog from its owner, not by merging).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

NOT_INHERITED = frozenset({"path", "aliases", "extends", "preset_of"})
_REPLACED_WHOLE = frozenset({("pricing",), ("expected_seconds",)})


def inherit(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """A complete entry: ``child`` (its ``extends`` resolved) applied over ``parent``.

    Both are left unchanged; nulls in the result are gone.
    """
    inherited = {key: value for key, value in parent.items() if key not in NOT_INHERITED}
    own = {key: value for key, value in child.items() if key != "extends"}
    return _merge(inherited, own, keep_nulls=False, at=())


def amend(earlier: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as written, amended by a later entry that ``extends`` its own name.

    The earlier entry's ``extends``, ``path`` and ``aliases`` stay unless the change states them.
    Nulls stay in the result, so that they still remove what the entry inherits later.
    """
    own = {key: value for key, value in change.items() if key != "extends"}
    return _merge(earlier, own, keep_nulls=True, at=())


def complete(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry that extends nothing, with its nulls removed."""
    return _merge({}, entry, keep_nulls=False, at=())


def _merge(
    base: Mapping[str, Any], child: Mapping[str, Any], *, keep_nulls: bool, at: tuple[str, ...]
) -> dict[str, Any]:
    result = copy.deepcopy(dict(base))
    for key, value in child.items():
        here = (*at, key)
        if value is None:
            if keep_nulls:
                result[key] = None
            else:
                result.pop(key, None)
        elif isinstance(value, Mapping):
            below = result.get(key)
            if not isinstance(below, Mapping) or _replaced_whole(here):
                below = {}
            result[key] = _merge(below, value, keep_nulls=keep_nulls, at=here)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _replaced_whole(at: tuple[str, ...]) -> bool:
    return at in _REPLACED_WHOLE or (len(at) == 3 and at[:2] == ("input", "properties"))
