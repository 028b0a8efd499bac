"""Run times learned on the client: the store, what a job contributes, and how a wait uses it."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import pytest

import wavevid
from wavevid._checks import JobChecker
from wavevid._constants import ASSUMED_OUTPUT_SECONDS, RUN_TIME_CLAMP, RUN_TIME_SAMPLES
from wavevid._deadline import Deadline
from wavevid._progress import Progress
from wavevid._run_times import RunTimeKey, RunTimes, reported_run_time, run_time_key
from wavevid.jobs import Job
from wavevid.testing import FakeWaveSpeed, JobScript

PATH = "lightricks/ltx-2-fast/text-to-video"
KEY = RunTimeKey(PATH, 6.0, None)


def test_the_estimate_is_the_median_of_the_last_samples() -> None:
    store = RunTimes()
    assert store.estimate(KEY, 40.0) == 40.0  # nothing learned yet: the catalog's
    for number, seconds in enumerate([100, 20, 30, 35, 40, 45, 50, 55]):
        store.add(KEY, f"job{number}", seconds, 40.0)
    assert RUN_TIME_SAMPLES == 7
    assert store.estimate(KEY, 40.0) == 40  # the first sample (100) has dropped out
    assert store.estimate(None, 40.0) == 40.0


def test_the_estimate_stays_within_the_clamp_of_the_catalogs_time() -> None:
    store = RunTimes()
    store.add(KEY, "slow", 1000.0, 40.0)
    assert store.estimate(KEY, 40.0) == 40.0 * RUN_TIME_CLAMP
    store = RunTimes()
    store.add(KEY, "quick", 0.5, 40.0)
    assert store.estimate(KEY, 40.0) == 40.0 / RUN_TIME_CLAMP


def test_a_job_counts_once_and_keys_are_bounded() -> None:
    store = RunTimes(keys=2)
    store.add(KEY, "same", 10.0, 40.0)
    store.add(KEY, "same", 90.0, 40.0)
    assert [(row.samples, row.seconds) for row in store.snapshot()] == [(1, 10.0)]
    other, third = RunTimeKey(PATH, 8.0, None), RunTimeKey(PATH, 10.0, None)
    store.add(other, "b", 12.0, 40.0)
    store.add(KEY, "c", 11.0, 40.0)  # KEY is fed again: now the most recent
    store.add(third, "d", 13.0, 40.0)
    assert [row.output_seconds for row in store.snapshot()] == [6.0, 10.0]


def test_reported_run_times_are_milliseconds() -> None:
    assert reported_run_time({"timings": {"inference": 25729}, "executionTime": 1}) == 25.729
    assert reported_run_time({"timings": {"inference": 0}, "executionTime": 3000}) == 3.0
    assert reported_run_time({"executionTime": 3000}) == 3.0
    assert reported_run_time({"timings": {"inference": 0}}) is None
    assert reported_run_time({"timings": "n/a", "executionTime": True}) is None


def test_keys_normalise_the_output_length_and_keep_the_resolution() -> None:
    model = wavevid.Client(api_key="k").catalog.get("ltx-2-fast")
    assert run_time_key(PATH, {"prompt": "p"}, model) == RunTimeKey(PATH, 6.0, None)
    assert run_time_key(PATH, {"prompt": "p", "duration": 8}, model) == RunTimeKey(PATH, 8.0, None)
    raw = run_time_key("someone/else", {"prompt": "p", "resolution": "720p"})
    assert raw == RunTimeKey("someone/else", ASSUMED_OUTPUT_SECONDS, "720p")
    assert run_time_key(PATH, None, model) is None
    assert run_time_key("", {"prompt": "p"}) is None


class Remote:
    """Jobs on a simulated clock, each ending after its own length, with a scripted answer."""

    def __init__(self) -> None:
        self.now = 0.0
        self.ends: dict[str, tuple[float, str, Mapping[str, Any]]] = {}

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def fetch(self, job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        end, outcome, extra = self.ends[job_id]
        if self.now < end:
            return {"id": job_id, "model": PATH, "status": "processing"}
        return {"id": job_id, "model": PATH, "status": outcome, **extra}

    def wait(
        self, checker: JobChecker, job_id: str, seconds: float, outcome: str = "completed",
        extra: Mapping[str, Any] | None = None, expected: float = 40.0,
    ) -> Job:
        self.ends[job_id] = (self.now + seconds, outcome, dict(extra or {}))
        job = Job({"id": job_id, "status": "created", "model": PATH}, checker,
                  expected_seconds=expected, payload={"prompt": "p", "duration": 6}, path=PATH)
        with contextlib.suppress(wavevid.JobFailedError):
            job.wait_until(Deadline(1000, self.clock), Progress(None))
        return job


def test_completed_jobs_teach_and_failed_ones_do_not() -> None:
    remote = Remote()
    checker = JobChecker(remote.fetch, remote.clock, remote.sleep)
    remote.wait(checker, "a", 30, extra={"timings": {"inference": 31000}})
    remote.wait(checker, "b", 30, extra={"executionTime": 33000})
    remote.wait(checker, "c", 5, outcome="failed", extra={"timings": {"inference": 5000}})
    remote.wait(checker, "d", 5, outcome="timeout", extra={"executionTime": 5000})
    [row] = checker.run_times.snapshot()
    assert (row.samples, row.seconds, row.catalog_seconds) == (2, 32.0, 40.0)
    assert (row.path, row.output_seconds, row.resolution) == (PATH, 6.0, None)


def test_without_reported_times_the_midpoint_of_the_checks_counts() -> None:
    remote = Remote()
    checker = JobChecker(remote.fetch, remote.clock, remote.sleep)
    job = remote.wait(checker, "a", 30)
    [row] = checker.run_times.snapshot()
    checks_around_the_end = (checker.checks.last("a") or 0) - job._started_at  # type: ignore[operator]
    assert 30 - 5 < row.seconds < checks_around_the_end


def test_the_next_wait_plans_with_what_was_learned() -> None:
    remote = Remote()
    checker = JobChecker(remote.fetch, remote.clock, remote.sleep)
    for number in range(3):
        remote.wait(checker, f"learn{number}", 60, extra={"timings": {"inference": 60000}},
                    expected=30)  # the catalog says 30 s; the jobs take 60
    started = remote.now
    remote.ends["next"] = (started + 60, "completed", {})
    checks: list[float] = []
    fetch = remote.fetch

    def counting(job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        checks.append(remote.now - started)
        return fetch(job_id, deadline)

    checker.fetch = counting
    job = Job({"id": "next", "status": "created", "model": PATH}, checker, expected_seconds=30,
              payload={"prompt": "p", "duration": 6}, path=PATH)
    job.wait_until(Deadline(1000, remote.clock), Progress(None))
    assert checks[-1] - 60 <= 2.0  # aimed at 60 s, not at 30
    assert all(check >= 0.5 * 60 - 1e-9 for check in checks)  # nothing spent around 30 s


def test_the_client_reports_its_estimates_over_http() -> None:
    with FakeWaveSpeed(processing_seconds=0.05) as fake:
        fake.script_jobs(JobScript(outcome="failed", times=1))
        with wavevid.Client(fake.api_key, base_url=fake.url, poll_interval=0.01) as client:
            assert client.run_time_estimates() == []
            with pytest.raises(wavevid.JobFailedError):
                client.submit("ltx-2-fast", prompt="a").wait(timeout=0.5)
            assert client.run_time_estimates() == []
            client.submit("ltx-2-fast", prompt="b", duration=8).wait(timeout=0.5)
            [row] = client.run_time_estimates()
    expected = client.catalog.get("ltx-2-fast").expected_seconds({"duration": 8})
    assert (row.path, row.output_seconds, row.samples) == (PATH, 8.0, 1)
    assert row.catalog_seconds == expected
    assert row.seconds == expected / RUN_TIME_CLAMP  # 50 ms, clamped
