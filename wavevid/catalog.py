"""The model catalog: YAML folders read in order, merged, checked, and looked up by name.

Sources load in this order, files in a folder by name: the built-in catalog, then the folders
in ``WAVEVID_CATALOG_PATH``, then the folders the caller names. A later entry with the same name
replaces the earlier one, or amends it when it ``extends`` its own name. ``extends`` and
``preset_of`` are resolved once everything is read, so a child sees its parent's final
definition (``_entries``). User folders are meta-validated as they load; the built-in catalog is
validated by the test suite instead.

A path belongs to one entry: several names share it only as presets of that entry
(``_presets``), and a lookup by path finds the entry that owns it, never a preset.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ._catalog_check import check_file
from ._catalog_yaml import read_yaml
from ._constants import CATALOG_FILE_SUFFIXES, CATALOG_PATH_ENV, CLOSE_MATCHES
from ._entries import Written
from ._model import Model
from .errors import CatalogError, UnknownModelError

__all__ = [
    "Catalog", "Model", "builtin_folder", "catalog_files", "environment_folders", "load_catalog",
    "read_yaml", "validate_catalog",
]


class Catalog:
    """The models of one or more catalog folders, looked up by name, alias or WaveSpeed path."""

    def __init__(self, models: Sequence[Model], folders: Sequence[Path] = ()) -> None:
        """Raises CatalogError when two models share a name or alias, or a path without one
        of them being a preset (``preset_of``) of the other."""
        self.folders: tuple[Path, ...] = tuple(folders)
        """The folders read, in load order (the built-in one first)."""
        self._models = {model.name: model for model in models}
        self._index, clashes = _index(models)
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
            matches = difflib.get_close_matches(key.lower(), self._index, n=CLOSE_MATCHES)
            raise UnknownModelError(key, matches)
        return model


def load_catalog(
    *folders: str | os.PathLike[str], builtin: bool = True, environment: bool = True
) -> Catalog:
    """Read a catalog: the built-in one, then ``WAVEVID_CATALOG_PATH``'s folders, then
    ``folders``, later entries replacing or amending earlier ones.

    Args:
        folders: extra catalog folders, read last.
        builtin: read the catalog shipped with wavevid.
        environment: read the folders named in ``WAVEVID_CATALOG_PATH``.

    Raises:
        CatalogError: a folder is missing, or a file or entry is wrong (file, entry, key, line).
    """
    return _build(_sources(folders, builtin, environment), check_builtin=False, problems=None)


def validate_catalog(
    *folders: str | os.PathLike[str], builtin: bool = True, environment: bool = True
) -> list[CatalogError]:
    """Every problem of the catalog :func:`load_catalog` would read with the same arguments,
    the built-in files included, instead of only the first. Empty when all is well."""
    problems: list[CatalogError] = []
    _build(_sources(folders, builtin, environment), check_builtin=True, problems=problems)
    return problems


def _sources(
    folders: Sequence[str | os.PathLike[str]], builtin: bool, environment: bool
) -> list[tuple[Path, bool]]:
    """(folder, is_user_folder) pairs in load order."""
    sources = [(builtin_folder(), False)] if builtin else []
    user = [*(environment_folders() if environment else []), *map(Path, folders)]
    return sources + [(folder, True) for folder in user]


def _build(
    sources: list[tuple[Path, bool]], *, check_builtin: bool, problems: list[CatalogError] | None
) -> Catalog:
    """The catalog of ``sources``. With ``problems``, every problem is appended there instead
    of the first being raised (and the catalog holds what could be read)."""

    def report(error: CatalogError) -> None:
        if problems is None:
            raise error
        problems.append(error)

    written = Written()
    for folder, user in sources:
        try:
            files = catalog_files(folder)
        except CatalogError as error:
            report(error)
            continue
        for file in files:
            checked = user or check_builtin
            for item in _read_entries(file, checked):
                if isinstance(item, CatalogError):
                    report(item)
                    continue
                try:
                    written.add(*item, file, checked)
                except CatalogError as error:
                    report(error)
    models = written.resolve(report)
    _, clashes = _index(models)
    for clash in clashes:
        report(clash)
    return Catalog([] if clashes else models, [folder for folder, _ in sources])


def builtin_folder() -> Path:
    """The folder of the catalog shipped inside the package."""
    package = importlib.import_module("wavevid._catalog")
    return Path(str(package.__file__)).parent


def environment_folders() -> list[Path]:
    """The folders named in ``WAVEVID_CATALOG_PATH``, in order."""
    value = os.environ.get(CATALOG_PATH_ENV, "")
    return [Path(part) for part in value.split(os.pathsep) if part.strip()]


def catalog_files(folder: Path) -> list[Path]:
    """The catalog files in ``folder``, in name order. Raises CatalogError when it is missing."""
    if not folder.is_dir():
        raise CatalogError("no such catalog folder", file=str(folder))
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix in CATALOG_FILE_SUFFIXES and not path.name.startswith(".") and path.is_file()
    )


def _read_entries(
    file: Path, checked: bool
) -> list[tuple[str, dict[str, Any]]] | list[CatalogError]:
    """A file's (name, entry) pairs, or every problem with the file."""
    if not checked:
        return _builtin_entries(file)
    try:
        document = read_yaml(file)
    except CatalogError as error:
        return [error]
    return check_file(document, str(file)) or list(document["models"].items())


@functools.cache
def _builtin_entries(file: Path) -> list[tuple[str, dict[str, Any]]]:
    """A built-in file's entries, parsed once per process. Never mutated: merging copies."""
    document = read_yaml(file)
    return list(document["models"].items())


def _index(models: Sequence[Model]) -> tuple[dict[str, Model], list[CatalogError]]:
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
