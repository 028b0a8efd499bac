"""``AsyncClient`` against the fake: the event loop never blocks, waits hold no threads, a cancel
stops every request (a submit on the wire excepted: its answer is awaited, and its job id kept),
deadlines name the job, batches come in completion order. Each test runs its own loop
(``asyncio.run``)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aio import aclient_for, cancelled, run, until

import wavevid
from wavevid.testing import FakeWaveSpeed, Fault, JobScript

#: Seconds the loop may go without running a ready task while a job runs.
MAX_LOOP_GAP = 0.5
#: Seconds after a cancel during which the fake must hear nothing more.
QUIET_AFTER_CANCEL = 1.5


@pytest.mark.wavevid_fake(processing_seconds=3.0)
def test_the_loop_runs_on_during_a_3_s_job(fake: FakeWaveSpeed) -> None:
    fake.add_fault(Fault("poll", delay=0.8))  # a slow answer: what a request on the loop shows
    gaps: list[float] = []

    async def ticker(stop: asyncio.Event) -> None:
        last = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    async def test() -> wavevid.VideoResult:
        stop = asyncio.Event()
        ticking = asyncio.ensure_future(ticker(stop))
        # Checks a second apart: what a blocking sleep between them would show.
        async with aclient_for(fake, poll_interval=1.0) as aclient:
            result = await aclient.generate("ltx-2-fast", prompt="a slow fox")
        stop.set()
        await ticking
        return result

    started = time.monotonic()
    result = run(test)
    assert time.monotonic() - started >= 3.0
    assert result.read() == fake.video_for(result.job_id)
    assert max(gaps) < MAX_LOOP_GAP, f"the loop stood still for {max(gaps):.2f} s"


def test_a_cancelled_wait_sends_nothing_more_and_the_job_resumes(fake: FakeWaveSpeed) -> None:
    fake.script_jobs(JobScript(outcome="never"))

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            task = asyncio.ensure_future(aclient.generate("ltx-2-fast", prompt="a long fox"))
            await until(lambda: len([r for r in fake.requests if r.method == "GET"]) >= 3,
                        "a few checks")
            cancel = await cancelled(task)
            heard = len(fake.requests)
            await asyncio.sleep(QUIET_AFTER_CANCEL)
            assert len(fake.requests) == heard, "a request reached the fake after the cancel"
            job_id = cancel.job_id  # type: ignore[attr-defined]
            assert job_id in fake.jobs

            fake.finish(job_id)  # it ran on; its id is all a later process needs
            job = await aclient.wait(await aclient.get_job(job_id), timeout=10)
            assert job.status == "completed"

    run(test)


def test_a_cancelled_download_is_cut_and_leaves_no_file(
    fake: FakeWaveSpeed, tmp_path: Path
) -> None:
    fake.add_fault(Fault("download", trickle=2.0))  # 1 KB every 2 s: 30 s for the video
    target = tmp_path / "fox.mp4"

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            task = asyncio.ensure_future(
                aclient.generate("ltx-2-fast", prompt="a fox", output_path=target)
            )
            await until(lambda: any(r.path.startswith("/outputs/") for r in fake.requests),
                        "the download")
            await asyncio.sleep(0.3)  # a few bytes in, a read under way
            started = time.monotonic()
            cancel = await cancelled(task)
            assert time.monotonic() - started < 0.5, "the read under way was not cut"
            assert cancel.job_id in fake.jobs  # type: ignore[attr-defined]
            assert list(tmp_path.iterdir()) == []  # neither the video nor its .part
            heard = len(fake.requests)
            await asyncio.sleep(QUIET_AFTER_CANCEL)
            assert len(fake.requests) == heard

    run(test)


def test_a_cancel_during_the_submit_waits_for_the_answer_and_keeps_the_id(
    fake: FakeWaveSpeed,
) -> None:
    fake.add_fault(Fault("submit", delay=1.0))  # the job exists at once; its answer is late

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            task = asyncio.ensure_future(aclient.generate("ltx-2-fast", prompt="a fox"))
            await until(lambda: fake.jobs, "the job")
            started = time.monotonic()
            cancel = await cancelled(task)
            assert time.monotonic() - started > 0.5  # the answer was awaited
            [job_id] = fake.jobs
            assert cancel.job_id == job_id  # type: ignore[attr-defined]
            assert [r.method for r in fake.requests] == ["POST"]  # no check followed

    run(test)


def test_a_cancel_during_a_lost_submit_carries_its_fingerprint(fake: FakeWaveSpeed) -> None:
    fake.add_fault(Fault("submit", delay=0.5, drop=True))  # created, and no answer ever

    async def test() -> None:
        async with aclient_for(fake, recovery_delays=()) as aclient:
            task = asyncio.ensure_future(aclient.submit("ltx-2-fast", prompt="a lost fox"))
            await until(lambda: fake.jobs, "the job")
            cancel = await cancelled(task)
            assert not hasattr(cancel, "job_id")
            assert len(cancel.fingerprint) == 64  # type: ignore[attr-defined]
            assert cancel.model == "lightricks/ltx-2-fast/text-to-video"  # type: ignore[attr-defined]
            found = await aclient.get_job(next(iter(fake.jobs)))
            assert found.payload == {"prompt": "a lost fox", "duration": 6, "generate_audio": True}

    run(test)


def test_a_lost_submit_is_found_and_generated(fake: FakeWaveSpeed) -> None:
    """The search after an uncertain submit is the sync one's, its waits asleep on the loop."""
    fake.add_fault(Fault("submit", drop=True))

    async def test() -> wavevid.VideoResult:
        async with aclient_for(fake, recovery_delays=(0.2,)) as aclient:
            return await aclient.generate("ltx-2-fast", prompt="a fox found again")

    result = run(test)
    assert list(fake.jobs) == [result.job_id]
    assert result.read() == fake.video_for(result.job_id)


