"""``AsyncClient``'s coroutine progress callbacks never hold up the job: a slow one is called
with the latest report only, and one that never returns delays the result by
ASYNC_CALLBACK_GRACE at most."""

from __future__ import annotations

import asyncio
import time

import pytest
from aio import aclient_for, run

from wavevid import _async_progress
from wavevid.testing import FakeWaveSpeed

#: Seconds each call of the slow callback takes.
SLOW_CALL = 0.3


@pytest.mark.wavevid_fake(processing_seconds=1.0)
def test_a_slow_callback_is_called_with_the_latest_report_only(fake: FakeWaveSpeed) -> None:
    calls: list[tuple[float, str]] = []

    async def slow(fraction: float, message: str) -> None:
        calls.append((fraction, message))
        await asyncio.sleep(SLOW_CALL)  # a push to a slow browser

    async def test() -> float:
        async with aclient_for(fake, poll_interval=0.02) as aclient:  # ~50 reports in the job
            started = time.monotonic()
            await aclient.generate("ltx-2-fast", prompt="a watched fox", progress_callback=slow)
            return time.monotonic() - started

    took = run(test)
    assert took < 1.0 + 3 * SLOW_CALL, f"generate took {took:.1f} s for a 1 s job"
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions)
    assert calls[-1] == (1.0, "done")


def test_a_callback_that_never_returns_is_dropped_after_the_grace(
    fake: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_async_progress, "ASYNC_CALLBACK_GRACE", 0.3)

    async def test() -> float:
        never = asyncio.Event()

        async def hang(fraction: float, message: str) -> None:
            await never.wait()

        async with aclient_for(fake) as aclient:
            started = time.monotonic()
            result = await asyncio.wait_for(aclient.generate(
                "ltx-2-fast", prompt="a fox", progress_callback=hang, timeout=5), 10)
            assert result.read() == fake.video_for(result.job_id)
            return time.monotonic() - started

    took = run(test)
    assert took < 0.2 + 0.3 + 1.0, f"generate took {took:.1f} s"  # the job, the grace, slack
    assert "the progress callback has not returned" in caplog.text
