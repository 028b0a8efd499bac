"""Numbers for the tables: job lengths, medians, spreads and their rendering."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence

JITTER = 0.10
"""Job lengths spread ±10% around their centre."""


def jittered(center: float, n: int, seed: str, jitter: float = JITTER) -> list[float]:
    """``n`` lengths in ``center * [1 - jitter, 1 + jitter]``, one in each of ``n`` equal
    strata (so a dozen jobs cover the range as evenly as a thousand would), shuffled."""
    rng = random.Random(seed)
    lengths = [center * (1 - jitter + 2 * jitter * (i + rng.random()) / n) for i in range(n)]
    rng.shuffle(lengths)
    return lengths


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (nearest rank, as a p90 is usually read): a value that occurred."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def spread(values: Sequence[float], digits: int = 2) -> str:
    """``median (min–max, n=N)``: every sample is inside the range."""
    return (
        f"{fmt(median(values), digits)} ({fmt(min(values), digits)}–"
        f"{fmt(max(values), digits)}, n={len(values)})"
    )


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return ""
    return f"{a / b:.2f}"
