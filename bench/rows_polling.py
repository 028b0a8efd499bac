"""The polling table (issue 13, item 3): checks and detection delay per cell, simulated over
many jobs, then confirmed job by job in real time against the fake (full run only)."""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path
from typing import Any

from figures import jittered
from harness import (
    MODEL,
    MODEL_PATH,
    FakeProcess,
    Stats,
    catalog_dir,
    min_gap,
    official_client,
    wavevid_client,
)
from polling_cells import LEARNED_JOBS, REALTIME_JOBS, Cell, Figures, Real, cells, predict, simulate
from polling_tables import results_section, targets_section
from report import Section


class RealTime:
    """Every real-time cell at once against one fake: the learned cells' learning jobs first
    (with the cells that learn nothing), then the learned cells' measured jobs."""

    def __init__(self, fake: FakeProcess, tmp: Path, table: list[Cell]) -> None:
        self.fake, self.tmp, self.table = fake, tmp, table
        centres = sorted({cell.length for cell in table})
        self.lengths = {c: jittered(c, REALTIME_JOBS, f"realtime {c:g}") for c in centres}
        self.learning = {c: jittered(c, LEARNED_JOBS, f"learn {c:g}") for c in centres}
        self.returned: dict[str, float] = {}
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def _one(self, client: Any, cell: Cell, prompt: str) -> None:
        deadline = cell.length * 8 + 60
        try:
            if cell.official:
                client.run(MODEL_PATH, {"prompt": prompt}, timeout=deadline)
            else:
                client.submit(MODEL, prompt=prompt).wait(timeout=deadline)
            with self._lock:
                self.returned[prompt] = time.monotonic()
        except Exception as error:
            with self._lock:
                self.errors.append(f"{cell.label}: {error!r}")

    def _start(self, jobs: list[tuple[Any, Cell, str, float]]) -> list[threading.Thread]:
        self.fake.script([(prompt, length) for _, _, prompt, length in jobs])
        threads = []
        for client, cell, prompt, _ in jobs:
            threads.append(threading.Thread(target=self._one, args=(client, cell, prompt)))
            threads[-1].start()
            time.sleep(0.01)  # a slight stagger, like real traffic
        return threads

    def run(self) -> Stats:
        clients = {
            cell: official_client(self.fake.url, self.fake.api_key)
            if cell.official
            else wavevid_client(
                self.fake.url, self.fake.api_key, catalog_dir(self.tmp, cell.expected or 0)
            )
            for cell in self.table
        }
        first, second = [], []
        for cell, client in clients.items():
            if cell.learned:
                first += [
                    (client, cell, f"{cell.label} learn #{i}", x)
                    for i, x in enumerate(self.learning[cell.length][: cell.learned])
                ]
            (second if cell.learned else first).extend(
                (client, cell, f"{cell.label} #{i}", x)
                for i, x in enumerate(self.lengths[cell.length])
            )
        for phase in (first, second):
            for thread in self._start(phase):
                thread.join()
        if self.errors:
            raise RuntimeError("; ".join(self.errors[:5]))
        return self.fake.stats()

    def real(self, stats: Stats, cell: Cell) -> Real:
        """The cell's real figures, each job against its simulation."""
        learned = self.learning[cell.length][: cell.learned]
        checks, delays, misses, same, jobs = [], [], [], 0, []
        for i, length in enumerate(self.lengths[cell.length]):
            prompt = f"{cell.label} #{i}"
            job = stats.jobs[stats.job_id(prompt)]
            times = [at - job["created"] for at in stats.checks(stats.job_id(prompt))]
            simulated = predict(cell, length, learned)
            checks.append(len(times))
            delays.append(self.returned[prompt] - job["terminal"])
            misses.append(abs(delays[-1] - (simulated[-1] - length)))
            same += len(simulated) == len(times)
            jobs.append((length, simulated, times))
        prompts = [f"{cell.label} learn #{i}" for i in range(len(learned))]
        prompts += [f"{cell.label} #{i}" for i in range(len(delays))]
        gaps_ = [min_gap(stats.checks(stats.job_id(prompt))) for prompt in prompts]
        gap = min((g for g in gaps_ if g is not None), default=None)
        worst = jobs[misses.index(max(misses))]
        return Real(Figures.of(checks, delays, gap), delays, misses, same, worst)


def measure(cfg: argparse.Namespace, official: bool, tmp: Path) -> list[Section]:
    table = [c for c in cells() if official or not c.official]
    sim = {cell: simulate(cell, cfg.sim_runs, seed) for seed, cell in enumerate(table)}
    real: dict[Cell, Real] = {}
    if cfg.realtime:
        with FakeProcess() as fake:
            runner = RealTime(fake, tmp, table)
            stats = runner.run()
            real = {cell: runner.real(stats, cell) for cell in table}
    return [
        results_section(cfg, table, sim, real),
        targets_section(table, sim, real),
    ]
