"""Work as steps: one sequence for a generate, a submit and its retries, a wait, a search, whoever
drives it.

A *plan* is a generator that never blocks and never sleeps. It yields a :class:`Call` for
blocking work (a request, file I/O) and a :class:`Sleep` for a wait; the driver does it and
sends the call's result back, or throws its exception in at the ``yield``, so a plan reads as
the straight-line code it stands for (its ``try``, ``except`` and ``with`` blocks see what the
call raised). :class:`Known` tells the driver what an interruption must carry from then on.

:func:`run` drives a plan on the calling thread (``Client``: calls made there, sleeps slept
there); ``_async_flow.drive`` drives the same plans from an event loop (``AsyncClient``: calls
on its pool, sleeps as ``asyncio.sleep``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ._deadline import Deadline
    from .errors import SubmissionUncertainError
    from .jobs import Job

T = TypeVar("T")

#: ``on_progress(received, total)`` of a transfer.
ByteProgress = Callable[[int, "int | None"], None]


class Stopped(Exception):
    """A wait was stopped from another thread (a batch interrupted with Ctrl-C)."""


@dataclass(frozen=True)
class Call:
    """Blocking work: the driver calls ``run`` where blocking is allowed and sends its result
    back (or throws its exception in)."""

    run: Callable[[], Any]
    deadline: Deadline | None = None
    """The deadline the work runs under: cut when an async caller is cancelled, so that a
    request under way fails at once."""
    shielded: bool = False
    """The work may create a job (a submit's POST): a cancel waits for its answer, which the
    plan takes in before the cancel goes on."""


@dataclass(frozen=True)
class Sleep:
    """Wait ``seconds`` (a batch's stop, or an async caller's cancel, ends it)."""

    seconds: float


@dataclass(frozen=True)
class Relay:
    """Ask the driver for a function that a :class:`Call`'s work may call from the thread it
    runs on, and that calls ``target`` where the plan runs (the event loop, for async)."""

    target: ByteProgress


@dataclass(frozen=True)
class Known:
    """From here on an interruption leaves ``job`` running at WaveSpeed (it carries the id),
    or, while the job of an uncertain submit is looked for, may leave one (it carries
    ``uncertain``)."""

    job: Job | None = None
    uncertain: SubmissionUncertainError | None = None
    new: bool = False
    """The call made ``job`` (submitted or recovered it): its caller has no id for it yet."""


Step = Call | Sleep | Relay | Known
#: A plan returning T.
Plan = Generator[Step, Any, T]


def run(
    plan: Plan[T], sleep: Callable[[float], None], stop: threading.Event | None = None
) -> T:
    """Drive ``plan`` on this thread: calls called, sleeps slept with ``sleep``, or on ``stop``
    (set, it ends the sleep, and a transfer's next progress, with :class:`Stopped`).

    Raises:
        what the plan raises; a KeyboardInterrupt once a job is known carries its ``job_id``.
    """
    job: Job | None = None
    reply: Any = None
    failure: BaseException | None = None
    try:
        while True:
            try:
                step = plan.send(reply) if failure is None else plan.throw(failure)
            except StopIteration as done:
                result: T = done.value
                return result
            reply, failure = None, None
            if isinstance(step, Known):
                job = step.job or job
            try:
                reply = _do(step, sleep, stop)
            except BaseException as error:  # thrown in at the yield, as the call raised it
                failure = error
    except KeyboardInterrupt as interrupt:
        if job is not None:
            attach_job(interrupt, job.id)
        raise


def _do(step: Step, sleep: Callable[[float], None], stop: threading.Event | None) -> Any:
    if isinstance(step, Call):
        return step.run()
    if isinstance(step, Sleep):
        if stop is None:
            sleep(step.seconds)
        elif stop.wait(step.seconds):
            raise Stopped()
    elif isinstance(step, Relay):
        return step.target if stop is None else _stoppable(step.target, stop)
    return None


def _stoppable(target: ByteProgress, stop: threading.Event) -> ByteProgress:
    def relay(received: int, total: int | None) -> None:
        if stop.is_set():
            raise Stopped()
        target(received, total)

    return relay


def attach_job(interrupt: BaseException, job_id: str) -> None:
    """A KeyboardInterrupt after the job exists: it runs on; ``job_id`` resumes it."""
    if getattr(interrupt, "job_id", None) is not None:
        return
    interrupt.job_id = job_id  # type: ignore[attr-defined]
    note = f"wavevid: job {job_id} still runs on WaveSpeed; client.get_job({job_id!r}) resumes it"
    if hasattr(interrupt, "add_note"):
        interrupt.add_note(note)
