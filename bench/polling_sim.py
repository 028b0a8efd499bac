"""wavevid's real wait loop replayed on a simulated clock: where its checks land, no HTTP.

``simulate(job_seconds, expected_seconds)`` drives ``Job.wait_until`` (the code every wait runs)
against simulated jobs whose lengths jitter uniformly within +-``jitter`` of ``job_seconds``,
each run on a fresh client (its own check log and learned run times). With ``learned=n`` the
client first waits for ``n`` jobs of the same model and parameters (their reported run times
feed its estimates), and only the job after them is measured.

Each job is submitted at a whole simulated moment and starts at once; WaveSpeed's submit
answer says ``created``, as it always does. The official SDK's figure is the same job polled
every OFFICIAL_INTERVAL seconds from the submit (a first check at once), as
``wavespeed.Client._wait`` does.

Run it: ``python bench/polling_sim.py`` prints the cells of issue 13.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wavevid._checks import JobChecker
from wavevid._deadline import Deadline
from wavevid._progress import Progress
from wavevid.jobs import Job

#: The official SDK's default poll interval (``wavespeed.Client.run(poll_interval=1.0)``).
OFFICIAL_INTERVAL = 1.0
#: The model path of the simulated jobs (outside the catalog: the video minimum gap).
PATH = "simulated/video-model"
#: Their input (the run-time key's timing parameters).
PAYLOAD: Mapping[str, Any] = {"prompt": "p", "duration": 5, "resolution": "720p"}


class _Remote:
    """Simulated WaveSpeed: jobs that run from their submit for a set length; records checks."""

    def __init__(self) -> None:
        self.now = 0.0
        self.ends: dict[str, float] = {}
        self.checks: dict[str, list[float]] = {}
        self.started: dict[str, float] = {}

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    def fetch(self, job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        self.checks.setdefault(job_id, []).append(self.now)
        end = self.ends[job_id]
        if self.now < end:
            return {"id": job_id, "model": PATH, "status": "processing", "outputs": []}
        inference_ms = round((end - self.started[job_id]) * 1000)
        return {"id": job_id, "model": PATH, "status": "completed", "outputs": ["https://o/x.mp4"],
                "executionTime": inference_ms, "timings": {"inference": inference_ms}}

    def run(self, checker: JobChecker, job_id: str, length: float, expected: float) -> float:
        """Submit a job of ``length`` s and wait for it; returns its end."""
        self.now = math.ceil(self.now + 1.0)
        self.started[job_id] = self.now
        self.ends[job_id] = self.now + length
        job = Job({"id": job_id, "status": "created", "model": PATH}, checker,
                  expected_seconds=expected, payload=PAYLOAD, path=PATH)
        job.wait_until(Deadline(100 * (length + expected), self.clock), Progress(None))
        return self.ends[job_id]


def official_checks(length: float) -> tuple[int, float]:
    """(checks, detection delay) of a poll at once and then every OFFICIAL_INTERVAL s."""
    last = math.ceil(length / OFFICIAL_INTERVAL)
    return last + 1, last * OFFICIAL_INTERVAL - length


def check_times(
    job_seconds: float, expected_seconds: float, learned_lengths: Sequence[float] = ()
) -> list[float]:
    """When wavevid checks one job of exactly ``job_seconds`` (seconds after its submit),
    planned with ``expected_seconds``, on a client that first completed jobs of
    ``learned_lengths``: to compare a real-time run's jobs with their simulation."""
    remote = _Remote()
    checker = JobChecker(remote.fetch, remote.clock, remote.sleep)
    for number, length in enumerate(learned_lengths):
        remote.run(checker, f"learned-{number}", length, expected_seconds)
    end = remote.run(checker, "measured", job_seconds, expected_seconds)
    return [at - (end - job_seconds) for at in remote.checks["measured"]]


def simulate(
    job_seconds: float,
    expected_seconds: float,
    *,
    learned: int = 0,
    runs: int = 1000,
    jitter: float = 0.10,
    seed: int = 0,
) -> dict[str, float]:
    """Replay ``runs`` waits for jobs of ``job_seconds`` +- ``jitter`` (uniform), planned with
    ``expected_seconds`` (the catalog's time), after ``learned`` jobs on the same client.

    Returns:
        runs; checks_median (checks of the measured job); official_checks_median (the official
        SDK's, same lengths); checks_ratio (official / ours, medians); delay_median, delay_p90,
        delay_max (seconds from the job's end to the check that saw it); min_gap (the closest
        two checks of one job, learned jobs included); gap_violations (pairs closer than the
        job's minimum gap).
    """
    rng = random.Random(seed)
    delays: list[float] = []
    checks: list[int] = []
    official: list[int] = []
    gaps: list[float] = []
    violations = 0
    for run in range(runs):
        remote = _Remote()
        checker = JobChecker(remote.fetch, remote.clock, remote.sleep)
        for number in range(learned + 1):
            job_id = f"r{run}-{number}"
            length = job_seconds * rng.uniform(1.0 - jitter, 1.0 + jitter)
            end = remote.run(checker, job_id, length, expected_seconds)
            seen = remote.checks[job_id]
            between = [later - earlier for earlier, later in itertools.pairwise(seen)]
            gaps.extend(between)
            minimum = checker.intervals(None)[0]
            violations += sum(1 for gap in between if gap < minimum - 1e-6)
        delays.append(seen[-1] - end)
        checks.append(len(seen))
        official.append(official_checks(length)[0])
    ordered = sorted(delays)
    ours, theirs = statistics.median(checks), statistics.median(official)
    return {
        "runs": runs,
        "checks_median": ours,
        "official_checks_median": theirs,
        "checks_ratio": theirs / ours,
        "delay_median": statistics.median(delays),
        "delay_p90": ordered[math.ceil(0.9 * len(ordered)) - 1],
        "delay_max": ordered[-1],
        "min_gap": min(gaps) if gaps else math.inf,
        "gap_violations": violations,
    }


#: The cells of issue 13: (job seconds, expected seconds, learned jobs).
CELLS = [
    (seconds, seconds * factor, learned)
    for seconds in (10.0, 60.0)
    for factor, learned in ((1.0, 0), (0.5, 0), (2.0, 0), (1.0, 5), (0.5, 5), (2.0, 5))
]


def main() -> None:
    print(f"{'job':>5} {'E':>6} {'learned':>7} {'checks':>6} {'official':>8} {'ratio':>6}"
          f" {'median':>7} {'p90':>6} {'max':>6} {'min gap':>7}")
    for seconds, expected, learned in CELLS:
        row = simulate(seconds, expected, learned=learned)
        print(f"{seconds:5.0f} {expected:6.0f} {learned:7d} {row['checks_median']:6.1f}"
              f" {row['official_checks_median']:8.1f} {row['checks_ratio']:6.2f}"
              f" {row['delay_median']:7.2f} {row['delay_p90']:6.2f} {row['delay_max']:6.2f}"
              f" {row['min_gap']:7.2f}")


if __name__ == "__main__":
    main()
