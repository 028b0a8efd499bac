"""``AsyncClient``'s pool and its other calls: closing it never cancels another task's call, a
wait for a retry (a submit's after a 429, a check's) holds no thread, and the calls that find
jobs or ask about the account are there as on ``Client``."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest
from aio import aclient_for, cancelled, run, until

import wavevid
from wavevid.testing import FakeWaveSpeed, Fault

#: Seconds a call that finds a free thread may take on loopback.
AT_ONCE = 0.5


@pytest.mark.wavevid_fake(processing_seconds=0.3)
def test_aclose_lets_the_calls_of_other_tasks_run_to_their_end(fake: FakeWaveSpeed) -> None:
    fake.add_fault(Fault("poll", delay=0.2, times=None))  # checks queue up for the one thread

    async def test() -> None:
        aclient = aclient_for(fake, max_threads=1)
        tasks = [asyncio.ensure_future(aclient.generate("ltx-2-fast", prompt=f"fox {n}"))
                 for n in range(3)]
        await until(lambda: len(fake.jobs) == 3, "three jobs")
        await asyncio.sleep(0.1)
        await aclient.aclose()  # a shutdown hook, or agenerate_video's default client replaced
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(result, wavevid.VideoResult) for result in results), results
        await aclient.aclose()

    run(test)


def test_waits_for_a_retry_hold_no_thread(fake: FakeWaveSpeed) -> None:
    fake.add_fault(Fault("submit", status=429, retry_after=1))
    fake.add_fault(Fault("poll", status=429, retry_after=1))

    async def test() -> None:
        async with aclient_for(fake, max_threads=1) as aclient:
            submit = asyncio.ensure_future(aclient.submit("ltx-2-fast", prompt="a fox"))
            await until(lambda: fake.requests, "the 429")
            started = time.monotonic()
            await aclient.balance()
            assert time.monotonic() - started < AT_ONCE, "the submit's retry held the thread"
            job = await submit

            get_job = asyncio.ensure_future(aclient.get_job(job.id))
            await until(lambda: len(fake.requests) == 4, "the check's 429")
            started = time.monotonic()
            await aclient.balance()
            assert time.monotonic() - started < AT_ONCE, "the check's retry held the thread"
            await cancelled(get_job)

    run(test)


def test_find_submission_and_the_account_calls(fake: FakeWaveSpeed) -> None:
    fake.add_fault(Fault("submit", drop=True))  # the job is made; its answer never comes

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            with pytest.raises(wavevid.SubmissionUncertainError) as raised:
                await aclient.submit("ltx-2-fast", prompt="a lost fox")
            job = await aclient.find_submission(raised.value)
            assert job is not None
            assert list(fake.jobs) == [job.id]

            assert await aclient.webhook_secret() == fake.webhook_secret
            assert any(entry["model_id"] == job.model for entry in await aclient.live_models())
            quote = await aclient.quote("ltx-2-fast", prompt="a fox")
            assert quote.amount > Decimal(0)
            assert quote.path == job.model
            assert aclient.run_time_estimates() == []

    run(test)
