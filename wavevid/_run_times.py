"""Expected run times: the catalog's ``expected_seconds`` rule, and the run times learned on the
client (how long this client's completed jobs actually ran).

Jobs are grouped by a :class:`RunTimeKey`: the WaveSpeed model path and the entry's timing
parameters (the output length, normalised as :func:`expected_seconds` normalises it, and
the ``resolution`` where the input has one). Each completed job adds one sample, once: WaveSpeed's
``timings.inference``, else its ``executionTime`` (both milliseconds), else what the caller
measured between two checks. Failed, cancelled or timed-out jobs add nothing. The estimate for a
key is the median of its last RUN_TIME_SAMPLES samples, kept within RUN_TIME_CLAMP times (either
way) of the catalog's expected time. One store per client, lock-protected; nothing is kept
across processes.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._constants import (
    ASSUMED_OUTPUT_SECONDS,
    RUN_TIME_CLAMP,
    RUN_TIME_KEYS,
    RUN_TIME_SAMPLES,
)
from ._locks import ForkSafeLock
from ._payload import with_defaults
from ._pricing import output_seconds_of

if TYPE_CHECKING:
    from .catalog import Model

#: The input parameter, besides the output length, that keys learned run times when present.
RESOLUTION_PARAMETER = "resolution"


def expected_seconds(
    rule: float | Mapping[str, float], values: Mapping[str, Any], output_seconds: float | None
) -> float:
    """Typical run time: a number, or ``base + per_output_second * output length`` (an unknown
    length counts as ASSUMED_OUTPUT_SECONDS)."""
    if not isinstance(rule, Mapping):
        return float(rule)
    seconds = output_seconds_of(values, output_seconds)
    if seconds is None:
        seconds = ASSUMED_OUTPUT_SECONDS
    return float(rule["base"]) + float(rule.get("per_output_second", 0)) * seconds



@dataclass(frozen=True)
class RunTimeKey:
    """What run times are learned for: a model path and the timing parameters of one input."""

    path: str
    """The WaveSpeed model path."""
    output_seconds: float
    """The output length the input asks for (ASSUMED_OUTPUT_SECONDS when it names none)."""
    resolution: str | None
    """The input's ``resolution``, when it has one."""


@dataclass(frozen=True)
class RunTimeEstimate:
    """What ``Client.run_time_estimates()`` reports for one key."""

    path: str
    """The WaveSpeed model path."""
    output_seconds: float
    """The output length of the jobs measured."""
    resolution: str | None
    """Their ``resolution``, when the input had one."""
    seconds: float
    """The run time the next wait plans with: the median of the samples, clamped."""
    samples: int
    """How many completed jobs the median is taken over (at most RUN_TIME_SAMPLES)."""
    catalog_seconds: float
    """The catalog's expected time for these parameters (the clamp's centre)."""


def run_time_key(
    path: str, payload: Mapping[str, Any] | None, model: Model | None = None
) -> RunTimeKey | None:
    """The key for a job of ``path`` sent ``payload`` (the model's defaults filled in when the
    model is known); None when either is unknown: such a job neither learns nor uses samples."""
    if not path or payload is None:
        return None
    values = with_defaults(model.defaults, payload) if model is not None else dict(payload)
    seconds = output_seconds_of(values, None)
    resolution = values.get(RESOLUTION_PARAMETER)
    return RunTimeKey(
        path,
        ASSUMED_OUTPUT_SECONDS if seconds is None else seconds,
        None if resolution is None else str(resolution),
    )


def reported_run_time(data: Mapping[str, Any]) -> float | None:
    """Seconds WaveSpeed says a completed job ran: ``timings.inference``, else
    ``executionTime`` (milliseconds); None when neither is a positive number."""
    timings = data.get("timings")
    candidates = [timings.get("inference") if isinstance(timings, Mapping) else None,
                  data.get("executionTime")]
    for value in candidates:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            try:
                seconds = float(value) / 1000.0
            except OverflowError:  # an integer beyond any float
                continue
            if math.isfinite(seconds):
                return seconds
    return None


class RunTimes:
    """One client's learned run times; safe to share across threads."""

    def __init__(self, samples: int = RUN_TIME_SAMPLES, keys: int = RUN_TIME_KEYS) -> None:
        self._lock = ForkSafeLock()
        self._size = samples
        self._keys = keys
        self._samples: dict[RunTimeKey, deque[tuple[str, float]]] = {}
        self._catalog: dict[RunTimeKey, float] = {}

    def add(self, key: RunTimeKey, job_id: str, seconds: float, catalog_seconds: float) -> None:
        """Learn that job ``job_id`` ran ``seconds``; a job already learned is not counted twice."""
        if seconds <= 0:
            return
        with self._lock:
            samples = self._samples.pop(key, None)
            if samples is None:
                samples = deque(maxlen=self._size)
            self._samples[key] = samples  # most recently fed last
            self._catalog[key] = catalog_seconds
            if all(known != job_id for known, _ in samples):
                samples.append((job_id, seconds))
            while len(self._samples) > self._keys:
                oldest = next(iter(self._samples))
                del self._samples[oldest], self._catalog[oldest]

    def estimate(self, key: RunTimeKey | None, catalog_seconds: float) -> float:
        """The run time to plan with: the median of the key's samples within RUN_TIME_CLAMP times
        of ``catalog_seconds``, or ``catalog_seconds`` before any sample."""
        if key is None:
            return catalog_seconds
        with self._lock:
            samples = self._samples.get(key)
            values = [seconds for _, seconds in samples] if samples else []
        if not values:
            return catalog_seconds
        return _clamped(statistics.median(values), catalog_seconds)

    def snapshot(self) -> list[RunTimeEstimate]:
        """Every key's estimate now, most recently fed last."""
        with self._lock:
            rows = [(key, [s for _, s in samples], self._catalog[key])
                    for key, samples in self._samples.items()]
        return [
            RunTimeEstimate(key.path, key.output_seconds, key.resolution,
                            _clamped(statistics.median(values), catalog), len(values), catalog)
            for key, values, catalog in rows
            if values
        ]


def _clamped(seconds: float, catalog_seconds: float) -> float:
    if catalog_seconds <= 0:
        return seconds
    return min(max(seconds, catalog_seconds / RUN_TIME_CLAMP), catalog_seconds * RUN_TIME_CLAMP)
