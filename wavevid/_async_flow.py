"""``AsyncClient``'s driver: the sync core's plans (``_steps``), run from an event loop.

Every decision is the plans': a generate (``_generation.generate_steps``), a submit and its
retries (``_submission.submit_steps``, ``_retry.retry_steps``), a wait (``_waiting.wait_steps``),
the search after an uncertain submit (``_recovery.recovery_steps``), a batch item
(``_batch.item_steps``). Only the driving differs from ``_steps.run``: a call runs on the
client's pool (``_offload``), a sleep is ``asyncio.sleep``, progress comes back to the loop.

Cancellation: no step after the cancel runs, so no request goes out. A call under way is cut
short where it stands (``_offload``), except a shielded one (a submit's POST), which runs to its
answer (bounded by the submit's deadline); the plan takes that answer in, up to its next call
or sleep, so a job it created is known. ``CancelledError`` then goes on carrying what the plan
made known: ``job_id``, or, when a submit's answer was lost, ``fingerprint``, ``model`` and
``uncertain``. The job runs on at WaveSpeed; a WARNING (logger ``wavevid.client``) names a job
the call made, as asyncio may drop the exception on the way (``gather(return_exceptions=True)``,
a TaskGroup, ``asyncio.timeout``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from ._logging import get_logger
from ._offload import Offload
from ._steps import ByteProgress, Call, Known, Plan, Relay, Sleep, Step
from .errors import SubmissionUncertainError
from .jobs import Job

T = TypeVar("T")

logger = get_logger("wavevid.client")


@dataclass
class _Outcome:
    """How a step ended: its reply or failure, and the cancel that came meanwhile."""

    reply: Any = None
    failure: BaseException | None = None
    cancel: asyncio.CancelledError | None = None
    answered: bool = True
    """The step ran to its end: its reply or failure is the plan's to take in."""


@dataclass
class _Seen:
    """What the plan has made known so far (``_steps.Known``)."""

    job: Job | None = None
    new: bool = False
    uncertain: SubmissionUncertainError | None = None

    def note(self, step: Step) -> None:
        if isinstance(step, Known):
            self.job, self.new = step.job or self.job, step.new or self.new
            self.uncertain = step.uncertain or self.uncertain

    def carry(self, cancel: BaseException) -> None:
        if self.job is not None:
            carry_job(cancel, self.job.id, warn=self.new)
        elif self.uncertain is not None:
            carry_uncertain(cancel, self.uncertain)


async def drive(offload: Offload, plan: Plan[T]) -> T:
    """Run ``plan`` from the loop: calls on ``offload``'s pool, sleeps as ``asyncio.sleep``.

    Raises:
        what the plan raises; CancelledError as the module docstring says.
    """
    seen = _Seen()
    outcome = _Outcome()
    while True:
        try:
            if outcome.failure is None:
                step = plan.send(outcome.reply)
            else:
                step = plan.throw(outcome.failure)
        except StopIteration as done:
            result: T = done.value
            return result
        seen.note(step)
        outcome = await _run_step(offload, step)
        if outcome.cancel is not None:
            _stop(plan, outcome, seen)


async def _run_step(offload: Offload, step: Step) -> _Outcome:
    if isinstance(step, Call) and step.shielded:
        return await _shielded(offload, step)
    try:
        if isinstance(step, Call):
            deadlines = [] if step.deadline is None else [step.deadline]
            return _Outcome(await offload.run(step.run, deadlines))
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, Relay):
            return _Outcome(_to_loop(step.target))
        return _Outcome()
    except asyncio.CancelledError as cancel:
        return _Outcome(cancel=cancel, answered=False)
    except BaseException as error:  # thrown in at the yield, as the call raised it
        return _Outcome(failure=error)


