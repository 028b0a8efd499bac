"""The polling section's two tables: each cell's figures (simulated, and in a full run real
time beside them), and each target of issue 13 against them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial

import gaps
from figures import JITTER, fmt
from polling_cells import (
    CHECKS_TARGET_LENGTH,
    CLOCK_NOISE,
    LEARNED_JOBS,
    MATCH_SECONDS,
    MIN_GAP,
    REALTIME_JOBS,
    Cell,
    Figures,
    Real,
)
from report import Section


def results_section(
    cfg: argparse.Namespace, table: list[Cell], sim: dict[Cell, Figures], real: dict[Cell, Real]
) -> Section:
    columns = [
        "cell",
        f"simulated (n={cfg.sim_runs}): checks per job",
        "delay median, s",
        "delay p90, s",
        "min gap, s",
    ]
    if real:
        columns += [
            f"real time (n={REALTIME_JOBS}): checks per job",
            "delay median (min–max), s",
            "min gap, s",
            "jobs with the simulated checks",
            "worst job's delay vs simulation, s",
        ]
    section = Section("Polling: checks and completion-detection delay", columns)
    for cell in table:
        f = sim[cell]
        row = [
            cell.label,
            fmt(f.checks_median, 1),
            fmt(f.delay_median),
            fmt(f.delay_p90),
            fmt(f.min_gap),
        ]
        if real:
            r = real[cell]
            row += [
                fmt(r.figures.checks_median, 1),
                f"{fmt(r.figures.delay_median)} ({fmt(min(r.delays))}–{fmt(max(r.delays))})",
                fmt(r.figures.min_gap),
                f"{r.same_checks} of {r.figures.n}",
                fmt(max(r.misses)),
            ]
        section.add(*row)
    section.notes.append(
        f"Simulated: {cfg.sim_runs} jobs per cell, lengths uniform in ±{JITTER:.0%} around the "
        "cell's length. wavevid: its own wait loop (`Job.wait_until` and the schedule behind "
        "it) on a simulated clock, a fresh client per job (`bench/polling_sim.py`). Official "
        "SDK: its loop as `wavespeed.Client._wait` reads, a check right after the submit, then "
        "one after every 1 s sleep. A check is a GET of the job's state; delay is the time from "
        "the job's end to the check that sees it; min gap is the closest two checks of one job "
        "(learning jobs included). E is the catalog's expected time; a learned cell's client "
        f"first completes {LEARNED_JOBS} jobs of the same lengths and plans with what it learned."
    )
    if real:
        section.notes.append(
            f"Real time: {REALTIME_JOBS} jobs per cell, lengths spread evenly over "
            f"±{JITTER:.0%} (one per stratum; the same {REALTIME_JOBS} lengths in every cell of "
            "a length), all cells at once against one fake process, one client per cell "
            "(wavevid: `submit().wait()`; official: `run()`; no download). The learned cells' "
            f"{LEARNED_JOBS} learning jobs ran first, alongside the cells that learn nothing. "
            "Delay: the client's return minus the moment the fake made the job terminal; checks "
            "and gaps from the fake's log. Each job is also simulated at its exact length (after "
            "the same learning jobs): the last two columns compare the two."
        )
    else:
        section.notes.append("Real-time cells: not run (quick run).")
    return section


def targets_section(table: list[Cell], sim: dict[Cell, Figures], real: dict[Cell, Real]) -> Section:
    """Each target on the simulated figures; in a full run a cell meets it only when its
    real-time jobs also matched their simulation (else the simulation is not confirmed)."""
    section = Section("Polling targets", ["target", "cell", "measured", "verdict"])
    official = {c.length: sim[c] for c in table if c.official}

    def judge(target: str, cell: Cell, met: bool, measured: str, gap: Callable[[], str]) -> None:
        verdict = section.judge(f"{target}: {cell.label}", target, met, gap)
        section.add(target, cell.label, measured, verdict)

    def judge_figure(
        target: str,
        cell: Cell,
        pick: Callable[[Figures], float],
        limit: float,
        gap: Callable[[], str],
    ) -> None:
        value = pick(sim[cell])
        unit = " s" if "delay" in target else ""
        measured = f"{fmt(value)}{unit}"
        confirmed = True
        if real:
            measured += f" (real time {fmt(pick(real[cell].figures))}{unit}, n={REALTIME_JOBS})"
            confirmed = max(real[cell].misses) <= MATCH_SECONDS
        if value <= limit:
            gap = partial(gaps.unconfirmed, value, max(real[cell].misses) if real else 0.0)
        judge(target, cell, value <= limit and confirmed, measured, gap)

    for cell in [c for c in table if not c.official]:
        f = sim[cell]
        seen = [f.min_gap] + ([real[cell].figures.min_gap] if real else [])
        worst = min(g for g in seen if g is not None)
        target = f"no gap below {MIN_GAP:g} s"
        judge(
            target,
            cell,
            worst >= MIN_GAP - CLOCK_NOISE,
            f"{fmt(worst)} s",
            partial(gaps.min_gap, worst, MIN_GAP),
        )
        polling = partial(gaps.polling, cell.length, MIN_GAP)
        if cell.expected == cell.length:
            judge_figure(
                "E exact: delay median <= 2 s",
                cell,
                lambda x: x.delay_median,
                2.0,
                partial(polling, "delay median", f.delay_median, 2.0, 0.5),
            )
            judge_figure(
                "E exact: delay p90 <= 4.5 s",
                cell,
                lambda x: x.delay_p90,
                4.5,
                partial(polling, "delay p90", f.delay_p90, 4.5, 0.9),
            )
        else:
            judge_figure(
                "E off 2x: delay median <= 5 s",
                cell,
                lambda x: x.delay_median,
                5.0,
                partial(polling, "delay median", f.delay_median, 5.0, 0.5),
            )
        if cell.length == CHECKS_TARGET_LENGTH and cell.length in official:
            theirs = official[cell.length].checks_median
            judge_figure(
                f"checks <= 1/6 of the official SDK's ({fmt(theirs, 0)})",
                cell,
                lambda x: x.checks_median,
                theirs / 6,
                partial(gaps.checks, f.checks_median, theirs, 1 / 6),
            )
    for cell, r in real.items():
        worst = max(r.misses)
        judge(
            f"real time within {MATCH_SECONDS:g} s of the simulation, every job",
            cell,
            worst <= MATCH_SECONDS,
            f"worst {fmt(worst)} s",
            partial(gaps.realtime, r.misses, MATCH_SECONDS, *r.worst),
        )
    section.notes.append(
        "Delay and check-count targets are judged on the simulated figures (medians per job; "
        f"the real-time figure beside them is from its {REALTIME_JOBS} jobs); in a full run a "
        "cell meets them "
        "only if its real-time jobs matched their simulation within "
        f"{MATCH_SECONDS:g} s each. The gap target covers the simulation and the real-time log. "
        "A learned cell is held to the target of its catalog estimate (exact or 2x off)."
    )
    return section
