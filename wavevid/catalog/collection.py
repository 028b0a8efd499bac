"""``Catalog``: the models read, looked up by name, alias or WaveSpeed path.

A path belongs to one entry: several names share it only as presets of that entry
(``presets``), and a lookup by path finds the entry that owns it, never a preset.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from pathlib import Path

from .._constants import CLOSE_MATCHES
from ..errors import CatalogError, UnknownModelError
from .model import Model


class Catalog:
    """The models of one or more catalog folders, looked up by name, alias or WaveSpeed path."""

    def __init__(self, models: Sequence[Model], folders: Sequence[Path] = ()) -> None:
        """Raises CatalogError when two models share a name or alias, or a path without one
        of them being a preset (``preset_of``) of the other."""
        self.folders: tuple[Path, ...] = tuple(folders)
        """The folders read, in load order (the built-in one first)."""
        self._models = {model.name: model for model in models}
        self._index, clashes = index_models(models)
        if clashes:
            raise clashes[0]

    def __iter__(self) -> Iterator[Model]:
        return iter(self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.strip().lower() in self._index

    def __repr__(self) -> str:
        return f"<Catalog of {len(self)} models>"

    def names(self) -> list[str]:
        """Every model name, in load order."""
        return list(self._models)

    def find(self, key: str) -> Model | None:
        """The model with this name, alias or path, or None. A path gives the entry that owns
        it, never one of its presets."""
        return self._index.get(key.strip().lower())

    def get(self, key: str) -> Model:
        """The model with this name, alias or WaveSpeed path (case does not matter). A path
        gives the entry that owns it, never one of its presets.

        Raises:
            UnknownModelError: with the closest known names.
        """
        model = self.find(key)
        if model is None:
            raise UnknownModelError(key, self._suggestions(key))
        return model

    def _suggestions(self, key: str) -> list[str]:
        """The closest names, aliases or paths, best first, one per model (its best)."""
        matches = difflib.get_close_matches(key.lower(), self._index, n=len(self._index))
        best: dict[str, str] = {}
        for match in matches:
            best.setdefault(self._index[match].name, match)
        return list(best.values())[:CLOSE_MATCHES]


def index_models(models: Sequence[Model]) -> tuple[dict[str, Model], list[CatalogError]]:
    """Every name, alias and path (lower case) -> its model, and every clash between them."""
    index: dict[str, Model] = {}
    clashes = []
    for model in models:
        for kind, key in _keys_of(model):
            other = index.setdefault(key.lower(), model)
            if other is not model:
                hint = (f"; to give one endpoint another name, make it a preset:"
                        f" `preset_of: {other.name}` instead of a path") if kind == "path" else ""
                clashes.append(CatalogError(
                    f"{kind} {key!r} is also a name, alias or path of {other.name!r}"
                    f" ({other.source}){hint}",
                    file=str(model.source),
                    entry=model.name,
                    key={"name": None, "alias": "aliases"}.get(kind, kind),
                ))
    return index, clashes


def _keys_of(model: Model) -> Iterator[tuple[str, str]]:
    yield "name", model.name
    for alias in model.aliases:
        yield "alias", alias
    if model.preset_of is None:  # a preset's path is its owner's
        yield "path", model.path
