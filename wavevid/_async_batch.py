"""``AsyncClient``'s iterators: ``generate_many`` (items as they finish) and ``list_jobs``."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any

from . import _async_flow
from ._async_progress import AsyncProgressCallback
from ._batch import check_request
from ._deadline import Deadline
from ._offload import Offload
from ._runtime import Endpoint, Runtime
from .jobs import Job
from .results import BatchItem

AsyncBatchProgress = Callable[[int, float, str], Awaitable[Any] | None]
"""``callback(index, fraction, message)``: a plain function, or a coroutine function."""

Resolve = Callable[[str], Awaitable[Endpoint]]


async def generate_many(
    offload: Offload,
    runtime: Runtime,
    resolve: Resolve,
    requests: Sequence[Mapping[str, Any]],
    max_workers: int,
    progress_callback: AsyncBatchProgress | None = None,
) -> AsyncIterator[BatchItem]:
    """``AsyncClient.generate_many``: each request generated, ``max_workers`` at a time; the
    items as they finish. Closed or cancelled early, it cancels the generations under way (see
    ``_async_flow``) and waits for them; a cancel carries ``job_ids``."""
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ValueError(f"max_workers must be a positive whole number, not {max_workers!r}")
    items = [BatchItem(request, index=index) for index, request in enumerate(requests)]
    slots = asyncio.Semaphore(max_workers)

    async def run(item: BatchItem) -> BatchItem:
        async with slots:
            try:
                check_request(item.request)
                request = item.request
                item.result = await _async_flow.generate(
                    offload, runtime, await resolve(request["model"]),
                    dict(request.get("input") or {}),
                    output_path=request.get("output_path"), timeout=request.get("timeout"),
                    webhook_url=request.get("webhook_url"),
                    progress_callback=_for_index(progress_callback, item.index),
                    on_submitted=lambda job: setattr(item, "job_id", job.id),
                )
            except Exception as error:
                item.error = error
        return item

    tasks = [asyncio.ensure_future(run(item)) for item in items]
    try:
        for finished in asyncio.as_completed(tasks):
            yield await finished
    except (asyncio.CancelledError, GeneratorExit) as stopped:
        await _stop(tasks, items, stopped)
        raise
    finally:
        for task in tasks:
            task.cancel()


async def _stop(
    tasks: Sequence[asyncio.Future[BatchItem]], items: list[BatchItem], stopped: BaseException
) -> None:
    """Cancel the generations under way and wait for them (a submit on the wire finishes);
    ``stopped`` carries every job submitted so far."""
    for task in tasks:
        task.cancel()
    for task, item in zip(tasks, items, strict=True):
        try:
            await task  # the task's own CancelledError: gather() would replace it
        except asyncio.CancelledError as cancel:
            item.job_id = item.job_id or getattr(cancel, "job_id", None)
    job_ids = [item.job_id for item in items if item.job_id]
    stopped.job_ids = job_ids  # type: ignore[attr-defined]
    if job_ids and hasattr(stopped, "add_note"):
        stopped.add_note(f"wavevid: jobs submitted before the stop: {job_ids}")


def _for_index(
    callback: AsyncBatchProgress | None, index: int
) -> AsyncProgressCallback | None:
    if callback is None:
        return None
    return lambda fraction, message: callback(index, fraction, message)


async def list_jobs(
    offload: Offload,
    pages: Callable[[Callable[[], Deadline]], Iterator[Job]],
    deadline: Callable[[], Deadline],
) -> AsyncIterator[Job]:
    """The jobs of ``pages(deadline)`` (``_history.list_jobs``), each page fetched on the pool
    (a cancel cuts the page's request)."""
    made: list[Deadline] = []

    def fresh() -> Deadline:
        made[:] = [deadline()]
        return made[0]

    jobs = pages(fresh)
    while (job := await offload.run(functools.partial(next, jobs, None), made)) is not None:
        yield job
