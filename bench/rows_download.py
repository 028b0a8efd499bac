"""Download to a file: wavevid's ``client.download`` against plain ``requests`` streaming (the
official SDK has no download call; its users write this loop themselves)."""

from __future__ import annotations

import argparse
import os
import resource
import time
from functools import partial
from pathlib import Path
from typing import Any

import gaps
from figures import fmt, median, ratio, spread
from harness import MODEL, FakeProcess, run_worker, wavevid_client
from report import Section

CHUNK = 2**20
"""The plain loop's chunk, as wavevid's DOWNLOAD_CHUNK_BYTES."""


def download(args: dict[str, Any]) -> dict[str, Any]:
    """Worker: one download of ``url`` to ``out`` by ``kind``; seconds, bytes and RSS."""
    if args["kind"] == "wavevid":
        client = wavevid_client(args["api"], args["key"])
    else:
        import requests

        session = requests.Session()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if args["kind"] == "wavevid":
        path = client.download(args["url"], args["out"])
    else:
        path = Path(args["out"])
        with session.get(args["url"], stream=True, timeout=60) as answer, path.open("wb") as f:
            answer.raise_for_status()
            for chunk in answer.iter_content(CHUNK):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "bytes": path.stat().st_size,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before / 1024,
    }


def measure(cfg: argparse.Namespace, official: bool, tmp: Path) -> list[Section]:
    kinds = ["wavevid", "requests"]
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    with FakeProcess(processing_seconds=0.05, video_mib=cfg.download_mib) as fake:
        client = wavevid_client(fake.url, fake.api_key, poll_interval=0.05)
        url = client.submit(MODEL, prompt="download").wait(timeout=60).outputs[0]
        target = tmp / "video.mp4"
        for run in range(cfg.download_runs + 1):  # run 0 warms up, untimed
            for kind in kinds if run % 2 else kinds[::-1]:
                result = run_worker(
                    "download",
                    kind=kind,
                    api=fake.url,
                    key=fake.api_key,
                    url=url,
                    out=str(target),
                )
                target.unlink()
                if run:
                    runs[kind].append(result)
    sizes = {r["bytes"] for rs in runs.values() for r in rs}
    if len(sizes) != 1:
        raise RuntimeError(f"the two downloads got different sizes: {sorted(sizes)}")
    size = sizes.pop()
    rates = {k: [r["bytes"] / r["seconds"] / 2**20 for r in rs] for k, rs in runs.items()}
    rss = {k: [r["rss_mb"] for r in rs] for k, rs in runs.items()}
    section = Section(
        "Download to a file",
        [
            "measure",
            "wavevid `client.download`",
            "plain `requests` streaming",
            "ratio",
            "target",
            "verdict",
        ],
    )
    ours, plain = median(rates["wavevid"]), median(rates["requests"])
    section.add(
        f"{size / 2**20:.0f} MiB, MiB/s",
        spread(rates["wavevid"], 0),
        spread(rates["requests"], 0),
        ratio(ours, plain),
        ">= 0.9x plain requests",
        section.judge(
            "download throughput",
            ">= 0.9x plain requests",
            ours >= 0.9 * plain,
            partial(gaps.download, rates["wavevid"], rates["requests"]),
        ),
    )
    growth = {k: max(r["rss_mb"] - r["rss_before_mb"] for r in rs) for k, rs in runs.items()}
    section.add(
        "peak RSS of the process, MB (worst run)",
        fmt(max(rss["wavevid"]), 1),
        fmt(max(rss["requests"]), 1),
        ratio(max(rss["wavevid"]), max(rss["requests"])),
        "",
        "",
    )
    section.add(
        "  growth during the download, MB (worst run)",
        fmt(growth["wavevid"], 1),
        fmt(growth["requests"], 1),
        "",
        "<= plain requests + 4 MB",
        section.judge(
            "RSS growth during the download",
            "<= plain requests + 4 MB",
            growth["wavevid"] <= growth["requests"] + 4,
            partial(gaps.rss, growth["wavevid"], growth["requests"], CHUNK),
        ),
    )
    section.notes.append(
        f"The fake (own process) serves {size / 2**20:.1f} MiB of random bytes over loopback. "
        f"{cfg.download_runs} timed runs of each, alternating which goes first, after one "
        "untimed run of each; every run is a fresh process timed around the download call "
        "alone. Both end with the bytes on disk: wavevid fsyncs before its atomic rename, the "
        f"plain loop (`requests.Session().get(stream=True)`, {CHUNK // 2**20} MiB chunks, "
        "write, fsync) fsyncs before the clock stops. Peak RSS is `ru_maxrss`; growth is its "
        "rise across the download call."
    )
    return [section]
