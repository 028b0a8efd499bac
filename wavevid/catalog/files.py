"""Catalog files: the folders (built-in, ``WAVEVID_CATALOG_PATH``), the files in them, and
reading one file's YAML with the safe loader, bounded before anything is built.

A catalog file is scanned event by event (iteratively, in libyaml when present) before it is
loaded: nesting deeper than ``CATALOG_MAX_DEPTH``, more than ``CATALOG_MAX_NODES`` values once
aliases are expanded (a "billion laughs" file of a few hundred bytes), or an alias used inside
its own anchor (a structure that contains itself) is a :class:`CatalogError` naming the file and
line. What is loaded afterwards can be merged, copied and validated in bounded time and memory.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
from pathlib import Path
from typing import Any

import yaml

from .._constants import (
    CATALOG_FILE_SUFFIXES,
    CATALOG_MAX_DEPTH,
    CATALOG_MAX_NODES,
    CATALOG_PATH_ENV,
)
from ..errors import CatalogError
from .check import check_file


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
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


def read_yaml(file: Path) -> Any:
    """A YAML file's content, read with the safe loader once its size and depth are checked.

    Raises CatalogError with the line of a syntax error, or of the value that goes past a bound.
    """
    try:
        data = file.read_bytes()
        check_bounds(data, str(file))
        return yaml.load(data, Loader=Loader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        problem = f"invalid YAML: {error.problem or error}"
        raise CatalogError(problem, file=str(file), line=line) from None
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise CatalogError(f"cannot read: {error}", file=str(file)) from None


@dataclasses.dataclass
class _Open:
    """A mapping or list being scanned: its anchor, its values with aliases expanded (itself
    included), and its depth so far (1: it holds no collection)."""

    anchor: str | None
    nodes: int = 1
    depth: int = 1


def check_bounds(data: bytes, file: str) -> None:
    """Raise CatalogError when the YAML in ``data`` nests deeper than CATALOG_MAX_DEPTH, holds
    more than CATALOG_MAX_NODES values once its aliases are expanded, or uses an alias inside
    its own anchor. Syntax errors are left to the loader (raised as yaml errors)."""
    stack: list[_Open] = []
    anchors: dict[str, tuple[int, int]] = {}  # a finished anchor's (nodes, depth)
    total = 0
    for event in yaml.parse(data, Loader=Loader):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.DocumentStartEvent):
            anchors.clear()
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if done.anchor is not None:
                anchors[done.anchor] = (done.nodes, done.depth)
            if stack:
                stack[-1].nodes += done.nodes
                stack[-1].depth = max(stack[-1].depth, done.depth + 1)
            continue
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append(_Open(event.anchor))
            nodes, depth = 1, 0  # its depth is counted by the stack
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                if any(open_.anchor == event.anchor for open_ in stack):
                    problem = (
                        f"alias *{event.anchor} is used inside its own anchor:"
                        " a value that contains itself"
                    )
                    raise CatalogError(problem, file=file, line=line)
                continue  # undefined: the loader says so
            nodes, depth = anchors[event.anchor]
            _grow(stack, nodes, depth)
        elif isinstance(event, yaml.ScalarEvent):
            nodes, depth = 1, 0
            if event.anchor is not None:
                anchors[event.anchor] = (nodes, depth)
            _grow(stack, nodes, depth)
        else:
            continue
        total += nodes
        if total > CATALOG_MAX_NODES:
            problem = f"more than {CATALOG_MAX_NODES} values once its aliases are expanded"
            raise CatalogError(problem, file=file, line=line)
        if len(stack) + depth > CATALOG_MAX_DEPTH:
            problem = f"nested deeper than {CATALOG_MAX_DEPTH} levels of lists and mappings"
            raise CatalogError(problem, file=file, line=line)


def _grow(stack: list[_Open], nodes: int, depth: int) -> None:
    """Count a scalar or an expanded alias in the collection that holds it."""
    if stack:
        stack[-1].nodes += nodes
        stack[-1].depth = max(stack[-1].depth, depth + 1)


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


def read_entries(
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
