"""Batches: several generations at once on worker threads, each ending in a result or an error.

Ctrl-C stops the workers (a wait ends at once; a request under way finishes, so every job that
was submitted is known) and re-raises with ``job_ids``: every job submitted so far.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._generation import generate
from ._progress import check_callback
from ._runtime import Runtime
from .jobs import Stopped
from .results import BatchItem

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
    request = item.request
    try:
        check_request(request)
        item.result = generate(
            runtime,
            runtime.resolve(request["model"]),
            dict(request.get("input") or {}),
            output_path=request.get("output_path"),
            timeout=request.get("timeout"),
            webhook_url=request.get("webhook_url"),
            progress_callback=_for_index(progress_callback, index),
            stop=stop,
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


def _for_index(
    callback: BatchProgress | None, index: int
) -> Callable[[float, str], None] | None:
    if callback is None:
        return None
    return lambda fraction, message: callback(index, fraction, message)
