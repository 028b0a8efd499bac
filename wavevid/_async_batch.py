"""``AsyncClient``'s iterators: ``generate_many`` (:class:`AsyncBatch`, items as they finish)
and ``list_jobs``."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from ._async_flow import drive
from ._async_progress import LoopProgress
from ._batch import for_index, item_steps
from ._constants import JOB_PROGRESS_SHARE
from ._deadline import Deadline
from ._offload import Offload
from ._runtime import Runtime
from .jobs import Job
from .results import BatchItem

AsyncBatchProgress = Callable[[int, float, str], Awaitable[Any] | None]
"""``callback(index, fraction, message)``: a plain function, or a coroutine function."""


class AsyncBatch:
    """``AsyncClient.generate_many``'s batch: each request generated (the plan of
    ``_batch.item_steps``), ``max_workers`` at a time; ``async for`` yields each BatchItem as
    it finishes (``item.index``: its position in the requests).

    ``async with`` it: leaving the block early (``break``, an exception, a cancel) stops the
    generations under way as a cancelled ``generate`` stops, and waits for them; the exception
    leaving the block carries ``job_ids``. Without ``async with``, it stops at ``aclose()``, when
    the task iterating it is cancelled waiting for an item (that CancelledError carries
    ``job_ids``), or when that task ends first (a cancel in the loop body: the exception carries
    nothing). :attr:`job_ids` and each item's ``job_id`` always have the jobs, and a WARNING
    (logger ``wavevid.client``) names each job a stop leaves running, as for ``generate``.
    """

    def __init__(
        self,
        offload: Offload,
        runtime: Runtime,
        requests: Sequence[Mapping[str, Any]],
        max_workers: int,
        progress_callback: AsyncBatchProgress | None = None,
    ) -> None:
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(f"max_workers must be a positive whole number, not {max_workers!r}")
        self.items = [BatchItem(request, index=index) for index, request in enumerate(requests)]
        """One BatchItem per request, in the order given, filled in as they finish."""
        self._offload, self._runtime = offload, runtime
        self._max_workers, self._callback = max_workers, progress_callback
        self._tasks: list[asyncio.Task[None]] = []
        self._finished: asyncio.Queue[BatchItem] | None = None
        self._yielded = 0
        self._owner: asyncio.Task[Any] | None = None

    @property
    def job_ids(self) -> list[str]:
        """Every job submitted so far, in request order."""
        return [item.job_id for item in self.items if item.job_id]

    async def __aenter__(self) -> AsyncBatch:
        self._start(owned=False)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
        if error is not None:
            self._carry(error)

    def __aiter__(self) -> AsyncBatch:
        return self

    async def __anext__(self) -> BatchItem:
        finished = self._start(owned=True)
        if self._yielded == len(self.items):
            self._release()
            raise StopAsyncIteration
        try:
            item = await finished.get()
        except asyncio.CancelledError as cancel:  # the consumer, cancelled waiting for an item
            await self.aclose()
            self._carry(cancel)
            raise
        self._yielded += 1
        return item

    async def aclose(self) -> None:
        """Stop the generations under way and wait for them (a submit on the wire finishes)."""
        self._release()
        running = [task for task in self._tasks if not task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)

    def _carry(self, error: BaseException) -> None:
        """``error`` stopped the batch: it names every job submitted."""
        if getattr(error, "job_ids", None) is not None:
            return
        error.job_ids = self.job_ids  # type: ignore[attr-defined]
        if self.job_ids and hasattr(error, "add_note"):
            error.add_note(f"wavevid: jobs submitted before the stop: {self.job_ids}")

    def _start(self, *, owned: bool) -> asyncio.Queue[BatchItem]:
        if self._finished is None:
            self._finished = asyncio.Queue()
            slots = asyncio.Semaphore(self._max_workers)
            self._tasks = [asyncio.ensure_future(self._run(item, slots)) for item in self.items]
            owner = asyncio.current_task() if owned else None
            if owner is not None:  # iterated without ``async with``: stop with its task
                self._owner = owner
                owner.add_done_callback(self._owner_ended)
        return self._finished

    async def _run(self, item: BatchItem, slots: asyncio.Semaphore) -> None:
        async with slots:
            progress = LoopProgress(for_index(self._callback, item.index), JOB_PROGRESS_SHARE)
            try:
                await drive(self._offload, item_steps(self._runtime, item, progress))
                await progress.settle()
            finally:
                progress.close()
        assert self._finished is not None
        self._finished.put_nowait(item)

    def _owner_ended(self, owner: asyncio.Task[Any]) -> None:
        """The task iterating the batch ended before its last item: stop the rest."""
        for task in self._tasks:
            task.cancel()

    def _release(self) -> None:
        if self._owner is not None:
            self._owner.remove_done_callback(self._owner_ended)
            self._owner = None


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
