"""Catalog entries as written, in load order, turned into models.

A later entry with the same name replaces an earlier one, or amends it when it ``extends`` its
own name. Once everything is read, each entry's parent (``extends``, or ``preset_of`` for a
preset) is resolved, so a child sees its parent's final definition; a preset takes its owner's
path. Entries from checked files, and entries inheriting from one, are meta-validated.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .._constants import CATALOG_MAX_EXTENDS, CLOSE_MATCHES
from ..errors import CatalogError
from . import merge
from .check import check_model
from .model import Model
from .presets import preset_problems


@dataclasses.dataclass
class _Entry:
    data: dict[str, Any]
    file: Path
    checked: bool


@dataclasses.dataclass
class _Resolved:
    definition: dict[str, Any]
    checked: bool
    """Whether it, or an entry it inherits from, comes from a checked file."""
    links: int
    """How many parents lead from it to an entry that extends nothing."""


class Written:
    """Entries as written, in load order, with same-name amendments applied."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry] = {}

    def add(self, name: str, data: dict[str, Any], file: Path, checked: bool) -> None:
        """Record an entry; it replaces an earlier one of the same name, or amends it when it
        ``extends`` its own name. Raises CatalogError when there is nothing to amend."""
        if data.get("extends") != name:
            self.entries[name] = _Entry(data, file, checked)
            return
        earlier = self.entries.get(name)
        if earlier is None:
            raise CatalogError(
                "extends its own name, but no earlier catalog defines it",
                file=str(file),
                entry=name,
                key="extends",
            )
        self.entries[name] = _Entry(merge.amend(earlier.data, data), file, checked)

    def resolve(self, report: Callable[[CatalogError], None]) -> list[Model]:
        """A Model per entry, parents resolved and checked entries meta-validated; each problem
        goes to ``report`` (which may raise) and its entry is left out. An entry is checked
        when it, or any entry it inherits from, comes from a checked file: a user's amendment
        to a built-in parent can break the built-in children (and presets)."""
        resolved: dict[str, _Resolved] = {}
        checks: dict[str, list[CatalogError]] = {}

        def problems(name: str) -> list[CatalogError]:
            """The meta-validation problems of a resolved entry (computed once)."""
            if name not in checks:
                result, file = resolved[name], str(self.entries[name].file)
                checks[name] = check_model(name, result.definition, file) if result.checked \
                    else []
            return checks[name]

        models, said = [], set()
        for name, entry in self.entries.items():
            try:
                result = self._resolve(name, resolved)
            except CatalogError as error:
                if str(error) not in said:  # an ancestor's problem comes with each descendant
                    said.add(str(error))
                    report(error)
                continue
            found = problems(name)
            owner = result.definition.get("preset_of")
            if result.checked and owner is not None and not found and not problems(owner):
                found = preset_problems(name, result.definition, owner,
                                        resolved[owner].definition, str(entry.file))
            for problem in found:
                report(problem)
            if not found:
                models.append(Model(name, result.definition, entry.file))
        return models

    def _resolve(self, name: str, resolved: dict[str, _Resolved]) -> _Resolved:
        """The entry's complete definition, its ancestors first (without recursion: a chain
        of any length gives a CatalogError, never a RecursionError)."""
        chain = [name]  # the entry, its parent, its parent's parent... up to a resolved one
        while chain[-1] not in resolved:
            parent = self._parent(chain)
            if parent is None:
                break
            chain.append(parent)
        for current in reversed(chain):
            if current in resolved:
                continue
            entry = self.entries[current]
            parent = _parent_of(current, entry)
            if parent is None:
                resolved[current] = _Resolved(merge.complete(entry.data), entry.checked, 0)
                continue
            base = resolved[parent]
            if base.links >= CATALOG_MAX_EXTENDS:
                problem = f"extends through more than {CATALOG_MAX_EXTENDS} parents"
                raise CatalogError(problem, file=str(entry.file), entry=current,
                                   key=_parent_key(entry.data))
            definition = merge.inherit(base.definition, entry.data)
            if "preset_of" in entry.data:
                _take_owner_path(current, entry, parent, base.definition, definition)
            resolved[current] = _Resolved(definition, entry.checked or base.checked, base.links + 1)
        return resolved[name]

    def _parent(self, chain: list[str]) -> str | None:
        """The parent of ``chain[-1]``, or None when it has none (or amends itself). Raises
        CatalogError when the parent is missing or is already in ``chain``."""
        name = chain[-1]
        data = self.entries[name].data
        parent = _parent_of(name, self.entries[name])
        if parent is None:
            return None
        file, key = str(self.entries[name].file), _parent_key(data)
        if parent in chain:
            cycle = " -> ".join((*chain, parent))
            raise CatalogError(f"{key} cycle: {cycle}", file=file, entry=name, key=key)
        if parent not in self.entries:
            matches = difflib.get_close_matches(parent, self.entries, n=CLOSE_MATCHES)
            hint = f"; did you mean {' or '.join(map(repr, matches))}?" if matches else ""
            problem = f"{key} {parent!r}, which is not in the catalog{hint}"
            raise CatalogError(problem, file=file, entry=name, key=key)
        return parent


def _parent_of(name: str, entry: _Entry) -> str | None:
    """The entry ``name`` starts from: its ``preset_of``, else its ``extends`` unless that is
    its own name (an amendment, applied already). Raises CatalogError for both at once."""
    owner, extends = entry.data.get("preset_of"), entry.data.get("extends")
    if owner is not None:
        if extends is not None and extends != name:
            problem = f"a preset starts from its preset_of entry ({owner!r}): remove extends"
            raise CatalogError(problem, file=str(entry.file), entry=name, key="extends")
        return str(owner)
    return None if extends is None or extends == name else str(extends)


def _parent_key(data: Mapping[str, Any]) -> str:
    return "preset_of" if data.get("preset_of") is not None else "extends"


def _take_owner_path(
    name: str, entry: _Entry, owner: str, owned: Mapping[str, Any], definition: dict[str, Any]
) -> None:
    """Give preset ``name`` the path of its owner. Raises CatalogError when it states another,
    or when the owner is a preset itself (the owner of a path is an entry of its own)."""
    file = str(entry.file)
    if owned.get("preset_of") is not None:
        problem = (
            f"{owner!r} is a preset of {owned['preset_of']!r}: name the entry that owns the path"
        )
        raise CatalogError(problem, file=file, entry=name, key="preset_of")
    path, stated = owned.get("path"), entry.data.get("path")
    if stated is not None and (not isinstance(stated, str) or not isinstance(path, str)
                               or stated.lower() != path.lower()):
        problem = (
            f"a preset sends to the path of {owner!r} ({path}) and states no other: remove"
            " path, or remove preset_of to make an entry of its own"
        )
        raise CatalogError(problem, file=file, entry=name, key="path")
    definition["path"] = path
