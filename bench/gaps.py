"""Why a target was not met, and what meeting it would take: written from what the runs showed.

``bench/run.py`` prints one entry per unmet target; a target met in a run is not mentioned.
The figures quoted are those of the published full run and the library's constants
(wavevid/_constants.py); re-check them when either changes.
"""

from __future__ import annotations

EXPLANATIONS = [
    (
        "estimate right",
        "wavevid polls every min(2.5 s, E/4) up to E, once at E, then from 1 s after it: a job "
        "ending just after E waits up to about 1 s, as with the official's 1 s loop, but the "
        "phase of the polls against the true end decides the median over a few jobs. Matching "
        "a 1 s poller's delay exactly needs 1 s polls where the job really ends, which no "
        "schedule gets for free; more jobs per cell would show the spread.",
    ),
    (
        "2x too long",
        "early polls are min(2.5 s, E/4) apart, so a job that ends at E/2 waits up to 2.5 s "
        "(1.25 s on average over a random phase). A 2 s cap (EARLY_POLL_CAP) would bound it "
        "at the cost of ~25% more early polls.",
    ),
    (
        "2x too short",
        "after E, polls start 1 s apart and grow by 1.15 up to 5 s: a job running far past E "
        "is polled ever more sparsely. A slower growth or a lower cap would bound the delay.",
    ),
    (
        "client CPU per job",
        "most of the gap is one-off: the first `build_payload` imports jsonschema and compiles "
        "the model's validator, ~40 ms of CPU once per process (later validations take "
        "0.06 ms), which is 2 ms per job over 20 jobs; the first job also builds the thread's "
        "session. The median job is at parity with the official, which spends no CPU on "
        "validation at all. What it would take: a small built-in validator for the schema "
        "subset the catalog uses (type, enum, minimum/maximum, required), keeping jsonschema "
        "for the rest, then a profile of the steady-state job. Not done here: bench/ measures.",
    ),
    (
        "download",
        "both sides end with the bytes on disk (wavevid fsyncs before its rename; curl is "
        "followed by an fsync of its file), and the disk of this VM dominates: its writeback "
        "speed varies run to run. What it would take: more runs, or a tmpfs target "
        "(/dev/shm) to take the disk out of the comparison.",
    ),
    (
        "peak RSS",
        "the download holds more than its chunk in memory: check that the file is streamed.",
    ),
    (
        "cold `import wavevid`",
        "import time: see `python -X importtime -c 'import wavevid'`; defer heavy imports.",
    ),
]


def explain(metric: str) -> str:
    for key, text in EXPLANATIONS:
        if key in metric:
            return text
    return "no explanation recorded for this metric yet: look at the figures above."


def gap_notes(unmet: list[tuple[str, bool | None, str]]) -> list[str]:
    return [f"- **{metric}** (target: {target}): {explain(metric)}" for metric, _, target in unmet]
