"""Where media go in a request body: the places a model's schema marks ``x-wavevid-media``, at
any depth, and the local files (paths, bytes, binary files) a body holds.

WaveSpeed's upload takes images, videos and audio only, so a local file is uploaded only at a
place marked ``x-wavevid-media: image | video | audio``; anywhere else it is a problem named by
its place (``loras[0].path``). A body for a model outside the catalog has no schema: its
top-level local files are uploaded (the only way to send media to such a model), nested ones are
problems. Marks are found through ``properties``, ``additionalProperties``, ``items``,
``prefixItems`` and local ``$ref`` (``#/$defs/...``, ``#anchor``), which is how a list of media
or a media field inside an object is written.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ._constants import MAX_BODY_DEPTH
from ._short_text import short_repr

Place = tuple["str | int", ...]
"""Where a value sits in a body: keys and list indexes from the top, e.g. ``("loras", 0)``."""

MISPLACED_FILE = (
    "a local file cannot go here: only image, video and audio parameters are uploaded"
    " (WaveSpeed's upload takes nothing else); give a URL"
)
_UNKNOWN_SCHEMA_KIND = "media"
_MAX_REFERENCE_HOPS = 32  # a $ref chain longer than this is treated as marking nothing


def place_name(place: Place) -> str:
    """``("loras", 1, "scale")`` -> ``loras[1].scale``."""
    name = ""
    for part in place:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            text = part if isinstance(part, str) else short_repr(part)
            name += f".{text}" if name else text
    return name


def is_local_media(value: Any) -> bool:
    """True for what the client uploads: a path-like, bytes, or a binary file object."""
    return isinstance(value, (os.PathLike, bytes, bytearray, memoryview)) or is_binary_file(value)


def is_binary_file(value: Any) -> bool:
    """A file object opened in binary mode (anything with ``read`` that is not text)."""
    return callable(getattr(value, "read", None)) and not isinstance(value, io.TextIOBase)


def media_problem(value: Any, kind: str) -> str | None:
    """What is wrong with a media value, or None (a missing one is the schema's business)."""
    if value is None or isinstance(value, (bytes, bytearray, memoryview)):
        return None
    if isinstance(value, str):
        if value.startswith("data:") or is_web_url(value):
            return None
        return (
            f"{short_repr(value)} is not an http(s) URL or data: URI. A str is always sent as a"
            f" URL; to upload a local {kind}, pass pathlib.Path({short_repr(value)})"
        )
    if isinstance(value, os.PathLike):
        path = Path(os.fspath(value))
        try:
            return None if path.is_file() else f"no such file: {short_repr(str(path), 200)}"
        except (OSError, ValueError) as error:
            return f"cannot read {short_repr(str(path), 200)}: {error.__class__.__name__}"
    if isinstance(value, io.TextIOBase):
        return f"a {kind} file must be opened in binary mode ('rb')"
    if is_binary_file(value):
        return None
    return (
        f"expected a URL (str), a pathlib.Path, bytes or a binary file for this {kind},"
        f" not {type(value).__name__}"
    )


def is_web_url(text: str) -> bool:
    """An http(s) URL with a host."""
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_uri(text: str) -> bool:
    """An absolute URI (``format: uri``): a scheme and a host, or a ``data:`` URI."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme == "data")


class MediaSlots:
    """The media marks of one request schema; ``None`` for a model outside the catalog."""

    def __init__(self, schema: Mapping[str, Any] | None) -> None:
        self._root = schema

    @property
    def root(self) -> Mapping[str, Any] | None:
        """The schema of the whole body (None: no schema is known)."""
        return self._root

    def kind(self, node: Mapping[str, Any] | None, place: Place, value: Any) -> str | None:
        """``image``, ``video`` or ``audio`` when ``value`` at ``place`` (whose subschema is
        ``node``) is media; without a schema, a local file at the top level is."""
        if self._root is None:
            top = len(place) == 1 and is_local_media(value)
            return _UNKNOWN_SCHEMA_KIND if top else None
        kind = node.get("x-wavevid-media") if node is not None else None
        return kind if isinstance(kind, str) else None

    def child(self, node: Mapping[str, Any] | None, key: str | int) -> Mapping[str, Any] | None:
        """The subschema of ``node``'s item ``key`` (a property name or a list index)."""
        if node is None:
            return None
        if isinstance(key, int):
            prefix = node.get("prefixItems")
            if isinstance(prefix, list) and key < len(prefix):
                return self.resolve(prefix[key])
            return self.resolve(node.get("items"))
        properties = node.get("properties")
        if isinstance(properties, Mapping) and key in properties:
            return self.resolve(properties[key])
        return self.resolve(node.get("additionalProperties"))

    def resolve(self, node: Any) -> Mapping[str, Any] | None:
        """``node`` with its local ``$ref`` chain followed; None when it is no schema."""
        for _ in range(_MAX_REFERENCE_HOPS):
            if not isinstance(node, Mapping):
                return None
            reference = node.get("$ref")
            if not isinstance(reference, str) or "x-wavevid-media" in node:
                return node
            node = self._target(reference)
        return None

    def _target(self, reference: str) -> Any:
        if not reference.startswith("#") or self._root is None:
            return None
        if not reference.startswith("#/") and reference != "#":
            return _anchored(self._root, reference[1:])
        node: Any = self._root
        for token in filter(None, reference[2:].split("/")):
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node


def _anchored(root: Mapping[str, Any], anchor: str) -> Any:
    pending: list[Any] = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, Mapping):
            if node.get("$anchor") == anchor:
                return node
            pending += list(node.values())
        elif isinstance(node, list):
            pending += node
    return None


