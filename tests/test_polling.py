"""The poll schedule and progress, on a simulated clock: no HTTP, no sleeping."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import pytest

from wavevid import JobFailedError, JobTimeoutError
from wavevid._deadline import Deadline
from wavevid._progress import Progress, processing_curve
from wavevid.jobs import Job, Poller, PollSchedule, parse_time


class SimulatedJob:
    """A remote job on a simulated clock: queued for ``queue`` s, then processing for
    ``actual`` s, then ``outcome``. Counts the polls."""

    def __init__(self, actual: float, queue: float = 0.0, outcome: str = "completed") -> None:
        self.now = 0.0
        self.actual, self.queue, self.outcome = actual, queue, outcome
        self.polls: list[float] = []

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
        self.polls.append(self.now)
        return {"id": job_id, "status": self.status(), "outputs": ["https://cdn/x.mp4"]}

    def job(self, expected: float, poll_interval: float | None = None) -> Job:
        poller = Poller(self.fetch, self.clock, self.sleep, poll_interval)
        return Job({"id": "j1", "status": "created"}, poller, expected_seconds=expected)


def detection(actual: float, expected: float) -> tuple[int, float]:
    """(polls, detection delay) for a job of ``actual`` seconds estimated at ``expected``."""
    remote = SimulatedJob(actual)
    job = remote.job(expected)
    job.wait_until(Deadline(10 * actual, remote.clock), Progress(None))
    return len(remote.polls), remote.polls[-1] - actual


@pytest.mark.parametrize("seconds", [10, 30])
def test_a_right_estimate_polls_at_most_half_as_often_as_every_second(seconds: float) -> None:
    polls, delay = detection(seconds, seconds)
    assert polls <= seconds / 2
    assert delay < 0.5  # a poll lands on the expected time


@pytest.mark.parametrize("seconds", [10, 30])
@pytest.mark.parametrize("error", [0.5, 2.0])
def test_an_estimate_2x_off_still_beats_polling_every_second(seconds: float, error: float) -> None:
    polls, delay = detection(seconds, seconds * error)
    assert polls <= seconds
    assert delay <= 3.0


def test_the_schedule_is_rare_early_dense_at_the_estimate_and_backs_off() -> None:
    schedule = PollSchedule(expected=20)
    assert schedule.next_delay(None) == 2.5  # queued
    assert schedule.next_delay(0) == 2.5
    assert schedule.next_delay(18.5) == 1.5  # lands on the expected time
    late = [schedule.next_delay(20 + n) for n in range(14)]
    assert late[0] == 1.0
    assert late == sorted(late)
    assert late[-1] == 5.0


def test_a_fixed_interval_overrides_the_schedule() -> None:
    schedule = PollSchedule(expected=20, fixed_interval=0.25)
    assert {schedule.next_delay(t) for t in (None, 0, 19, 40)} == {0.25}


def test_never_polls_past_the_deadline() -> None:
    remote = SimulatedJob(actual=100)
    job = remote.job(expected=100)
    with pytest.raises(JobTimeoutError) as raised:
        job.wait_until(Deadline(7, remote.clock), Progress(None))
    assert raised.value.job_id == "j1"
    assert max(remote.polls) <= 7
    assert remote.now == pytest.approx(7)


def test_the_clock_starts_when_the_job_leaves_the_queue() -> None:
    remote = SimulatedJob(actual=10, queue=30)
    job = remote.job(expected=10)
    job.wait_until(Deadline(200, remote.clock), Progress(None))
    assert remote.polls[-1] - 40 < 3.0
    assert len(remote.polls) <= 30 / 2.5 + 10


@pytest.mark.parametrize("outcome", ["failed", "cancelled", "timeout"])
def test_remote_failures_raise(outcome: str) -> None:
    remote = SimulatedJob(actual=1, outcome=outcome)
    with pytest.raises(JobFailedError) as raised:
        remote.job(expected=1).wait_until(Deadline(60, remote.clock), Progress(None))
    assert raised.value.status == outcome


def test_an_unknown_status_is_treated_as_running(caplog: pytest.LogCaptureFixture) -> None:
    remote = SimulatedJob(actual=5)
    remote.status = lambda: "warming-up" if remote.now < 5 else "completed"  # type: ignore[method-assign]
    job = remote.job(expected=5)
    job.wait_until(Deadline(60, remote.clock), Progress(None))
    assert job.succeeded
    assert "unknown status 'warming-up'" in caplog.text


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


def test_progress_ticks_between_sparse_polls() -> None:
    remote = SimulatedJob(actual=30)
    ticks: list[float] = []
    job = remote.job(expected=30)
    job.wait_until(Deadline(100, remote.clock), Progress(lambda f, m: ticks.append(remote.now)))
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert max(gaps) <= 1.0 + 1e-9
    assert len(remote.polls) < len(ticks) / 2


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


def test_parse_time_reads_wavespeeds_nanoseconds() -> None:
    moment = parse_time("2025-05-19T06:09:15.948268264Z")
    assert moment is not None
    assert (moment.microsecond, moment.utcoffset()) == (948268, moment.utcoffset())
    assert moment.tzinfo is not None
    assert parse_time("") is None
    assert parse_time("yesterday") is None
