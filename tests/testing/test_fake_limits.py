"""FakeWaveSpeed's account limits over real HTTP: the minimum gap between checks of a job, the
concurrency limit (jobs wait), the per-minute start limit (submits are refused)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from wavevid.testing import FakeWaveSpeed, JobScript
from wavevid.testing._limits import StartLimiter
from wavevid.testing.pytest_plugin import MakeFakeWaveSpeed

MODEL = "lightricks/ltx-2-fast/text-to-video"
TICK = 0.1
pytestmark = pytest.mark.wavevid_fake(processing_seconds=TICK)

Json = dict[str, Any]



def submit(fake: FakeWaveSpeed, api: requests.Session, **body: Any) -> requests.Response:
    body = {"prompt": "a fox", **body}
    return api.post(f"{fake.url}/api/v3/{MODEL}", json=body, timeout=5)


def submitted_id(fake: FakeWaveSpeed, api: requests.Session) -> str:
    response = submit(fake, api)
    assert response.status_code == 200, response.text
    job_id: str = response.json()["data"]["id"]
    return job_id


def check(fake: FakeWaveSpeed, api: requests.Session, job_id: str, suffix: str = "/result") -> Any:
    return api.get(f"{fake.url}/api/v3/predictions/{job_id}{suffix}", timeout=5)


# The minimum gap between checks


def test_checks_closer_than_the_minimum_are_recorded(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(min_poll_interval=0.3)
    first, second = submitted_id(fake, api), submitted_id(fake, api)
    assert check(fake, api, first).status_code == 200
    assert check(fake, api, second).status_code == 200  # another job: its own clock
    assert check(fake, api, first, suffix="").status_code == 200  # either path is a check
    assert check(fake, api, first).status_code == 200
    violations = fake.poll_violations
    assert [v.job_id for v in violations] == [first, first]
    assert all(0 <= v.gap < 0.3 for v in violations)
    assert violations[1].at > violations[0].at
    fake.reset()
    assert fake.poll_violations == []


def test_enforced_checks_get_429_with_retry_after(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(min_poll_interval=0.2, enforce_min_poll_interval=True)
    job_id = submitted_id(fake, api)
    assert check(fake, api, job_id).status_code == 200
    time.sleep(0.1)
    refused = check(fake, api, job_id)
    assert refused.status_code == 429
    assert refused.json()["message"] == "Too Many Requests"
    wait = float(refused.headers["Retry-After"])
    assert 0 < wait < 0.1
    time.sleep(wait)  # the refused check did not restart the clock: the first one counts
    assert check(fake, api, job_id).status_code == 200
    assert len(fake.poll_violations) == 1


def test_a_client_from_the_fake_keeps_the_minimum(make_fake_wavespeed: MakeFakeWaveSpeed) -> None:
    fake = make_fake_wavespeed(min_poll_interval=0.05, enforce_min_poll_interval=True)
    with fake.client() as client:
        result = client.generate(MODEL, prompt="a patient fox")
    assert result.read() == fake.video_for(result.job_id)
    assert fake.poll_violations == []


@pytest.mark.parametrize(
    "options",
    [
        {"min_poll_interval": 0},
        {"enforce_min_poll_interval": True},
        {"max_concurrency": 0},
        {"starts_per_minute": 0},
        {"upload_headers": "none"},
    ],
)
def test_meaningless_limits_are_rejected(options: Json) -> None:
    with pytest.raises(ValueError, match=r"must|needs"):
        FakeWaveSpeed(**options)


# Concurrency: jobs beyond the limit wait


def test_jobs_beyond_the_concurrency_limit_stay_created_until_one_ends(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(max_concurrency=2)
    first, second, third = (submitted_id(fake, api) for _ in range(3))
    jobs = fake.jobs
    assert [jobs[i].status for i in (first, second, third)] == [
        "processing", "processing", "created"]  # fmt: skip
    assert jobs[third].starts_monotonic == jobs[first].terminal_at()
    seen = [check(fake, api, third).json()["data"]["status"]]
    while seen[-1] != "completed":
        time.sleep(0.005)
        seen.append(check(fake, api, third).json()["data"]["status"])
    assert sorted(set(seen), key=seen.index) == ["created", "processing", "completed"]


def test_a_job_waiting_behind_a_never_job_starts_when_it_is_finished(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(max_concurrency=1)
    fake.script_jobs(JobScript("never", times=1))
    fake.script_jobs(JobScript(processing_seconds=5))  # the others: long enough to look at
    running, waiting, last = (submitted_id(fake, api) for _ in range(3))
    assert fake.jobs[waiting].starts_monotonic is None
    time.sleep(TICK)
    assert check(fake, api, waiting).json()["data"]["status"] == "created"
    fake.finish(running)
    jobs = fake.jobs
    assert jobs[waiting].status == "processing"
    assert jobs[last].starts_monotonic == jobs[waiting].terminal_at()
    fake.finish(last)  # a waiting job can be ended too; it frees no slot it never held
    assert jobs[last].status == "completed"
    assert jobs[waiting].status == "processing"


# The start limit: submits beyond it are refused


def test_submits_beyond_the_start_limit_get_429_and_no_job(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(starts_per_minute=2)
    assert submit(fake, api).status_code == 200
    assert submit(fake, api, enable_sync_mode=True).status_code == 200
    refused = submit(fake, api)
    assert refused.status_code == 429
    assert 58 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json() == {
        "code": 429,
        "message": "Too Many Requests",
        "data": {"error": "Rate limit exceeded: 2 task starts per minute"},
    }
    assert len(fake.jobs) == 2
    fake.reset()
    assert submit(fake, api).status_code == 200


def test_the_start_window_ends() -> None:
    limiter = StartLimiter(2, window_seconds=0.1)
    now = time.monotonic()
    assert [limiter.admit(now), limiter.admit(now + 0.01)] == [None, None]
    assert limiter.admit(now + 0.05) == 1  # whole seconds, at least 1
    assert limiter.admit(now + 0.1) is None  # a new window
    assert StartLimiter(None).admit(now) is None
