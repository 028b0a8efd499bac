"""Connections and client CPU: jobs of several lengths, one after another, with idle gaps on
both sides of wavevid's 2 s rule for reusing a connection to submit."""

from __future__ import annotations

import argparse
import resource
import time
from functools import partial
from pathlib import Path
from typing import Any

import gaps
from figures import fmt, jittered, median, ratio, spread
from harness import (
    FakeProcess,
    Stats,
    catalog_expected,
    generate_one,
    in_parallel,
    run_worker,
    sdk_client,
)
from report import Section

STALE_SECONDS = 2.0
"""wavevid's FRESH_CONNECTION_SECONDS: a submit after a longer idle gap opens a new connection."""


def sequential(args: dict[str, Any]) -> dict[str, Any]:
    """Worker: the jobs one after another, sleeping ``idles[i - 1]`` before job i; the process's
    CPU (user+sys) per job."""
    client = sdk_client(args["sdk"], args["url"], args["key"], args["poll"], args.get("expected"))
    per_job = []
    start = resource.getrusage(resource.RUSAGE_SELF)
    for index, prompt in enumerate(args["prompts"]):
        if index:
            time.sleep(args["idles"][index - 1])
        before = time.process_time()
        if not generate_one(args["sdk"], client, prompt, args["poll"]):
            raise RuntimeError("empty video")
        per_job.append(time.process_time() - before)
    end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    return {"cpu": cpu, "per_job": per_job}


def plan(cfg: argparse.Namespace) -> tuple[list[tuple[str, float, float]], list[float]]:
    """Jobs as (prompt, centre, length), the lengths interleaved; the idle gap before each
    job after the first, alternating below and above the 2 s rule."""
    per_length = {c: jittered(c, cfg.seq_per_length, f"seq {c}") for c in cfg.seq_lengths}
    jobs = [
        (f"seq {c:g} #{i}", c, per_length[c][i])
        for i in range(cfg.seq_per_length)
        for c in cfg.seq_lengths
    ]
    idles = [cfg.seq_idles[i % 2] for i in range(len(jobs) - 1)]
    return jobs, idles


def run_sdk(sdk: str, cfg: argparse.Namespace, jobs: list[Any], idles: list[float]) -> dict:
    with FakeProcess() as fake:
        fake.script([(prompt, length) for prompt, _, length in jobs])
        result = run_worker(
            "sequential",
            sdk=sdk,
            url=fake.url,
            key=fake.api_key,
            poll=cfg.poll,
            prompts=[prompt for prompt, _, _ in jobs],
            idles=idles,
            expected=median([length for _, _, length in jobs]),
        )
        result["stats"] = fake.stats()
    return result


def submits(stats: Stats) -> list[tuple[float, bool]]:
    """Each submit after the first: (idle gap since the client's previous request, whether it
    went out on a new connection). One client, one job at a time: the log is its own."""
    log = stats.requests
    return [
        (log[i][4] - log[i - 1][4], log[i][2] != log[i - 1][2])
        for i in range(1, len(log))
        if log[i][0] == "POST"
    ]


def fresh_of(pairs: list[tuple[float, bool]], long_gap: bool) -> tuple[int, int]:
    chosen = [fresh for gap, fresh in pairs if (gap > STALE_SECONDS) == long_gap]
    return sum(chosen), len(chosen)


