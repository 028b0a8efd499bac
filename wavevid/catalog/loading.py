"""Loading a catalog: YAML folders read in order, merged, checked, and made into a ``Catalog``.

Sources load in this order, files in a folder by name: the built-in catalog, then the folders
in ``WAVEVID_CATALOG_PATH``, then the folders the caller names. A later entry with the same name
replaces the earlier one, or amends it when it ``extends`` its own name. ``extends`` and
``preset_of`` are resolved once everything is read, so a child sees its parent's final
definition (``entries``). User folders are meta-validated as they load (``check``); the
built-in catalog is validated by the test suite instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import CatalogError
from .collection import Catalog, index_models
from .entries import Written
from .files import builtin_folder, catalog_files, environment_folders, read_entries


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
            for item in read_entries(file, checked):
                if isinstance(item, CatalogError):
                    report(item)
                    continue
                try:
                    written.add(*item, file, checked)
                except CatalogError as error:
                    report(error)
    models = written.resolve(report)
    _, clashes = index_models(models)
    for clash in clashes:
        report(clash)
    return Catalog([] if clashes else models, [folder for folder, _ in sources])
