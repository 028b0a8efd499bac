"""What meeting a missed target would take, worked out from the run's own figures.

Every function here receives what a row measured and returns one sentence built from those
numbers (or from a measurement it makes itself, such as an import profile); nothing is a fixed
claim. ``bench/run.py`` prints them under "Targets not met" only for targets the run missed.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Sequence

from figures import JITTER, fmt, median, quantile
from harness import clean_env


def stale_rule(fresh: int, total: int, long_gap: bool) -> str:
    if long_gap:
        return (
            f"{total - fresh} of {total} submits after an idle gap above 2 s reused a pooled "
            "connection the server may have closed: the client's idle check must run before "
            "every submit."
        )
    return (
        f"{fresh} of {total} submits after a gap below 2 s opened a new connection: the pool "
        "lost a connection it could have reused (see the fake's log for which one)."
    )


def cpu(
    center: float,
    ours: tuple[Sequence[float], Sequence[float]],
    theirs: tuple[Sequence[float], Sequence[float]],
) -> str:
    """``ours``/``theirs``: (checks per job, CPU ms per job) of the jobs of one length."""
    (checks, ms), (off_checks, off_ms) = ours, theirs
    excess = median(ms) - median(off_ms)
    where = (
        "wavevid makes fewer checks, so the excess is in the fixed cost of a job (payload, "
        "submit, download), not in polling"
        if median(checks) < median(off_checks)
        else f"wavevid makes {fmt(median(checks), 0)} checks against "
        f"{fmt(median(off_checks), 0)}: fewer checks would cut it"
    )
    return (
        f"at {center:g} s the median wavevid job took {fmt(median(ms), 1)} ms of CPU against "
        f"{fmt(median(off_ms), 1)} ms: meeting the target takes {fmt(excess, 1)} ms less per "
        f"job ({fmt(100 * excess / median(ms), 0)}% of it); {where}. The slowest wavevid job "
        f"took {fmt(max(ms), 1)} ms (one-off costs of the first job of a process show there)."
    )


def download(ours: Sequence[float], plain: Sequence[float]) -> str:
    overlap = min(plain) <= max(ours)
    return (
        f"wavevid's median {fmt(median(ours), 0)} MiB/s against {fmt(median(plain), 0)} MiB/s; "
        + (
            f"the ranges overlap ({fmt(min(ours), 0)}–{fmt(max(ours), 0)} against "
            f"{fmt(min(plain), 0)}–{fmt(max(plain), 0)}): more runs, or a tmpfs target, would "
            "tell a real difference from the disk's variation."
            if overlap
            else f"every plain run was faster than every wavevid run: profile "
            f"`client.download` for the {fmt(median(plain) - median(ours), 0)} MiB/s lost."
        )
    )


def rss(ours: float, plain: float, chunk: int) -> str:
    return (
        f"wavevid's process grew {fmt(ours, 1)} MB during the download against "
        f"{fmt(plain, 1)} MB for the plain loop ({fmt(chunk / 2**20, 0)} MiB chunks): "
        f"{fmt(ours - plain, 1)} MB more is held than one chunk explains; check that the "
        "body is streamed and not buffered."
    )


def imports(code: str, ours: float, theirs: float) -> str:
    """Profiles ``code`` once with ``-X importtime`` and names the heaviest modules."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=True,
    )
    rows = []
    for line in out.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].strip().split()[-1].isdigit():
            rows.append((int(parts[0].split()[-1]), parts[2].strip()))
    heaviest = ", ".join(f"{name} {us / 1000:.1f} ms" for us, name in sorted(rows)[-3:][::-1])
    return (
        f"{fmt(ours, 1)} ms against {fmt(theirs, 1)} ms: {fmt(ours - 1.2 * theirs, 1)} ms "
        f"over the target. Heaviest modules by own import time in one profiled run: "
        f"{heaviest}; deferring those that a first call does not need would close it."
    )