def walk(
    body: Mapping[str, Any], slots: MediaSlots
) -> Iterator[tuple[Place, Any, Mapping[str, Any] | None, str | None]]:
    """Every value of ``body`` with its place, subschema and media kind, in order. Media places
    and local files are not looked into; containers are, down to ``MAX_BODY_DEPTH``."""
    root = slots.resolve(slots.root)
    pending: list[tuple[Place, Any, Mapping[str, Any] | None]] = [
        ((key,), value, slots.child(root, key)) for key, value in body.items()
    ]
    pending.reverse()
    while pending:
        place, value, node = pending.pop()
        kind = slots.kind(node, place, value)
        yield place, value, node, kind
        if kind is not None or is_local_media(value) or len(place) > MAX_BODY_DEPTH:
            continue
        if isinstance(value, dict):
            items: list[tuple[Any, Any]] = list(value.items())
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        else:
            continue
        below = [((*place, key), item, slots.child(node, key)) for key, item in items]
        pending += reversed(below)


def local_files(
    body: Mapping[str, Any], schema: Mapping[str, Any] | None
) -> tuple[list[Place], list[Place]]:
    """The places of the local files ``body`` uploads, and of the local files elsewhere (each
    a problem: :data:`MISPLACED_FILE`); ``schema`` None: a model outside the catalog."""
    uploads: list[Place] = []
    misplaced: list[Place] = []
    for place, value, _node, kind in walk(body, MediaSlots(schema)):
        if is_local_media(value):
            (misplaced if kind is None else uploads).append(place)
    return uploads, misplaced


def replaced(body: Mapping[str, Any], values: Mapping[Place, Any]) -> dict[str, Any]:
    """A copy of ``body`` with the value at each place of ``values`` replaced; only the
    containers on the way to a replaced value are copied."""
    copy: dict[str, Any] = dict(body)
    for place, value in values.items():
        parent: Any = copy
        for key in place[:-1]:
            child = parent[key]
            child = dict(child) if isinstance(child, dict) else list(child)
            parent[key] = child
            parent = child
        parent[place[-1]] = value
    return copy
