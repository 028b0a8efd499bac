"""A batch: wavevid's ``generate_many`` against the official SDK's ``run()`` in a
``ThreadPoolExecutor`` with the same number of workers, on the same job lengths."""

from __future__ import annotations

import argparse
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from figures import fmt, jittered, median, ratio, spread
from harness import (
    MODEL,
    FakeProcess,
    catalog_expected,
    generate_one,
    in_parallel,
    run_worker,
    sdk_client,
)
from report import Section


def batch(args: dict[str, Any]) -> dict[str, Any]:
    """Worker: every prompt, ``workers`` at a time, each downloaded into memory; wall and CPU."""
    sdk, prompts, workers = args["sdk"], args["prompts"], args["workers"]
    client = sdk_client(sdk, args["url"], args["key"], args["poll"], args.get("expected"))
    start_cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    if sdk == "wavevid":
        requests = [{"model": MODEL, "input": {"prompt": p}} for p in prompts]
        items = client.generate_many(requests, max_workers=workers)
        failed = [item.error for item in items if item.error is not None]
        if failed:
            raise RuntimeError(f"{len(failed)} batch items failed: {failed[0]!r}")
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda p: generate_one(sdk, client, p, args["poll"]), prompts))
    wall = time.perf_counter() - start
    end = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall": wall,
        "cpu": (end.ru_utime - start_cpu.ru_utime) + (end.ru_stime - start_cpu.ru_stime),
    }


def run_sdk(sdk: str, cfg: argparse.Namespace, jobs: list[tuple[str, float]]) -> dict:
    with FakeProcess() as fake:
        fake.script(jobs)
        result = run_worker(
            "batch",
            sdk=sdk,
            url=fake.url,
            key=fake.api_key,
            poll=cfg.poll,
            prompts=[prompt for prompt, _ in jobs],
            workers=cfg.batch_workers,
            expected=median([length for _, length in jobs]),
        )
        stats = fake.stats()
    result["requests"] = [stats.requests_for(stats.job_id(prompt)) for prompt, _ in jobs]
    return result


def measure(cfg: argparse.Namespace, official: bool, tmp: Path) -> list[Section]:
    n, workers, center = cfg.batch_jobs, cfg.batch_workers, cfg.batch_seconds
    jobs = [(f"batch #{i}", s) for i, s in enumerate(jittered(center, n, "batch"))]
    sdks = ["wavevid", "official"] if official else ["wavevid"]
    results = dict(
        zip(sdks, in_parallel(*[lambda s=s: run_sdk(s, cfg, jobs) for s in sdks]), strict=True)
    )
    ours, theirs = results["wavevid"], results.get("official")
    section = Section(
        f"A batch: {n} jobs, {workers} at a time",
        [
            "measure",
            "wavevid `generate_many`",
            "official `run()` in a ThreadPoolExecutor",
            "ratio (wavevid/official)",
        ],
    )
    ideal = sum(s for _, s in jobs) / workers
    for label, key, digits in (("wall time, s", "wall", 2), ("client CPU, ms", "cpu", 0)):
        scale = 1000 if key == "cpu" else 1
        section.add(
            label,
            fmt(ours[key] * scale, digits),
            fmt(theirs[key] * scale, digits) if theirs else "n/a",
            ratio(ours[key], theirs[key]) if theirs else "",
        )
    section.add(
        "requests per job (submit, checks, download)",
        spread(ours["requests"], 0),
        spread(theirs["requests"], 0) if theirs else "n/a",
        ratio(median(ours["requests"]), median(theirs["requests"])) if theirs else "",
    )
    section.notes.append(
        f"{n} jobs of {center:g} s ±10% (the same lengths for both), {workers} workers each, "
        "wavevid's catalog told the jobs' median length (the built-in catalog expects "
        f"ltx-2-fast in {fmt(catalog_expected(), 0)} s, as the real service takes; its learned "
        "estimates stay within 4x of that, so a 7 s fake job needs the amendment a user "
        "would make for such a service); "
        "both SDKs at the same time, each in its own process against its own fake process. "
        "Every job is downloaded into memory (wavevid: `generate_many`; official: `run()` then "
        "`requests.get(url)` on each worker). The job lengths alone, spread perfectly over the "
        f"workers, take {fmt(ideal, 2)} s: the rest of the wall time is detection delay and "
        "overhead. CPU is `getrusage` user+sys of the client's process over the batch"
        + (f"; this quick run polls both at a fixed {cfg.poll:g} s." if cfg.poll else ".")
    )
    return [section]
