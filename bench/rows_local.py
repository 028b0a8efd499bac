"""What costs no request: a cold import, and validating a payload."""

from __future__ import annotations

import argparse
import subprocess
import sys
import timeit
from functools import partial
from pathlib import Path
from typing import Any

import gaps
from figures import fmt, median, ratio, spread
from harness import MODEL, clean_env
from report import Section

_TIMED = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"
LOOKUP = f"wavevid.load_catalog().get({MODEL!r})"
IMPORTS = {
    # Like for like: both with their HTTP stack loaded (wavevid imports requests lazily, at its
    # first request; `import wavespeed` imports it at once).
    "wavevid": f"import wavevid, requests; {LOOKUP}",
    "official": "import wavespeed",
    # What a script that never sends a request pays: not comparable, shown without a ratio.
    "wavevid alone": f"import wavevid; {LOOKUP}",
}


def import_seconds(code: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _TIMED.format(code)],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=True,
    )
    return float(out.stdout.strip())


def measure_import(cfg: argparse.Namespace, official: bool, tmp: Path) -> list[Section]:
    kinds = [k for k in IMPORTS if official or k != "official"]
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    for run in range(cfg.import_runs):
        for kind in kinds if run % 2 else kinds[::-1]:
            samples[kind].append(import_seconds(IMPORTS[kind]) * 1000)
    section = Section(
        "Cold import",
        ["measure", "wavevid", "official", "ratio (wavevid/official)", "target", "verdict"],
    )
    ours = median(samples["wavevid"])
    theirs = median(samples["official"]) if official else None
    verdict = ""
    if theirs is not None:
        verdict = section.judge(
            "cold import, HTTP stack loaded",
            "<= 1.2x official",
            ours <= 1.2 * theirs,
            partial(gaps.imports, IMPORTS["wavevid"], ours, theirs),
        )
    section.add(
        f"`{IMPORTS['wavevid']}` (official: `{IMPORTS['official']}`), ms",
        spread(samples["wavevid"], 1),
        spread(samples["official"], 1) if official else "n/a",
        ratio(ours, theirs),
        "<= 1.2x official" if official else "",
        verdict,
    )
    section.add(
        f"`{IMPORTS['wavevid alone']}`: requests not loaded yet, ms",
        spread(samples["wavevid alone"], 1),
        "not comparable",
        "",
        "",
        "",
    )
    section.notes.append(
        f"{cfg.import_runs} fresh interpreters per line, interleaved (the order reversed every "
        "other round); `time.perf_counter()` around the statement inside the child. The "
        "headline compares like with like: `import wavespeed` loads `requests`, so wavevid's "
        "line imports it too (wavevid itself loads it at its first request). wavevid's line "
        "also reads its catalog and looks a model up, which the official SDK has no "
        "counterpart for. The second line is what a script that never sends a request pays."
    )
    return [section]


def sample_values(model: Any) -> dict[str, Any]:
    """The model's required parameters: media as URLs, text as a prompt."""
    values: dict[str, Any] = {}
    for param in model.required:
        kind = model.media.get(param)
        if kind == "image":
            values[param] = "https://example.com/input.png"
        elif kind is not None:
            values[param] = "https://example.com/input.mp4"
        else:
            values[param] = "a red fox running through fresh snow"
    return values


def measure_payload(cfg: argparse.Namespace, official: bool, tmp: Path) -> list[Section]:
    import wavevid

    catalog = wavevid.load_catalog()
    section = Section(
        "Payload validation (wavevid only: the official SDK sends what it is given)",
        ["model", "build_payload validations/s"],
    )
    rates = []
    for name in catalog.names():
        model = catalog.get(name)
        values = sample_values(model)
        model.build_payload(values)
        timer = timeit.Timer(lambda m=model, v=values: m.build_payload(v))
        best = min(timer.repeat(repeat=cfg.payload_repeat, number=cfg.payload_number))
        rates.append(cfg.payload_number / best)
        section.add(name, fmt(rates[-1], 0))
    section.notes.append(
        "Required parameters only (media as URLs); best of "
        f"{cfg.payload_repeat} `timeit` repeats of {cfg.payload_number} calls, after one "
        f"untimed call. Median over the {len(rates)} models: {fmt(median(rates), 0)}/s, "
        f"i.e. {fmt(1e6 / median(rates), 0)} µs a call."
    )
    return [section]
