"""Checks over real HTTP against the fake, on a simulated clock: what goes on the wire."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import wavevid
from wavevid._constants import MIN_VIDEO_CHECK_GAP
from wavevid.testing import FakeWaveSpeed, Fault, JobScript

pytestmark = pytest.mark.wavevid_fake(processing_seconds=0.0)

class SimulatedTime:
    """A clock that only moves when the client sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def time() -> SimulatedTime:
    return SimulatedTime()


@pytest.fixture
def client(fake: FakeWaveSpeed, time: SimulatedTime) -> Iterator[wavevid.Client]:
    """The client's real schedule (no poll_interval), its time simulated."""
    with wavevid.Client(fake.api_key, base_url=fake.url, clock=time.clock,
                        sleep=time.sleep) as made:
        yield made


def checks(fake: FakeWaveSpeed, job_id: str) -> list[str]:
    return [r.path for r in fake.requests if r.method == "GET" and job_id in r.path]


def test_a_failed_check_is_retried_by_the_wait_after_the_gap_not_by_the_transport(
    fake: FakeWaveSpeed, client: wavevid.Client, time: SimulatedTime
) -> None:
    fake.add_fault(Fault("poll", status=503, times=1))
    job = client.submit("ltx-2-fast", prompt="a fox")
    job.wait(timeout=600)
    assert job.succeeded
    assert len(checks(fake, job.id)) == 2
    assert len(time.sleeps) == 2  # one wait before each check, none inside the transport
    assert min(time.sleeps) >= MIN_VIDEO_CHECK_GAP


def test_checks_go_to_the_result_path(fake: FakeWaveSpeed, client: wavevid.Client) -> None:
    job = client.submit("ltx-2-fast", prompt="a fox").wait(timeout=600)
    assert checks(fake, job.id) == [f"/api/v3/predictions/{job.id}/result"]


def test_a_404_ends_the_wait_at_once_with_the_job_id(
    fake: FakeWaveSpeed, client: wavevid.Client, time: SimulatedTime
) -> None:
    fake.add_fault(Fault("poll", status=404, times=None))
    job = client.submit("ltx-2-fast", prompt="a fox")
    with pytest.raises(wavevid.NotFoundError) as raised:
        job.wait(timeout=600)
    assert raised.value.job_id == job.id
    assert len(checks(fake, job.id)) == 1


def test_a_deleted_job_ends_the_wait_at_once(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    fake.script_jobs(JobScript(outcome="deleted"))
    job = client.submit("ltx-2-fast", prompt="a fox")
    with pytest.raises(wavevid.JobFailedError) as raised:
        job.wait(timeout=600)
    assert raised.value.status == "deleted"
    assert len(checks(fake, job.id)) == 1


def test_get_job_and_refresh_inside_the_gap_send_nothing(
    fake: FakeWaveSpeed, client: wavevid.Client, time: SimulatedTime
) -> None:
    job = client.submit("ltx-2-fast", prompt="a fox")
    assert client.get_job(job.id).succeeded
    time.now += MIN_VIDEO_CHECK_GAP / 2
    assert job.refresh().succeeded  # the answer get_job had, no request
    assert client.get_job(job.id).succeeded
    assert len(checks(fake, job.id)) == 1
    time.now += MIN_VIDEO_CHECK_GAP
    client.get_job(job.id)
    assert len(checks(fake, job.id)) == 2
