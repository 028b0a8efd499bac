"""The check schedule, the minimum gap and progress, on a simulated clock: no HTTP, no sleeping."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import wavevid
from wavevid import JobFailedError, JobTimeoutError, NotFoundError, RateLimitError, ServerError
from wavevid._checks import JobChecker
from wavevid._constants import (
    CHECK_AIM_SECONDS,
    FIRST_CHECK_FRACTION,
    MAX_CHECK_STEP,
    MIN_IMAGE_CHECK_GAP,
    MIN_VIDEO_CHECK_GAP,
    RUN_TIME_SPREAD,
    WINDOW_STEP_FRACTION,
)
from wavevid._deadline import Deadline
from wavevid._progress import Progress, processing_curve
from wavevid._schedule import CheckPlan, min_check_gap
from wavevid._times import parse_time
from wavevid.jobs import Job

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import polling_sim

PATH = "lightricks/ltx-2-fast/text-to-video"


class SimulatedJob:
    """A remote job on a simulated clock: queued for ``queue`` s, then processing for
    ``actual`` s, then ``outcome``. Records the time of every check; ``failures`` maps a check's
    number (0-based) to the error it raises."""

    def __init__(
        self,
        actual: float,
        queue: float = 0.0,
        outcome: str = "completed",
        failures: Mapping[int, Exception] | None = None,
    ) -> None:
        self.now = 0.0
        self.actual, self.queue, self.outcome = actual, queue, outcome
        self.failures = dict(failures or {})
        self.checks: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def status(self) -> str:
        if self.now < self.queue:
            return "created"
        if self.now < self.queue + self.actual:
            return "processing"
        return self.outcome

    def fetch(self, job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        number = len(self.checks)
        self.checks.append(self.now)
        if number in self.failures:
            raise self.failures[number]
        return {"id": job_id, "model": PATH, "status": self.status(),
                "outputs": ["https://cdn/x.mp4"]}

    def checker(self, poll_interval: float | None = None, loopback: bool = False) -> JobChecker:
        return JobChecker(self.fetch, self.clock, self.sleep, poll_interval, loopback=loopback)

    def job(self, expected: float, checker: JobChecker | None = None, **options: Any) -> Job:
        return Job({"id": "j1", "status": "created", "model": PATH}, checker or self.checker(),
                   expected_seconds=expected, **options)

    def gaps(self) -> list[float]:
        return [later - earlier for earlier, later in itertools.pairwise(self.checks)]


def detection(actual: float, expected: float, queue: float = 0.0) -> tuple[int, float]:
    """(checks, detection delay) for a job of ``actual`` seconds estimated at ``expected``."""
    remote = SimulatedJob(actual, queue)
    remote.job(expected).wait_until(Deadline(10 * actual + queue, remote.clock), Progress(None))
    assert min(remote.gaps(), default=MIN_VIDEO_CHECK_GAP) >= MIN_VIDEO_CHECK_GAP - 1e-9
    return len(remote.checks), remote.checks[-1] - actual - queue


# --- the schedule --------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [10, 30, 60, 120, 300])
def test_a_right_estimate_finds_the_job_within_a_window_step(seconds: float) -> None:
    checks, delay = detection(seconds, seconds)
    assert 0 <= delay < max(MIN_VIDEO_CHECK_GAP, WINDOW_STEP_FRACTION * seconds)
    assert checks <= max(2, (seconds + 1) / 6)  # the official SDK checks every second, from 0


@pytest.mark.parametrize("seconds", [10, 30, 60])
@pytest.mark.parametrize("error", [0.5, 2.0])
def test_an_estimate_2x_off_is_found_within_the_gap(seconds: float, error: float) -> None:
    checks, delay = detection(seconds, seconds * error)
    assert 0 <= delay <= MIN_VIDEO_CHECK_GAP + 2.5
    assert checks <= (seconds + 1) / 5


class LateJob(SimulatedJob):
    """Every sleep oversleeps and every check takes time, as on a real machine."""

    def sleep(self, seconds: float) -> None:
        self.now += seconds + 0.02

    def fetch(self, job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        data = super().fetch(job_id, deadline)
        self.now += 0.01
        return data


def test_a_check_pushed_late_by_the_gap_moves_instead_of_being_skipped() -> None:
    ideal, late = SimulatedJob(60.0), LateJob(60.0)
    for remote in (ideal, late):
        remote.job(60.0).wait_until(Deadline(600, remote.clock), Progress(None))
    assert len(late.checks) == len(ideal.checks)
    assert all(abs(a - b) < 0.5 for a, b in zip(late.checks, ideal.checks, strict=True))
    assert min(late.gaps()) >= MIN_VIDEO_CHECK_GAP


def test_the_plan_is_sparse_early_aimed_at_the_likely_end_then_grows() -> None:
    plan = CheckPlan(expected=60, gap=MIN_VIDEO_CHECK_GAP)
    offsets = [plan.offset_after(0.0)]
    while offsets[-1] < 2000:
        offsets.append(plan.offset_after(offsets[-1] + MIN_VIDEO_CHECK_GAP))
    assert offsets[0] == pytest.approx(FIRST_CHECK_FRACTION * 60)
    steps = [later - earlier for earlier, later in itertools.pairwise(offsets)]
    assert min(steps) >= MIN_VIDEO_CHECK_GAP
    opens, closes = 60 * (1 - RUN_TIME_SPREAD), 60 * (1 + RUN_TIME_SPREAD)
    aimed = [offset for offset in offsets if opens < offset <= closes + MIN_VIDEO_CHECK_GAP]
    assert aimed[0] == pytest.approx(opens + CHECK_AIM_SECONDS)
    assert aimed[-1] >= closes  # the whole likely window is covered
    late = [step for offset, step in zip(offsets, steps, strict=False) if offset > closes]
    assert all(later >= earlier - 1e-9 for earlier, later in itertools.pairwise(late))
    assert late[0] < late[-1] == pytest.approx(MAX_CHECK_STEP)


def test_a_short_job_gets_its_aimed_check_at_the_window_end() -> None:
    plan = CheckPlan(expected=10, gap=MIN_VIDEO_CHECK_GAP)
    assert plan.offset_after(6.0) == pytest.approx(10 * (1 + RUN_TIME_SPREAD))


def test_a_fixed_interval_overrides_the_plan() -> None:
    plan = CheckPlan(expected=20, gap=0.0, fixed_interval=0.25)
    moments = [plan.next_at(t, started=s, queued_until=0.0, queued_by_check=False, last=t)
               for t, s in ((1.0, None), (3.0, 0.0), (40.0, 0.0))]
    assert moments == [1.25, 3.25, 40.25]


def test_image_tasks_have_the_image_gap_and_all_others_the_video_gap() -> None:
    assert min_check_gap("text-to-image") == min_check_gap("image-to-image") == MIN_IMAGE_CHECK_GAP
    for task in ("text-to-video", "image-to-video", "video-to-video", None, "new-kind"):
        assert min_check_gap(task) == MIN_VIDEO_CHECK_GAP


@pytest.mark.parametrize(
    ("actual", "expected", "queue"),
    [(3, 60, 0), (10, 10, 0), (60, 30, 0), (60, 120, 0), (25, 20, 40), (400, 50, 0)],
)
def test_no_two_checks_of_a_job_closer_than_the_minimum(
    actual: float, expected: float, queue: float
) -> None:
    remote = SimulatedJob(actual, queue, failures={1: ServerError("down", status_code=502)})
    remote.job(expected).wait_until(Deadline(5000, remote.clock), Progress(None))
    assert min(remote.gaps(), default=MIN_VIDEO_CHECK_GAP) >= MIN_VIDEO_CHECK_GAP - 1e-9


def test_an_image_task_is_checked_at_its_own_gap() -> None:
    remote = SimulatedJob(actual=4)
    task = type("Entry", (), {"task": "text-to-image", "defaults": {}})()
    job = remote.job(4, entry=task)
    job.wait_until(Deadline(100, remote.clock), Progress(None))
    assert min(remote.gaps()) >= MIN_IMAGE_CHECK_GAP - 1e-9
    assert min(remote.gaps()) < MIN_VIDEO_CHECK_GAP


def test_a_failed_check_counts_toward_the_gap() -> None:
    remote = SimulatedJob(actual=30, failures={0: ServerError("bad gateway", status_code=502)})
    remote.job(30).wait_until(Deadline(200, remote.clock), Progress(None))
    assert remote.gaps()[0] >= MIN_VIDEO_CHECK_GAP
    assert remote.checks[-1] >= 30


def test_a_429_waits_for_its_retry_after() -> None:
    limited = RateLimitError("slow down", status_code=429)
    limited.retry_after = 17.0
    remote = SimulatedJob(actual=30, failures={0: limited})
    remote.job(30).wait_until(Deadline(200, remote.clock), Progress(None))
    assert remote.gaps()[0] >= 17.0


def test_never_checks_past_the_deadline() -> None:
    remote = SimulatedJob(actual=100)
    job = remote.job(expected=100)
    with pytest.raises(JobTimeoutError) as raised:
        job.wait_until(Deadline(7, remote.clock), Progress(None))
    assert raised.value.job_id == "j1"
    assert max(remote.checks) <= 7
    assert remote.now == pytest.approx(7)


def test_the_clock_starts_when_the_job_leaves_the_queue() -> None:
    checks, delay = detection(actual=10, expected=10, queue=30)
    assert delay <= MIN_VIDEO_CHECK_GAP
    assert checks <= 30 / MIN_VIDEO_CHECK_GAP + 3


def test_the_start_is_the_submit_or_the_middle_between_a_queued_and_a_running_check() -> None:
    remote = SimulatedJob(actual=100)
    job = remote.job(100)  # the submit's answer says "created", as it always does
    remote.now = 12.0
    job.refresh()
    assert job.running_for() == 12.0  # it started at the submit, as far as we know
    remote = SimulatedJob(actual=100, queue=20)
    job = remote.job(100)
    remote.now = 12.0
    assert job.refresh().status == "created"
    remote.now = 24.0
    job.refresh()
    assert job.running_for() == 24.0 - (12.0 + 24.0) / 2


def test_the_gap_counts_from_the_end_of_a_slow_check() -> None:
    remote = SimulatedJob(actual=40)
    fetch = remote.fetch

    def slow(job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        answer = fetch(job_id, deadline)
        remote.now += 0.8  # the answer takes this long to come back
        return answer

    job = remote.job(40, JobChecker(slow, remote.clock, remote.sleep))
    job.wait_until(Deadline(200, remote.clock), Progress(None))
    assert min(remote.gaps()) >= MIN_VIDEO_CHECK_GAP + 0.8 - 1e-9


# --- the gap across refreshes, Job objects and threads ----------------------------------------


def test_refresh_inside_the_gap_keeps_the_state_without_a_request() -> None:
    remote = SimulatedJob(actual=3)
    job = remote.job(60)
    assert job.refresh().status == "processing"
    remote.now = 4.0  # the job has ended, but the gap has not passed
    assert job.refresh().status == "processing"
    assert len(remote.checks) == 1
    remote.now = 1.0 + MIN_VIDEO_CHECK_GAP
    assert job.refresh().status == "completed"
    assert remote.checks == [0.0, 1.0 + MIN_VIDEO_CHECK_GAP]


def test_job_objects_of_one_id_share_the_gap_and_the_last_answer() -> None:
    remote = SimulatedJob(actual=1)
    checker = remote.checker()
    first, second = remote.job(60, checker), remote.job(60, checker)
    remote.now = 2.0
    assert first.refresh().status == "completed"
    remote.now = 3.0
    assert second.refresh().status == "completed"  # the first one's answer, no request
    assert remote.checks == [2.0]


def test_a_job_refreshed_from_two_threads_is_checked_once() -> None:
    remote = SimulatedJob(actual=100)
    inside, release = threading.Event(), threading.Event()
    fetch = remote.fetch

    def slow_fetch(job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        inside.set()
        assert release.wait(5)
        return fetch(job_id, deadline)

    job = remote.job(100, JobChecker(slow_fetch, remote.clock, remote.sleep))
    worker = threading.Thread(target=job.refresh)
    worker.start()
    assert inside.wait(5)
    job.refresh()  # another thread's check is in flight: nothing is sent
    release.set()
    worker.join(5)
    assert len(remote.checks) == 1


def test_refresh_tries_a_failed_check_again_after_the_gap() -> None:
    remote = SimulatedJob(actual=1, failures={0: ServerError("oops", status_code=503)})
    remote.now = 2.0
    assert remote.job(60).refresh().status == "completed"
    assert remote.checks == [2.0, 2.0 + MIN_VIDEO_CHECK_GAP]


def test_an_explicit_interval_is_raised_to_the_gap_except_on_loopback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "wavevid")
    remote = SimulatedJob(actual=1)
    checker = remote.checker(poll_interval=1.0)
    assert checker.intervals(None) == (MIN_VIDEO_CHECK_GAP, MIN_VIDEO_CHECK_GAP)
    assert checker.intervals("text-to-image") == (MIN_IMAGE_CHECK_GAP, MIN_IMAGE_CHECK_GAP)
    assert caplog.text.count("raised to the minimum gap") == 1
    assert remote.checker(poll_interval=30.0).intervals(None) == (MIN_VIDEO_CHECK_GAP, 30.0)
    assert remote.checker(poll_interval=0.01, loopback=True).intervals(None) == (0.0, 0.01)


@pytest.mark.parametrize(
    ("base_url", "loopback"),
    [("https://api.wavespeed.ai", False), ("http://127.0.0.1:9", True),
     ("http://localhost:9", True), ("http://[::1]:9", True)],
)
def test_clients_know_a_loopback_host(
    base_url: str, loopback: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVEVID_POLL_INTERVAL", "0.5")
    with wavevid.Client(api_key="k", base_url=base_url) as client:
        checker = client._runtime.checker
        assert (checker.loopback, checker.poll_interval) == (loopback, 0.5)
        expected = (0.0, 0.5) if loopback else (MIN_VIDEO_CHECK_GAP, MIN_VIDEO_CHECK_GAP)
        assert checker.intervals(None) == expected


# --- statuses -------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["failed", "cancelled", "timeout", "deleted"])
def test_every_terminal_status_ends_the_wait_at_once(outcome: str) -> None:
    remote = SimulatedJob(actual=1, outcome=outcome)
    with pytest.raises(JobFailedError) as raised:
        remote.job(expected=1).wait_until(Deadline(600, remote.clock), Progress(None))
    assert raised.value.status == outcome
    assert remote.status() == outcome
    assert len(remote.checks) == 1


def test_a_404_ends_the_wait_at_once_with_the_job_id() -> None:
    missing = NotFoundError("Not Found", status_code=404, job_id="j1")
    remote = SimulatedJob(actual=30, failures={1: missing})
    with pytest.raises(NotFoundError) as raised:
        remote.job(30).wait_until(Deadline(600, remote.clock), Progress(None))
    assert raised.value.job_id == "j1"
    assert len(remote.checks) == 2


def test_an_unknown_status_is_treated_as_running(caplog: pytest.LogCaptureFixture) -> None:
    remote = SimulatedJob(actual=20)
    remote.status = lambda: "warming-up" if remote.now < 20 else "completed"  # type: ignore[method-assign]
    job = remote.job(expected=20)
    job.wait_until(Deadline(60, remote.clock), Progress(None))
    assert job.succeeded
    assert "unknown status 'warming-up'" in caplog.text


@pytest.mark.parametrize("suffix", ["/result", ""])
def test_answers_naming_either_poll_path_are_read(suffix: str) -> None:
    remote = SimulatedJob(actual=1)
    fetch = remote.fetch

    def with_urls(job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        url = f"https://api.wavespeed.ai/api/v3/predictions/{job_id}{suffix}"
        return {**fetch(job_id, deadline), "urls": {"get": url}}

    job = remote.job(5, JobChecker(with_urls, remote.clock, remote.sleep))
    job.wait_until(Deadline(60, remote.clock), Progress(None))
    assert job.succeeded
    assert job.raw["urls"]["get"].endswith(job.id + suffix)


# --- the simulation of bench/polling_sim.py ---------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("seconds", [10.0, 60.0])
def test_simulated_targets_with_the_right_estimate(seconds: float, seed: int) -> None:
    row = polling_sim.simulate(seconds, seconds, runs=300, seed=seed)
    assert row["gap_violations"] == 0
    assert row["min_gap"] >= MIN_VIDEO_CHECK_GAP - 1e-6
    # At 60 s the bound is exactly 2.0 s: with checks at least 5 s apart, at most three 2 s
    # stretches fit in the 12 s window of +-10%, half of it; a sample median sits around it.
    assert row["delay_median"] <= (2.0 if seconds == 10 else 2.15)
    assert row["delay_p90"] <= 4.5
    assert row["checks_ratio"] >= 5 if seconds == 10 else row["checks_ratio"] >= 6


@pytest.mark.parametrize("learned", [0, 5])
@pytest.mark.parametrize("factor", [0.5, 2.0])
@pytest.mark.parametrize("seconds", [10.0, 60.0])
def test_simulated_targets_with_an_estimate_2x_off(
    seconds: float, factor: float, learned: int
) -> None:
    row = polling_sim.simulate(seconds, seconds * factor, learned=learned, runs=150, seed=3)
    assert row["gap_violations"] == 0
    assert row["delay_median"] <= 5.0
    if seconds == 60:
        assert row["checks_ratio"] >= 6


def test_learning_brings_a_2x_off_estimate_back_near_the_right_one() -> None:
    off = polling_sim.simulate(60.0, 30.0, runs=150, seed=4)
    learned = polling_sim.simulate(60.0, 30.0, learned=5, runs=150, seed=4)
    assert learned["delay_median"] < off["delay_median"] - 0.5
    assert learned["checks_median"] < off["checks_median"]


# --- progress ----------------------------------------------------------------------------------


def test_progress_rules_through_a_queued_then_processing_job() -> None:
    remote = SimulatedJob(actual=10, queue=5)
    seen: list[tuple[float, str, float]] = []
    job = remote.job(expected=10)
    progress = Progress(lambda f, m: seen.append((f, m, remote.now)), job_share=0.9)
    job.wait_until(Deadline(100, remote.clock), progress)
    progress.downloading(50, 100)
    progress.downloading(100, 100)
    progress.finished()
    fractions = [fraction for fraction, _, _ in seen]
    assert fractions == sorted(fractions)  # never decreasing
    queued = [fraction for fraction, message, _ in seen if message == "queued"]
    assert queued
    assert set(queued) == {0.0}  # still while queued
    processing = [fraction for fraction, message, _ in seen if message.startswith("processing")]
    assert processing
    assert max(processing) < 0.9
    assert fractions[-1] == 1.0
    assert fractions.count(1.0) == 1
    assert seen[-1][1] == "done"
    assert any(message.startswith("downloading") for _, message, _ in seen)


def test_processing_never_reaches_the_jobs_share() -> None:
    values = [processing_curve(ratio / 10) for ratio in range(0, 1000)]
    assert values == sorted(values)
    assert values[10] == pytest.approx(0.9)
    assert max(values) < 0.99


def test_progress_ticks_between_sparse_checks() -> None:
    remote = SimulatedJob(actual=30)
    ticks: list[float] = []
    job = remote.job(expected=30)
    job.wait_until(Deadline(100, remote.clock), Progress(lambda f, m: ticks.append(remote.now)))
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert max(gaps) <= 1.0 + 1e-9
    assert len(remote.checks) < len(ticks) / 2


def test_a_failing_callback_is_logged_once_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def broken(fraction: float, message: str) -> None:
        calls.append(fraction)
        raise ValueError("bad callback")

    progress = Progress(broken)
    progress.queued()
    progress.processing(1, 10)
    progress.finished()
    assert len(calls) == 3
    assert caplog.text.count("the progress callback raised") == 1


def test_keyboard_interrupt_from_the_callback_carries_the_job_id() -> None:
    remote = SimulatedJob(actual=10)

    def interrupt(fraction: float, message: str) -> None:
        if remote.now > 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as raised:
        remote.job(expected=10).wait_until(Deadline(100, remote.clock), Progress(interrupt))
    assert raised.value.job_id == "j1"  # type: ignore[attr-defined]


# --- times -------------------------------------------------------------------------------------

_MOMENT = "2025-10-31T23:02:36"


@pytest.mark.parametrize(
    ("text", "microsecond"),
    [
        (f"{_MOMENT}Z", 0),
        (f"{_MOMENT}.9Z", 900000),
        (f"{_MOMENT}.92Z", 920000),
        (f"{_MOMENT}.920Z", 920000),
        (f"{_MOMENT}.9200001z", 920000),
        (f"{_MOMENT}.948268264Z", 948268),
        (f"{_MOMENT}.92+00:00", 920000),
        (f"{_MOMENT}.92", 920000),
        ("2025-11-01T04:32:36.92+05:30", 920000),
        ("2025-11-01T04:32:36.92+0530", 920000),
        ("2025-10-31T16:02:36.92-07", 920000),
        (" 2025-10-31 23:02:36.92Z ", 920000),
    ],
)
def test_parse_time_reads_every_fraction_and_offset_the_same(text: str, microsecond: int) -> None:
    moment = parse_time(text)
    assert moment == dt.datetime(2025, 10, 31, 23, 2, 36, microsecond, tzinfo=dt.timezone.utc)
    assert moment is not None
    assert moment.utcoffset() == dt.timedelta(0)  # given in UTC, not only the same instant


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (POSIX)")
@pytest.mark.parametrize("text", [f"{_MOMENT}Z", _MOMENT, "2025-11-01T04:32:36+05:30"])
def test_parse_time_ignores_the_machines_time_zone(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "IST-5:30")  # POSIX rule for UTC+05:30: no zone database needed
    time.tzset()
    try:
        assert time.localtime(0).tm_gmtoff == 5.5 * 3600  # the local zone is not UTC
        moment = parse_time(text)
        assert moment == dt.datetime(2025, 10, 31, 23, 2, 36, tzinfo=dt.timezone.utc)
        assert moment is not None
        assert moment.utcoffset() == dt.timedelta(0)
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2025-10-31", "2025-13-31T23:02:36Z", f"{_MOMENT}.1234567890Z",
             f"{_MOMENT}+25:00", f"{_MOMENT}.Z", None, 1730415756],
)
def test_parse_time_refuses_what_is_not_a_time(text: object) -> None:
    assert parse_time(text) is None
