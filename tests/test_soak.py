"""A seeded, randomized fault soak: 200 jobs over 8 threads sharing one Client, each with a fault
drawn from everything FakeWaveSpeed can inject. Afterwards, from the fake's own records: every
job ended with its own video, byte-exact, or with the typed error its fault calls for; nothing
was charged twice; every uncertain submit whose job exists was recovered by generate() itself,
by its input, among 200 jobs of the same account in the same window; the ones whose job does
not exist end uncertain; no partial file is left; and no call overran its deadline.
"""

from __future__ import annotations

import collections
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import wavevid
from wavevid import errors
from wavevid.testing import FakeWaveSpeed, Fault, JobScript

SEED = 20261125
JOBS = 200
THREADS = 8
JOB_TIMEOUT = 2.0
REQUEST_TIMEOUT = 0.5
# The download has its own deadline; here it is a 15 KB file, even when trickled.
DOWNLOAD_ALLOWANCE = 1.0
MODELS = ["ltx-2-fast", "ltx-2-pro", "hunyuan-video-1.5", "ltx-2-19b"]


Inject = Callable[[FakeWaveSpeed, dict[str, str], random.Random], None]


@dataclass(frozen=True)
class Kind:
    """A fault, and what the user must get from it."""

    name: str
    inject: Inject
    error: type[errors.WavevidError] | None = None
    """The error the call must raise; None: the video, byte-exact."""
    creates_job: bool = True


def _fault(**fields: object) -> Inject:
    def inject(fake: FakeWaveSpeed, when: dict[str, str], rng: random.Random) -> None:
        fake.add_fault(Fault(when=when, **fields))  # type: ignore[arg-type]

    return inject


def _burst(target: str, **fields: object) -> Inject:
    def inject(fake: FakeWaveSpeed, when: dict[str, str], rng: random.Random) -> None:
        times = rng.randint(1, 3)
        fake.add_fault(Fault(target, times=times, when=when, **fields))  # type: ignore[arg-type]

    return inject


def _script(outcome: str, code: int | None = None) -> Inject:
    def inject(fake: FakeWaveSpeed, when: dict[str, str], rng: random.Random) -> None:
        script = JobScript(outcome, code=code, when=when, times=1)  # type: ignore[arg-type]
        fake.script_jobs(script)

    return inject


KINDS = [
    Kind("none", lambda fake, when, rng: None),
    Kind("poll 5xx burst", _burst("poll", status=503)),
    Kind("poll 429 burst", _burst("poll", status=429, retry_after=0)),
    Kind("poll dropped", _burst("poll", drop=True)),
    Kind("poll slow", _fault(target="poll", delay=0.1)),
    Kind("submit 429", _fault(target="submit", status=429, retry_after=0)),
    Kind("submit 500, no job", _fault(target="submit", status=500),
         errors.SubmissionUncertainError, creates_job=False),
    Kind("submit 504 after creating", _fault(target="submit", status=504, create=True)),
    Kind("submit non-JSON 200 after creating",
         _fault(target="submit", status=200, body=b"<html>proxy</html>", create=True)),
    Kind("submit dropped", _fault(target="submit", drop=True)),
    Kind("submit timed out", _fault(target="submit", delay=REQUEST_TIMEOUT + 0.3)),
    Kind("job failed", _script("failed", 1402), errors.JobFailedError),
    Kind("job cancelled", _script("cancelled"), errors.JobFailedError),
    Kind("job timed out remotely", _script("timeout", 5004), errors.JobFailedError),
    Kind("job never ends", _script("never"), errors.JobTimeoutError),
    Kind("download cut", _fault(target="download", cut_after=4096)),
    Kind("download short", _fault(target="download", short_by=100, times=None),
         errors.DownloadError),
    Kind("download trickled", _fault(target="download", trickle=0.005)),
]


@dataclass
class Outcome:
    index: int
    kind: Kind
    model: str
    target: Path
    error: BaseException | None = None
    result: wavevid.VideoResult | None = None
    elapsed: float = 0.0


def run_one(client: wavevid.Client, outcome: Outcome) -> None:
    started = time.monotonic()
    try:
        outcome.result = client.generate(
            outcome.model, prompt=f"soak-{outcome.index}", output_path=outcome.target,
            timeout=JOB_TIMEOUT,
        )
    except Exception as error:  # every kind is checked below
        outcome.error = error
    outcome.elapsed = time.monotonic() - started


def test_randomized_fault_soak(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(SEED)
    outcomes = [
        Outcome(index, rng.choice(KINDS), rng.choice(MODELS), tmp_path / f"video-{index}.mp4")
        for index in range(JOBS)
    ]
    with FakeWaveSpeed(processing_seconds=0.05) as fake:
        for outcome in outcomes:
            outcome.kind.inject(fake, {"prompt": f"soak-{outcome.index}"}, rng)
        client = fake.client(
            poll_interval=0.02, request_timeout=REQUEST_TIMEOUT, recovery_delays=(0.0, 0.1),
            sleep=lambda seconds: time.sleep(min(seconds, 0.02)),  # backoffs, shortened
        )
        with client, ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(lambda outcome: run_one(client, outcome), outcomes))
        jobs_by_prompt = collections.Counter(job.input.get("prompt") for job in fake.jobs.values())
        job_of_prompt = {job.input.get("prompt"): job.id for job in fake.jobs.values()}
        videos = {job_id: fake.video_for(job_id) for job_id in job_of_prompt.values()}
        uncertain = [o for o in outcomes if isinstance(o.error, errors.SubmissionUncertainError)]

    # Every job: its own video, byte-exact, or the typed error its fault calls for.
    for outcome in outcomes:
        expected = outcome.kind.error
        if expected is None:
            assert outcome.error is None, (outcome.kind.name, outcome.error)
            assert outcome.result is not None
            assert outcome.result.job_id == job_of_prompt[f"soak-{outcome.index}"]
            assert outcome.target.read_bytes() == videos[outcome.result.job_id]
        else:
            assert isinstance(outcome.error, expected), (outcome.kind.name, outcome.error)
            assert not outcome.target.exists()
    # Nothing charged twice: the fake created exactly one job per accepted or uncertain submit.
    submitted = [o for o in outcomes if o.kind.creates_job]
    assert sum(jobs_by_prompt.values()) == len(submitted)
    assert all(count == 1 for count in jobs_by_prompt.values())
    # An uncertain submit is left uncertain only when its job does not exist.
    assert all(not o.kind.creates_job for o in uncertain)
    # No partial file anywhere.
    assert list(tmp_path.glob("*.part")) == []
    # No call overran its deadline (plus one request, plus the small download).
    slowest = max(outcome.elapsed for outcome in outcomes)
    assert slowest <= JOB_TIMEOUT + REQUEST_TIMEOUT + DOWNLOAD_ALLOWANCE

    faults = collections.Counter(outcome.kind.name for outcome in outcomes)
    results = collections.Counter(
        type(outcome.error).__name__ if outcome.error else "video" for outcome in outcomes
    )
    with capsys.disabled():
        print(f"\nsoak: {JOBS} jobs, {THREADS} threads, seed {SEED}; slowest call {slowest:.2f} s")
        print(f"soak: faults {dict(sorted(faults.items()))}")
        print(f"soak: outcomes {dict(sorted(results.items()))}")
        recovered = sum(o.error is None and o.kind.name.startswith("submit ") and
                        o.kind.name != "submit 429" for o in outcomes)
        print(f"soak: jobs created {sum(jobs_by_prompt.values())}, left uncertain"
              f" {len(uncertain)}, recovered by generate {recovered}")
