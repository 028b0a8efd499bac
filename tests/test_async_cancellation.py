"""Cancelling ``AsyncClient`` work where the review found it leaking: a submit waiting out a 429
(no second POST may follow: it would be a billed job), a batch whose consumer is cancelled in
its loop body, and the job id that asyncio's own structures drop on the way (a WARNING keeps
it)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from aio import aclient_for, cancelled, run, until

from wavevid.testing import FakeWaveSpeed, Fault, JobScript

#: Seconds after a stop during which checks every 0.05 s would have shown up at the fake.
QUIET = 0.5
#: The batch of the tests below: one quick job, then two that never end.
REQUESTS: list[dict[str, Any]] = [
    {"model": "ltx-2-fast", "input": {"prompt": prompt}} for prompt in ("quick", "slow", "slower")
]


def test_a_cancel_while_a_submit_waits_out_a_429_sends_no_other_post(fake: FakeWaveSpeed) -> None:
    fake.add_fault(Fault("submit", status=429, retry_after=1))

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            task = asyncio.ensure_future(aclient.generate("ltx-2-fast", prompt="a fox"))
            await until(lambda: fake.requests, "the 429")
            await asyncio.sleep(0.1)  # waiting for the retry
            started = time.monotonic()
            cancel = await cancelled(task)
            assert time.monotonic() - started < 0.5, "the cancel waited out the Retry-After"
            await asyncio.sleep(1.2)  # past the moment the retry would have gone out
            assert [request.method for request in fake.requests] == ["POST"]
            assert not fake.jobs, "a job was created (and billed) after the cancel"
            assert getattr(cancel, "job_id", None) is None

    run(test)


def _slow_batch(fake: FakeWaveSpeed) -> None:
    fake.script_jobs(JobScript(processing_seconds=0.05, when={"prompt": "quick"}))
    fake.script_jobs(JobScript(outcome="never"))


async def _in_the_body(fake: FakeWaveSpeed) -> None:
    """Until the quick item has been handed to the consumer (its download done)."""
    await until(lambda: len(fake.jobs) == 3
                and any(r.path.startswith("/outputs/") for r in fake.requests), "the first item")
    await asyncio.sleep(0.1)


def test_a_cancel_in_the_body_of_a_batch_block_stops_it_and_names_its_jobs(
    fake: FakeWaveSpeed,
) -> None:
    _slow_batch(fake)

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            async def consume() -> None:
                async with aclient.generate_many(REQUESTS, max_workers=3) as batch:
                    async for _item in batch:
                        await asyncio.sleep(30)  # the consumer's own slow work on the item

            task = asyncio.ensure_future(consume())
            await _in_the_body(fake)
            cancel = await cancelled(task)
            heard = len(fake.requests)
            await asyncio.sleep(QUIET)
            assert len(fake.requests) == heard, "the batch went on checking after the cancel"
            assert sorted(cancel.job_ids) == sorted(fake.jobs)  # type: ignore[attr-defined]

    run(test)


def test_a_batch_iterated_without_a_block_stops_with_its_task(fake: FakeWaveSpeed) -> None:
    _slow_batch(fake)

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            batch = aclient.generate_many(REQUESTS, max_workers=3)

            async def consume() -> None:
                async for _item in batch:
                    await asyncio.sleep(30)

            task = asyncio.ensure_future(consume())
            await _in_the_body(fake)
            await cancelled(task)
            await asyncio.sleep(0.05)  # the stopped generations end
            heard = len(fake.requests)
            await asyncio.sleep(QUIET)
            assert len(fake.requests) == heard, "the batch went on checking after the cancel"
            assert sorted(batch.job_ids) == sorted(fake.jobs)

    run(test)


def test_a_cancel_waiting_for_the_next_item_stops_the_batch_and_names_its_jobs(
    fake: FakeWaveSpeed,
) -> None:
    fake.script_jobs(JobScript(outcome="never"))

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            batch = aclient.generate_many(REQUESTS[1:], max_workers=2)

            async def consume() -> list[object]:
                return [item async for item in batch]

            task = asyncio.ensure_future(consume())
            await until(lambda: len(fake.jobs) == 2, "two jobs")
            cancel = await cancelled(task)
            heard = len(fake.requests)
            await asyncio.sleep(QUIET)
            assert len(fake.requests) == heard, "the batch went on checking after the cancel"
            assert sorted(cancel.job_ids) == sorted(fake.jobs)  # type: ignore[attr-defined]

    run(test)


def test_a_job_id_that_gather_drops_is_in_the_log(
    fake: FakeWaveSpeed, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script_jobs(JobScript(outcome="never"))

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            task = asyncio.ensure_future(aclient.generate("ltx-2-fast", prompt="a fox"))
            await until(lambda: fake.jobs, "the job")
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)  # keeps no job_id

    with caplog.at_level(logging.WARNING, logger="wavevid"):
        run(test)
    [job_id] = fake.jobs
    assert [record.levelno for record in caplog.records if job_id in record.getMessage()] == [
        logging.WARNING
    ]
