"""The cells of the polling table and their simulation: wavevid's real wait loop on a simulated
clock and the official SDK's loop as its code reads (``polling_sim.py``, which another engineer
owns: this module only calls it)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import polling_sim
from figures import JITTER, median, quantile

LEARNED_JOBS = 5
REALTIME_JOBS = 12
MIN_GAP = 5.0
"""WaveSpeed's recommendation for video tasks: at least 5 s between checks of one job."""
MATCH_SECONDS = 0.3
"""A real-time job's delay agrees with its simulation within this."""
CHECKS_TARGET_LENGTH = 60.0
"""The job length at which wavevid's checks must be at most 1/6 of the official SDK's."""
CLOCK_NOISE = 1e-6
"""A gap this much under the minimum is floating-point noise of the simulated clock."""


@dataclass(frozen=True)
class Cell:
    length: float
    """The centre of the job lengths (±10%)."""
    expected: float | None
    """The catalog's expected time E; None: the official SDK, which has none."""
    learned: int = 0
    """Jobs the client completed before (same model, same lengths) and learned from."""

    @property
    def official(self) -> bool:
        return self.expected is None

    @property
    def label(self) -> str:
        if self.expected is None:
            return f"{self.length:g} s, official SDK (1 s loop)"
        factor = self.expected / self.length
        name = "E exact" if factor == 1 else f"E ×{factor:g}"
        learned = f", after {self.learned} learned jobs" if self.learned else ""
        return f"{self.length:g} s, {name} (E={self.expected:g} s){learned}"


def cells() -> list[Cell]:
    """polling_sim's cells, each length led by the official SDK's."""
    out: list[Cell] = []
    for length, expected, learned in polling_sim.CELLS:
        if not any(c.length == length for c in out):
            out.append(Cell(length, None))
        out.append(Cell(length, expected, learned))
    return out


@dataclass
class Figures:
    """A cell's outcome: medians over its jobs, p90 of the delay, the closest two checks."""

    n: int
    checks_median: float
    delay_median: float
    delay_p90: float
    min_gap: float | None

    @classmethod
    def of(cls, checks: Sequence[float], delays: Sequence[float], gap: float | None) -> Figures:
        return cls(len(delays), median(checks), median(delays), quantile(delays, 0.9), gap)


@dataclass
class Real:
    """A cell's real-time outcome, and how far each job is from its simulation."""

    figures: Figures
    delays: list[float]
    misses: list[float]
    """|real − simulated| delay, per job."""
    same_checks: int
    """Jobs whose number of checks equals the simulation's."""
    worst: tuple[float, list[float], list[float]]
    """The job furthest from its simulation: length, simulated and real check times (seconds
    after the submit)."""


def sim_lengths(center: float, runs: int, seed: int) -> list[float]:
    """``runs`` lengths uniform in ±10% around ``center``, as polling_sim draws its own."""
    rng = random.Random(seed)
    return [center * rng.uniform(1 - JITTER, 1 + JITTER) for _ in range(runs)]


def simulate(cell: Cell, runs: int, seed: int) -> Figures:
    if cell.expected is None:
        jobs = [polling_sim.official_checks(x) for x in sim_lengths(cell.length, runs, seed)]
        return Figures.of([c for c, _ in jobs], [d for _, d in jobs], polling_sim.OFFICIAL_INTERVAL)
    got = polling_sim.simulate(
        cell.length, cell.expected, learned=cell.learned, runs=runs, jitter=JITTER, seed=seed
    )
    return Figures(
        runs, got["checks_median"], got["delay_median"], got["delay_p90"], got["min_gap"]
    )


def predict(cell: Cell, length: float, learned_lengths: Sequence[float]) -> list[float]:
    """When the simulation checks one job of exactly ``length`` (seconds after its submit),
    after the client completed jobs of ``learned_lengths``: the real-time run's own lengths."""
    if cell.expected is None:
        checks, _ = polling_sim.official_checks(length)
        return [k * polling_sim.OFFICIAL_INTERVAL for k in range(checks)]
    return polling_sim.check_times(length, cell.expected, learned_lengths)