def best_phase(center: float, gap: float, q: float) -> float:
    """The ``q``-quantile detection delay over lengths uniform in ±10% of ``center`` when
    checks come every ``gap`` seconds at the best phase (tried on a 0.01 s grid)."""
    low, width, n = center * (1 - JITTER), 2 * JITTER * center, 1000
    lengths = [low + (i + 0.5) * width / n for i in range(n)]
    best = math.inf
    for step in range(round(gap * 100)):
        offset = low + step / 100
        delays = [offset + gap * math.ceil((x - offset) / gap) - x for x in lengths]
        best = min(best, quantile(delays, q))
    return best


def polling(center: float, gap: float, what: str, measured: float, limit: float, q: float) -> str:
    """A delay target the simulation missed: how far off, and what evenly spaced checks at the
    minimum gap would reach over the same spread of lengths."""
    best = best_phase(center, gap, q)
    reach = (
        "so the target is within reach of a schedule that puts its checks inside the lengths' "
        "range on that phase"
        if best <= limit
        else "above the target too: meeting it needs a shorter minimum gap or a narrower "
        "spread of run times"
    )
    return (
        f"{what}: {fmt(measured)} s against {fmt(limit)} s. Checks every {gap:g} s at the best "
        f"phase, over lengths uniform in ±{JITTER:.0%}, give {fmt(best)} s, {reach}."
    )


def unconfirmed(simulated: float, worst_miss: float) -> str:
    return (
        f"the simulation meets it ({fmt(simulated)}), but the cell's real-time jobs did not "
        f"match their simulation (worst job {fmt(worst_miss)} s off; see the real-time target "
        "of the cell): until they do, the simulated figure does not describe the real client."
    )


def checks(measured: float, official: float, share: float) -> str:
    allowed = official * share
    return (
        f"{fmt(measured, 0)} checks per job against at most {fmt(allowed, 1)} "
        f"({fmt(official, 0)} official × {fmt(share, 3)}): {fmt(measured - allowed, 1)} fewer "
        "checks per job are needed, i.e. longer gaps before the expected end."
    )


def min_gap(measured: float, minimum: float) -> str:
    return (
        f"two checks of one job came {fmt(measured)} s apart, under the {minimum:g} s minimum: "
        "the scheduler must count every GET of the job (retries included) against it."
    )


def realtime(
    misses: Sequence[float],
    limit: float,
    length: float,
    simulated: Sequence[float],
    real: Sequence[float],
) -> str:
    """A cell whose real jobs strayed from their simulation: where the worst one's checks
    went in each (seconds after its submit; the last few when there are many)."""
    off = sorted((m for m in misses if m > limit), reverse=True)

    def times(values: Sequence[float]) -> str:
        shown = ", ".join(f"{v:.2f}" for v in values[-6:])
        return shown if len(values) <= 6 else f"… {shown} ({len(values)} checks)"

    missing = [t for t in simulated if all(abs(t - r) > limit for r in real)]
    extra = [r for r in real if all(abs(r - t) > limit for t in simulated)]
    where = []
    if missing:
        where.append(f"no real check near the simulated one at {missing[0]:.2f} s")
    if extra:
        where.append(f"a real check at {extra[0]:.2f} s that the simulation does not make")
    if len(simulated) > 1 and len(real) > 1:
        mean_sim = (simulated[-1] - simulated[0]) / (len(simulated) - 1)
        mean_real = (real[-1] - real[0]) / (len(real) - 1)
        where.append(f"mean gap {mean_sim:.3f} s simulated, {mean_real:.3f} s real")
    differences = "; ".join(where)
    return (
        f"{len(off)} of {len(misses)} jobs differ from their simulation by more than {limit:g} s "
        f"(by {', '.join(fmt(m) for m in off)} s). The worst, a {length:.2f} s job, was checked "
        f"at {times(simulated)} s in the simulation and at {times(real)} s in real time "
        f"({differences}): the simulation must reproduce what the real client does differently "
        "there, or the client must do what the simulation does."
    )
