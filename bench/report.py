"""Sections of the report (a table, how it was measured, targets met or not) and the page."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Verdict:
    what: str
    target: str
    met: bool
    gap: str = ""
    """What meeting the target would take, from the run's own figures (only when not met)."""


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))

    def judge(self, what: str, target: str, met: bool, gap: Callable[[], str]) -> str:
        """Record a verdict; ``gap`` says what meeting it would take, asked only when it was
        not met. Returns the table cell for the verdict."""
        self.verdicts.append(Verdict(what, target, met, "" if met else gap()))
        return "met" if met else "**not met**"

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine(load_at_start: float) -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- machine: {os.cpu_count()} CPUs (nproc), {model}; {platform.platform()}",
        f"- load average (1 min, other processes included): {load_at_start:.2f} when the run "
        f"started, {os.getloadavg()[0]:.2f} when it ended",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- wavevid {version('wavevid')}, wavespeed {version('wavespeed')}, "
        f"requests {version('requests')}, urllib3 {version('urllib3')}, "
        f"PyYAML {version('PyYAML')}",
    ]


def render(
    sections: list[Section], official: bool, elapsed: float, quick: bool, load_at_start: float
) -> str:
    verdicts = [v for s in sections for v in s.verdicts]
    unmet = [v for v in verdicts if not v.met]
    lines = [
        "# Benchmarks: wavevid against the official `wavespeed` SDK",
        "",
        "Written by `python bench/run.py` from one run on the machine below (do not edit by "
        "hand; re-run it): every table, figure and sentence after this paragraph comes from "
        "that run. Both SDKs talk to a `FakeWaveSpeed` (from `wavevid.testing`, in its own "
        "process) over loopback, in the same run. Medians are given with the range of every "
        "sample and their number n. `python bench/run.py --quick` runs in CI so the scripts "
        "keep working; its numbers are not published.",
        "",
        *machine(load_at_start),
        f"- run: {'quick' if quick else 'full'}, {elapsed:.0f} s"
        + ("" if official else "; official SDK not installed, its figures skipped"),
        "",
        f"Targets: {len(verdicts) - len(unmet)} met, {len(unmet)} not met.",
    ]
    for section in sections:
        lines += ["", f"## {section.title}", "", section.markdown(), ""]
        lines += [f"- {note}" for note in section.notes]
    lines += ["", "## Targets not met, and what it would take", ""]
    lines += [f"- **{v.what}** (target: {v.target}): {v.gap}" for v in unmet] or [
        "Every target measured in this run was met."
    ]
    lines.append("")
    return "\n".join(lines)
