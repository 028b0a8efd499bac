"""The model list one ``FakeWaveSpeed`` serves, and what each model keeps of a request body."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import Any

from wavevid.testing._model_entries import Entry, accepted_keys

SERVICE_FLAGS = frozenset({"enable_sync_mode"})
"""Body keys the service reads on every model (sync mode), never dropped."""


class ModelList:
    """Thread-safe list of live-list entries, looked up by model path (``model_id``)."""

    def __init__(self, models: list[Entry]) -> None:
        """Keep a copy of ``models``."""
        self._lock = threading.Lock()
        self._models = copy.deepcopy(models)

    def snapshot(self) -> list[Entry]:
        """Return a deep copy of the list."""
        with self._lock:
            return copy.deepcopy(self._models)

    def replace(self, models: list[Entry]) -> None:
        """Serve a copy of ``models`` from now on."""
        fresh = copy.deepcopy(models)
        with self._lock:
            self._models = fresh

    def add(self, listed: Mapping[str, Any]) -> None:
        """Serve a copy of ``listed`` too, in place of any entry with its ``model_id``.

        Raises ``ValueError`` when ``listed`` has no non-empty string ``model_id``.
        """
        model_id = listed.get("model_id")
        if not isinstance(model_id, str) or not model_id:
            raise ValueError("a model list entry needs a non-empty string 'model_id'")
        fresh = copy.deepcopy(dict(listed))
        with self._lock:
            self._models = [m for m in self._models if m.get("model_id") != model_id]
            self._models.append(fresh)

    def find(self, path: str) -> Entry | None:
        """The entry for model ``path``, or ``None`` (not copied: read, never change it)."""
        with self._lock:
            return next((m for m in self._models if m.get("model_id") == path), None)


def split_body(
    body: Mapping[str, Any], listed: Mapping[str, Any] | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``(kept, dropped)``: what the service keeps of ``body`` for model entry ``listed``.

    Keys the entry's request schema does not name are dropped, except the service's own flags
    (``SERVICE_FLAGS``). Nothing is dropped for a model not listed, or listed without a request
    schema: the fake cannot tell which keys it knows.
    """
    known = None if listed is None else accepted_keys(listed)
    if known is None:
        return dict(body), ()
    dropped = tuple(key for key in body if key not in known and key not in SERVICE_FLAGS)
    return {key: value for key, value in body.items() if key not in dropped}, dropped