def test_a_timeout_names_the_job_which_resumes_later(fake: FakeWaveSpeed) -> None:
    fake.script_jobs(JobScript(outcome="never"))

    async def test() -> None:
        async with aclient_for(fake) as aclient:
            with pytest.raises(wavevid.JobTimeoutError) as raised:
                await aclient.generate("ltx-2-fast", prompt="a fox", timeout=0.3)
            job_id = raised.value.job_id
            assert job_id in fake.jobs
            fake.finish(job_id)
            assert (await aclient.wait(await aclient.get_job(job_id))).succeeded

    run(test)


def test_generate_many_yields_items_as_they_finish(fake: FakeWaveSpeed) -> None:
    for prompt, seconds in (("slow", 0.6), ("quick", 0.05), ("middle", 0.3)):
        fake.script_jobs(JobScript(processing_seconds=seconds, when={"prompt": prompt}))
    requests: list[dict[str, Any]] = [
        {"model": "ltx-2-fast", "input": {"prompt": prompt}}
        for prompt in ("slow", "quick", "middle")
    ]
    requests.append({"model": "ltx-2-fats", "input": {"prompt": "typo"}})

    async def test() -> list[wavevid.BatchItem]:
        async with aclient_for(fake) as aclient:
            return [item async for item in aclient.generate_many(requests, max_workers=4)]

    items = run(test)
    assert [item.index for item in items] == [3, 1, 2, 0]
    assert isinstance(items[0].error, wavevid.UnknownModelError)
    assert all(item.ok and item.request is requests[item.index] for item in items[1:])
    assert all(item.result and item.result.read() == fake.video_for(item.result.job_id)
               for item in items[1:])