def measure(cfg: argparse.Namespace, official: bool, tmp: Path) -> list[Section]:
    jobs, idles = plan(cfg)
    sdks = ["wavevid", "official"] if official else ["wavevid"]
    results = dict(
        zip(
            sdks,
            in_parallel(*[lambda s=s: run_sdk(s, cfg, jobs, idles) for s in sdks]),
            strict=True,
        )
    )
    ours, theirs = results["wavevid"], results.get("official")
    section = Section(
        "Connections and client CPU, jobs one after another",
        ["measure", "wavevid", "official", "ratio (wavevid/official)", "target", "verdict"],
    )
    conn = {sdk: r["stats"].connections for sdk, r in results.items()}
    section.add(
        f"TCP connections accepted, {len(jobs)} jobs with download",
        str(conn["wavevid"]),
        str(conn.get("official", "n/a")),
        ratio(conn["wavevid"], conn.get("official")),
        "",
        "",
    )
    pairs = {sdk: submits(r["stats"]) for sdk, r in results.items()}
    for long_gap, label in ((True, "longer"), (False, "shorter")):
        cells = {}
        for sdk, found in pairs.items():
            fresh, total = fresh_of(found, long_gap)
            cells[sdk] = f"{fresh} of {total}"
        fresh, total = fresh_of(pairs["wavevid"], long_gap)
        want = total if long_gap else 0
        section.add(
            f"submits on a new connection, after an idle gap {label} than {STALE_SECONDS:g} s",
            cells["wavevid"],
            cells.get("official", "n/a"),
            "",
            f"wavevid: {'all' if long_gap else 'none'} (its {STALE_SECONDS:g} s rule)",
            section.judge(
                f"new connection after a gap {label} than {STALE_SECONDS:g} s",
                f"{'all' if long_gap else 'none'}",
                fresh == want,
                partial(gaps.stale_rule, fresh, total, long_gap),
            ),
        )
    for center in cfg.seq_lengths:
        index = [i for i, job in enumerate(jobs) if job[1] == center]
        figures = {}
        for sdk, r in results.items():
            stats: Stats = r["stats"]
            ids = [stats.job_id(jobs[i][0]) for i in index]
            figures[sdk] = (
                [len(stats.checks(job_id)) for job_id in ids],
                [r["per_job"][i] * 1000 for i in index],
            )
        checks, cpu = figures["wavevid"]
        off_checks, off_cpu = figures.get("official", (None, None))
        section.add(
            f"checks per job, {center:g} s jobs ±10%",
            spread(checks, 0),
            spread(off_checks, 0) if off_checks else "n/a",
            ratio(median(checks), median(off_checks)) if off_checks else "",
            "",
            "",
        )
        verdict = ""
        if off_cpu:
            verdict = section.judge(
                f"client CPU per job, {center:g} s jobs",
                "median <= official",
                median(cpu) <= median(off_cpu),
                partial(gaps.cpu, center, figures["wavevid"], figures["official"]),
            )
        section.add(
            f"client CPU per job, ms, {center:g} s jobs ±10%",
            spread(cpu, 1),
            spread(off_cpu, 1) if off_cpu else "n/a",
            ratio(median(cpu), median(off_cpu)) if off_cpu else "",
            "median <= official" if off_cpu else "",
            verdict,
        )
    section.add(
        "client CPU, the whole run, ms",
        fmt(ours["cpu"] * 1000, 0),
        fmt(theirs["cpu"] * 1000, 0) if theirs else "n/a",
        ratio(ours["cpu"], theirs["cpu"]) if theirs else "",
        "",
        "",
    )
    section.notes.append(
        f"{len(jobs)} jobs per SDK ({cfg.seq_per_length} of each length, lengths interleaved), "
        "each on one client in a process running only that client, against its own fake "
        "process; both SDKs at the same time. Each job submits, waits and downloads the fake's "
        "small video into memory (official: `run()` then `requests.get(url)`: it has no "
        "download call). wavevid's catalog is told the jobs' median length (the built-in one "
        f"expects ltx-2-fast in {fmt(catalog_expected(), 0)} s, as the real service takes), then "
        "it learns from the jobs before"
        + (f"; this quick run polls both at a fixed {cfg.poll:g} s" if cfg.poll else "")
        + f". Before each job after the first the client sleeps {fmt(idles[0], 1)} s or "
        f"{fmt(idles[1], 1)} s, alternately: submits after an idle gap (measured in the "
        "fake's log) above and below 2 s. A submit is on a new connection when its connection "
        "id differs from the client's previous request's. CPU is `time.process_time()` "
        "around each job in the client's process; checks are the GETs of the job's state the "
        "fake logged."
    )
    return [section]
