"""The model catalog: YAML folders read in order, merged, checked, and looked up by name.

Sources load in this order, files in a folder by name: the built-in catalog, then the folders
in ``WAVEVID_CATALOG_PATH``, then the folders the caller names. A later entry with the same name
replaces the earlier one, or amends it when it ``extends`` its own name. ``extends`` is resolved
once everything is read, so a child sees its parent's final definition. User folders are
meta-validated as they load; the built-in catalog is validated by the test suite instead.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from . import _merge, pricing
from ._catalog_check import check_file, check_model
from ._constants import (
    CATALOG_FILE_SUFFIXES,
    CATALOG_PATH_ENV,
    CLOSE_MATCHES,
    DEFAULT_EXPECTED_SECONDS,
)
from ._logging import get_logger
from .errors import CatalogError, UnknownModelError
from .payload import with_defaults

if TYPE_CHECKING:
    from .payload import PayloadBuilder

logger = get_logger("wavevid.catalog")



class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's when present), refusing a key given twice in one mapping:
    plain YAML keeps the last one silently, which would hide a pasted entry."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value, not a list or mapping",
                    key_node.start_mark,
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is given twice in this mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


_warned_unverified: set[str] = set()
_warned_lock = threading.Lock()


class Model:
    """One catalog model: where it is sent, what it takes, what it costs, how long it runs.

    Built by :class:`Catalog`; read-only by convention.
    """

    def __init__(self, name: str, definition: Mapping[str, Any], source: Path) -> None:
        self.name: str = name
        """The catalog name, e.g. ``ltx-2-pro``."""
        self.path: str = definition["path"]
        """The WaveSpeed model path, POSTed to ``/api/v3/{path}``."""
        self.task: str = definition["task"]
        """What it does: ``text-to-video``, ``image-to-video``, ``video-to-video``..."""
        self.title: str = definition.get("title", name)
        self.description: str = definition.get("description", "")
        self.aliases: tuple[str, ...] = tuple(definition.get("aliases", ()))
        self.verified: bool = definition.get("verified", False)
        """False while the parameters are not confirmed against WaveSpeed's live schema."""
        self.input_schema: Mapping[str, Any] = definition["input"]
        """JSON Schema (draft 2020-12) of the request body."""
        self.pricing: Mapping[str, Any] = definition.get("pricing", {"unknown": "not stated"})
        self.timing: float | Mapping[str, float] = definition.get(
            "expected_seconds", DEFAULT_EXPECTED_SECONDS
        )
        self.source: Path = source
        """The catalog file that defined (or last amended) this entry."""
        properties = self.input_schema["properties"]
        self.defaults: Mapping[str, Any] = {
            key: spec["default"] for key, spec in properties.items() if "default" in spec
        }
        """Each parameter's default, filled in when the input leaves it out."""
        self.media: Mapping[str, str] = {
            key: spec["x-wavevid-media"]
            for key, spec in properties.items()
            if "x-wavevid-media" in spec
        }
        """Media parameters and their kind (``image``, ``video``, ``audio``)."""
        self._builder: PayloadBuilder | None = None

    def __repr__(self) -> str:
        return f"<Model {self.name} {self.path}>"

    @property
    def parameters(self) -> Mapping[str, Mapping[str, Any]]:
        """Each input parameter's schema, in catalog order."""
        properties: Mapping[str, Mapping[str, Any]] = self.input_schema["properties"]
        return properties

    @property
    def required(self) -> tuple[str, ...]:
        """The parameters an input must give."""
        return tuple(self.input_schema.get("required", ()))

    def build_payload(self, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The request body for ``input``: defaults filled in, every value checked.

        A ``None`` value means "not given". Media parameters may hold a ``pathlib.Path``,
        ``bytes`` or a binary file object, returned as they are (the client uploads them);
        a ``str`` there must be an http(s) URL or a data URI.

        Raises:
            InvalidParametersError: listing every problem, not only the first.
        """
        if self._builder is None:
            from .payload import PayloadBuilder

            self._builder = PayloadBuilder(self.name, self.input_schema, self.defaults, self.media)
        self._warn_if_unverified()
        return self._builder.build(input)

    def estimate_cost(
        self, input: Mapping[str, Any] | None = None, *, output_seconds: float | None = None
    ) -> Decimal | None:
        """An estimate of the price in USD for ``input`` (defaults filled in), or None when the
        catalog does not know it, or when it depends on an output length that neither the
        input nor ``output_seconds`` states (e.g. a retake priced by its input clip's length).
        """
        values = with_defaults(self.defaults, input)
        return pricing.estimate_cost(self.pricing, values, output_seconds)

    def expected_seconds(
        self, input: Mapping[str, Any] | None = None, *, output_seconds: float | None = None
    ) -> float:
        """Typical run time in seconds once the job leaves the queue (a guess that drives
        polling and progress, never a deadline)."""
        values = with_defaults(self.defaults, input)
        return pricing.expected_seconds(self.timing, values, output_seconds)

    def _warn_if_unverified(self) -> None:
        if self.verified:
            return
        with _warned_lock:
            if self.name in _warned_unverified:
                return
            _warned_unverified.add(self.name)
        logger.warning(
            "%s: parameters not yet confirmed against WaveSpeed's live schema (%s);"
            " a request may be rejected or priced differently",
            self.name,
            self.source.name,
        )


class Catalog:
    """The models of one or more catalog folders, looked up by name, alias or WaveSpeed path."""

    def __init__(self, models: Sequence[Model], folders: Sequence[Path] = ()) -> None:
        """Raises CatalogError when two models share a name, alias or path."""
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
        """The model with this name, alias or path, or None."""
        return self._index.get(key.strip().lower())

    def get(self, key: str) -> Model:
        """The model with this name, alias or WaveSpeed path (case does not matter).

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

    written = _Written()
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


@dataclasses.dataclass
class _Entry:
    data: dict[str, Any]
    file: Path
    checked: bool


class _Written:
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
        self.entries[name] = _Entry(_merge.amend(earlier.data, data), file, checked)

    def resolve(self, report: Callable[[CatalogError], None]) -> list[Model]:
        """A Model per entry, ``extends`` resolved and checked entries meta-validated; each
        problem goes to ``report`` (which may raise) and its entry is left out. An entry is
        checked when it, or any entry it inherits from, comes from a checked file: a user's
        amendment to a built-in parent can break the built-in children."""
        resolved: dict[str, tuple[dict[str, Any], bool]] = {}
        models = []
        for name, entry in self.entries.items():
            try:
                definition, checked = self._resolve(name, resolved, ())
            except CatalogError as error:
                report(error)
                continue
            problems = check_model(name, definition, str(entry.file)) if checked else []
            for problem in problems:
                report(problem)
            if not problems:
                models.append(Model(name, definition, entry.file))
        return models

    def _resolve(
        self, name: str, resolved: dict[str, tuple[dict[str, Any], bool]], chain: tuple[str, ...]
    ) -> tuple[dict[str, Any], bool]:
        """The entry's complete definition, and whether it must be checked."""
        if name in resolved:
            return resolved[name]
        entry = self.entries[name]
        parent = entry.data.get("extends")
        if parent is None or parent == name:
            result = (_merge.complete(entry.data), entry.checked)
        else:
            base, base_checked = self._parent(name, parent, resolved, chain)
            result = (_merge.inherit(base, entry.data), entry.checked or base_checked)
        resolved[name] = result
        return result

    def _parent(
        self,
        name: str,
        parent: str,
        resolved: dict[str, tuple[dict[str, Any], bool]],
        chain: tuple[str, ...],
    ) -> tuple[dict[str, Any], bool]:
        file = str(self.entries[name].file)
        if parent in chain:
            cycle = " -> ".join((*chain, name, parent))
            raise CatalogError(f"extends cycle: {cycle}", file=file, entry=name, key="extends")
        if parent not in self.entries:
            matches = difflib.get_close_matches(parent, self.entries, n=CLOSE_MATCHES)
            hint = f"; did you mean {' or '.join(map(repr, matches))}?" if matches else ""
            problem = f"extends {parent!r}, which is not in the catalog{hint}"
            raise CatalogError(problem, file=file, entry=name, key="extends")
        return self._resolve(parent, resolved, (*chain, name))


def read_yaml(file: Path) -> Any:
    """A YAML file's content, read with the safe loader.

    Raises CatalogError with the line of a syntax error.
    """
    try:
        with file.open("rb") as stream:
            return yaml.load(stream, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        problem = f"invalid YAML: {error.problem or error}"
        raise CatalogError(problem, file=str(file), line=line) from None
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise CatalogError(f"cannot read: {error}", file=str(file)) from None


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
                clashes.append(CatalogError(
                    f"{kind} {key!r} is also a name, alias or path of {other.name!r}"
                    f" ({other.source})",
                    file=str(model.source),
                    entry=model.name,
                    key={"name": None, "alias": "aliases"}.get(kind, kind),
                ))
    return index, clashes


def _keys_of(model: Model) -> Iterator[tuple[str, str]]:
    yield "name", model.name
    for alias in model.aliases:
        yield "alias", alias
    yield "path", model.path