async def _shielded(offload: Offload, call: Call) -> _Outcome:
    """``call`` on the pool, run to its end even when cancelled (unless it had not started:
    then nothing of it ran)."""
    work = offload.start(call.run)
    cancel: asyncio.CancelledError | None = None
    while True:
        try:
            return _Outcome(await asyncio.shield(work.future), cancel=cancel)
        except asyncio.CancelledError as cancelled:
            if cancel is None and work.concurrent.cancel():  # queued, never sent
                return _Outcome(cancel=cancelled, answered=False)
            if work.future.cancelled():  # cancelled by nobody here: nothing to wait for
                return _Outcome(cancel=cancel or cancelled, answered=False)
            cancel = cancel or cancelled  # its deadline bounds the wait
        except BaseException as error:
            return _Outcome(failure=error, cancel=cancel)


def _stop(plan: Plan[Any], outcome: _Outcome, seen: _Seen) -> NoReturn:
    """End the plan for a cancel: the answer it waited for taken in first (see the module)."""
    assert outcome.cancel is not None
    ended: BaseException | None = None
    try:
        if outcome.answered:
            ended = _take_in(plan, outcome, seen)
    finally:
        plan.close()
    if isinstance(ended, SubmissionUncertainError):
        seen.uncertain = seen.uncertain or ended
    seen.carry(outcome.cancel)
    raise outcome.cancel from ended


def _take_in(plan: Plan[Any], outcome: _Outcome, seen: _Seen) -> BaseException | None:
    """Send the plan the answer, and run it on to its next call or sleep (neither is done):
    what it makes known on the way is noted. Returns the exception it ended with, if any."""
    reply, failure = outcome.reply, outcome.failure
    try:
        while True:
            step = plan.send(reply) if failure is None else plan.throw(failure)
            reply, failure = None, None
            seen.note(step)
            if isinstance(step, (Call, Sleep)):
                return None
            if isinstance(step, Relay):
                reply = _to_loop(step.target)
    except StopIteration:
        return None
    except Exception as ended:  # refused, or the answer lost: nothing more to do
        return ended


def _to_loop(target: ByteProgress) -> ByteProgress:
    """``target``, callable from the pool's threads: it runs on this loop."""
    loop = asyncio.get_running_loop()

    def relay(received: int, total: int | None) -> None:
        loop.call_soon_threadsafe(target, received, total)

    return relay


def carry_job(cancel: BaseException, job_id: str, *, warn: bool = True) -> None:
    """A cancel after the job exists: it runs on at WaveSpeed; ``job_id`` finds it. ``warn``:
    the call made the job, and a WARNING names it."""
    if getattr(cancel, "job_id", None) is not None:
        return
    cancel.job_id = job_id  # type: ignore[attr-defined]
    _note(cancel, f"wavevid: job {job_id} still runs on WaveSpeed;"
                  f" get_job({job_id!r}) resumes it")
    if warn:
        logger.warning("cancelled: job %s still runs on WaveSpeed; get_job(%r) resumes it",
                       job_id, job_id)


def carry_uncertain(cancel: BaseException, uncertain: SubmissionUncertainError) -> None:
    """A cancel while the job of a submit whose answer was lost may exist."""
    if getattr(cancel, "uncertain", None) is not None:
        return
    cancel.fingerprint = uncertain.fingerprint  # type: ignore[attr-defined]
    cancel.model = uncertain.model  # type: ignore[attr-defined]
    cancel.uncertain = uncertain  # type: ignore[attr-defined]
    _note(cancel, f"wavevid: cancelled after a submit to {uncertain.model} whose answer was"
                  f" lost: the job may exist and be billed (fingerprint {uncertain.fingerprint};"
                  " find_submission(cancel.uncertain) looks for it)")
    logger.warning("cancelled after a submit to %s whose answer was lost: the job may exist"
                   " (fingerprint %s)", uncertain.model, uncertain.fingerprint)


def _note(error: BaseException, note: str) -> None:
    if hasattr(error, "add_note"):
        error.add_note(note)
