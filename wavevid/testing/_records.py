"""What ``FakeWaveSpeed`` remembers: the requests it received (never the API key), the keys it
dropped, the checks that came too often."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any, Generic, NewType, TypeVar

Slot = NewType("Slot", tuple[int, int])
ItemT = TypeVar("ItemT")


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake received it.

    ``headers`` holds every header except ``Authorization``, whose presence alone is kept in
    ``had_authorization``. ``json`` is the parsed body, or ``None`` when the body is not JSON.
    ``connection_id`` numbers TCP connections from 1 in accept order; ``job_id`` names the job the
    request is about once known (the job a submit created, the job a poll or download asked for);
    ``at`` is the ``time.monotonic()`` of arrival.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    had_authorization: bool
    body: bytes
    json: Any
    connection_id: int
    job_id: str | None
    at: float

    def header(self, name: str) -> str | None:
        """Return the value of header ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


class RequestLog:
    """Thread-safe list of records in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._generation = 0

    def append(self, record: RequestRecord) -> Slot:
        """Store ``record``; the returned slot lets ``attach_job`` update it later."""
        with self._lock:
            self._records.append(record)
            return Slot((self._generation, len(self._records) - 1))

    def attach_job(self, slot: Slot, job_id: str) -> None:
        """Set ``job_id`` on the record in ``slot``; a no-op when the log was cleared since."""
        generation, index = slot
        with self._lock:
            if generation == self._generation:
                self._records[index] = dataclasses.replace(self._records[index], job_id=job_id)

    def snapshot(self) -> list[RequestRecord]:
        """Return a copy of the records, oldest first."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()
            self._generation += 1


@dataclass(frozen=True)
class DroppedKeys:
    """Body keys a submit sent that the model's request schema does not name.

    The real service drops such keys silently and runs (and bills) the job with its defaults;
    the fake drops them too and keeps this record. ``job_id`` is the job created, ``model`` the
    path submitted to, ``keys`` the dropped keys in the order sent.
    """

    job_id: str
    model: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class PollViolation:
    """A check of one job's state (a GET of ``/predictions/<id>`` or ``/<id>/result``) that came
    ``gap`` seconds after the previous answered check of that job, less than the fake's
    ``min_poll_interval``; ``at`` is its ``time.monotonic()`` of arrival."""

    job_id: str
    gap: float
    at: float


class Ledger(Generic[ItemT]):
    """A thread-safe, append-only list of records."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[ItemT] = []

    def add(self, item: ItemT) -> None:
        """Append ``item``."""
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[ItemT]:
        """Return a copy of the records, oldest first."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._items.clear()