def test_a_thousand_waits_hold_no_threads(fake: FakeWaveSpeed) -> None:
    fake.script_jobs(JobScript(outcome="never"))

    async def test() -> None:
        # The schedule (no poll_interval) checks a video job first after the minimum gap (5 s):
        # within this test, every wait is asleep.
        async with aclient_for(fake, poll_interval=None, max_threads=4) as aclient:
            jobs = await asyncio.gather(*(aclient.submit("ltx-2-fast", prompt=f"fox {n}")
                                          for n in range(40)))
            threads = threading.active_count()
            waits = [asyncio.ensure_future(aclient.wait(jobs[n % 40], timeout=60))
                     for n in range(1000)]
            await asyncio.sleep(0.3)
            assert threading.active_count() == threads
            started = time.monotonic()
            await aclient.balance()  # a free thread, at once
            assert time.monotonic() - started < 0.5
            heard = len(fake.requests)
            errors = [await cancelled(wait) for wait in waits]
            assert {error.job_id for error in errors} == {job.id for job in jobs}  # type: ignore[attr-defined]
            assert len(fake.requests) == heard

    run(test)


def test_progress_callbacks_run_on_the_loop(fake: FakeWaveSpeed) -> None:
    """Plain and coroutine functions alike, the download's byte counts included."""
    calls: dict[str, list[tuple[float, str, int]]] = {"plain": [], "coroutine": []}

    def plain(fraction: float, message: str) -> None:
        calls["plain"].append((fraction, message, threading.get_ident()))

    async def coroutine(fraction: float, message: str) -> None:
        await asyncio.sleep(0)
        calls["coroutine"].append((fraction, message, threading.get_ident()))

    async def test() -> int:
        async with aclient_for(fake, poll_interval=0.02) as aclient:
            for callback in (plain, coroutine):
                await aclient.generate("ltx-2-fast", prompt="a watched fox",
                                       progress_callback=callback)
        return threading.get_ident()

    loop_thread = run(test)
    for made in calls.values():
        fractions = [fraction for fraction, _, _ in made]
        assert fractions == sorted(fractions)
        assert any(message.startswith("downloading") for _, message, _ in made)
        assert made[-1][:2] == (1.0, "done")
        assert {thread for _, _, thread in made} == {loop_thread}


def test_a_callback_that_cannot_take_its_arguments_is_refused_before_any_request(
    fake: FakeWaveSpeed,
) -> None:
    async def test() -> None:
        async with aclient_for(fake) as aclient:
            with pytest.raises(TypeError, match="must take 2 positional arguments"):
                await aclient.generate("ltx-2-fast", prompt="a fox",
                                       progress_callback=lambda fraction: None)
            with pytest.raises(TypeError, match="must take 3 positional arguments"):
                aclient.generate_many([], progress_callback=lambda fraction, message: None)

    run(test)
    assert fake.requests == []


def _shape(fake: FakeWaveSpeed) -> list[tuple[str, str]]:
    """The requests the fake heard, job ids and queries left out, repeated checks as one."""
    shape: list[tuple[str, str]] = []
    for request in fake.requests:
        path = request.path.split("?")[0]
        for job_id in fake.jobs:
            path = path.replace(job_id, "ID")
        if not shape or shape[-1] != (request.method, path):
            shape.append((request.method, path))
    return shape


def test_both_clients_run_one_plan_request_for_request(
    make_fake_wavespeed: Callable[..., FakeWaveSpeed],
) -> None:
    """A lost submit found again, waited for and downloaded: ``_generation.generate_steps``
    for both clients, so the same requests in the same order."""
    options: dict[str, Any] = {"recovery_delays": (0.1,), "poll_interval": 0.05}
    synced, awaited = make_fake_wavespeed(), make_fake_wavespeed()
    for fake in (synced, awaited):
        fake.add_fault(Fault("submit", drop=True))
    synced.client(**options).generate("ltx-2-fast", prompt="a fox found again")

    async def test() -> None:
        async with aclient_for(awaited, **options) as aclient:
            await aclient.generate("ltx-2-fast", prompt="a fox found again")

    run(test)
    assert _shape(synced) == _shape(awaited) == [
        ("POST", "/api/v3/lightricks/ltx-2-fast/text-to-video"),  # the submit, its answer lost
        ("POST", "/api/v3/predictions"),  # the search of the history
        ("GET", "/api/v3/predictions/ID/result"),  # the checks
        ("GET", "/outputs/ID.mp4"),  # the download
    ]
