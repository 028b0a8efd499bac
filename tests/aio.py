"""What the ``AsyncClient`` tests share: a client on the fake, one event loop per test (a hang
fails it instead of blocking the suite), waiting for a condition, and cancelling a task."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import wavevid
from wavevid.testing import FakeWaveSpeed

T = TypeVar("T")

#: Seconds a test's loop may run before the test fails as hung.
HANG = 30.0


def aclient_for(fake: FakeWaveSpeed, **options: Any) -> wavevid.AsyncClient:
    return wavevid.AsyncClient(api_key=fake.api_key, base_url=fake.url,
                               **{"poll_interval": 0.05, **options})


def run(test: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(test(), timeout=HANG))  # a hang fails, never blocks


async def until(condition: Callable[[], object], what: str, timeout: float = 5.0) -> None:
    give_up = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < give_up, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def cancelled(task: asyncio.Future[Any]) -> asyncio.CancelledError:
    """Cancel ``task`` and return the CancelledError it ends with (its own object: the one
    that carries ``job_id``)."""
    task.cancel()
    try:
        await task
    except asyncio.CancelledError as error:
        return error
    raise AssertionError("the task was not cancelled")
