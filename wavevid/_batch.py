"""Batches: several generations at once on worker threads, each ending in a result or an error.
Each item is :func:`item_steps`, the plan ``AsyncClient.generate_many`` runs too.

Ctrl-C stops the workers (a wait ends at once; a request under way finishes, so every job that
was submitted is known) and re-raises with ``job_ids``: every job submitted so far.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ._constants import JOB_PROGRESS_SHARE
from ._generation import generate_steps
from ._progress import Progress, check_callback
from ._runtime import Runtime
from ._steps import Plan, Stopped, run
from .results import BatchItem

R = TypeVar("R")

#: ``callback(index, fraction, message)``: progress of request number ``index``.
BatchProgress = Callable[[int, float, str], None]

_KEYS = frozenset({"model", "input", "output_path", "timeout", "webhook_url"})


def run_batch(
    runtime: Runtime,
    requests: Sequence[Mapping[str, Any]],
    max_workers: int,
    progress_callback: BatchProgress | None = None,
) -> list[BatchItem]:
    """Generate each request, ``max_workers`` at a time; items in order. Raises TypeError for
    a progress callback that cannot take three arguments, before any request."""
    check_callback(progress_callback, 3, "progress_callback(index, fraction, message)")
    items = [BatchItem(request, index=index) for index, request in enumerate(requests)]
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="wavevid-batch")
    futures = [
        pool.submit(_run_item, runtime, index, item, stop, progress_callback)
        for index, item in enumerate(items)
    ]
    try:
        for future in futures:
            future.result()
    except KeyboardInterrupt as interrupt:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        submitted = [item.job_id for item in items if item.job_id]
        interrupt.job_ids = submitted  # type: ignore[attr-defined]
        if hasattr(interrupt, "add_note"):
            interrupt.add_note(f"wavevid: jobs submitted before the interrupt: {submitted}")
        raise
    pool.shutdown()
    return items


def _run_item(
    runtime: Runtime,
    index: int,
    item: BatchItem,
    stop: threading.Event,
    progress_callback: BatchProgress | None,
) -> None:
    if stop.is_set():
        return
    progress = Progress(for_index(progress_callback, index), JOB_PROGRESS_SHARE)
    run(item_steps(runtime, item, progress), runtime.sleep, stop)


def item_steps(runtime: Runtime, item: BatchItem, progress: Progress) -> Plan[None]:
    """The plan (``_steps``) of one batch item, whoever runs the batch: its request checked and
    generated, the outcome in ``item.result`` or ``item.error`` (``item.job_id`` as soon as the
    job exists). A batch's stop (Stopped) leaves the item as it is."""
    request = item.request
    try:
        check_request(request)
        endpoint = yield from runtime.resolve_steps(request["model"])
        item.result = yield from generate_steps(
            runtime,
            endpoint,
            dict(request.get("input") or {}),
            progress,
            output_path=request.get("output_path"),
            timeout=request.get("timeout"),
            webhook_url=request.get("webhook_url"),
            on_submitted=lambda job: setattr(item, "job_id", job.id),
        )
    except Stopped:
        return
    except Exception as error:
        item.error = error


def check_request(request: Mapping[str, Any]) -> None:
    """Raises TypeError for a batch request with other keys than ``_KEYS``, or no model."""
    unknown = set(request) - _KEYS
    if unknown or "model" not in request:
        raise TypeError(
            f"a batch request takes {sorted(_KEYS)} (model required); got {sorted(request)}"
        )


def for_index(callback: Callable[[int, float, str], R] | None, index: int
              ) -> Callable[[float, str], R] | None:
    """A batch's ``callback(index, fraction, message)`` as request ``index``'s own
    ``callback(fraction, message)``."""
    if callback is None:
        return None
    return lambda fraction, message: callback(index, fraction, message)
