"""wavevid against the official ``wavespeed`` SDK, side by side, each on a FakeWaveSpeed.

    python bench/run.py            # full run (several minutes); writes docs/benchmarks.md
    python bench/run.py --quick    # CI: small and fast, no real-time polling; writes nothing
    python bench/run.py --quick --output FILE
    python bench/run.py --only polling,import

Every fake runs in its own process (``fakeproc.py``) so a client's CPU and memory figures never
include the server; rows that measure CPU or memory run each client in a fresh process
(``worker.py``). The official SDK (``pip install -r bench/requirements.txt``) is skipped cleanly
when it is not installed. Exit status: 0 when every section ran, 1 otherwise; the last line
says how many sections were measured and how many failed to run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import rows_batch
import rows_download
import rows_local
import rows_polling
import rows_sequential
from harness import ROOT, have_official
from report import Section, render

DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"

SECTIONS = {
    "polling": rows_polling.measure,
    "sequential": rows_sequential.measure,
    "batch": rows_batch.measure,
    "download": rows_download.measure,
    "import": rows_local.measure_import,
    "payload": rows_local.measure_payload,
}


def configure(quick: bool) -> argparse.Namespace:
    """How big each section is. The quick run keeps every code path and skips the real-time
    polling cells; its clients poll at a fixed interval so that its jobs take a second."""
    if quick:
        return argparse.Namespace(
            sim_runs=200,
            realtime=False,
            poll=0.25,
            seq_lengths=[0.3, 0.7],
            seq_per_length=2,
            seq_idles=[0.3, 2.4],
            batch_jobs=6,
            batch_workers=3,
            batch_seconds=0.4,
            download_mib=16,
            download_runs=1,
            import_runs=3,
            payload_repeat=2,
            payload_number=300,
        )
    return argparse.Namespace(
        sim_runs=1000,
        realtime=True,
        poll=None,
        seq_lengths=[2.7, 6.3, 13.1],
        seq_per_length=4,
        seq_idles=[0.4, 3.3],
        batch_jobs=16,
        batch_workers=4,
        batch_seconds=7.3,
        download_mib=512,
        download_runs=5,
        import_runs=30,
        payload_repeat=5,
        payload_number=5000,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small and fast; writes nothing")
    parser.add_argument("--output", help=f"write the report here (full run: {DEFAULT_OUTPUT})")
    parser.add_argument("--no-official", action="store_true", help="skip the official SDK")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    args = parser.parse_args()
    only = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {list(SECTIONS)}")
    for name in [n for n in os.environ if n.startswith(("WAVESPEED_", "WAVEVID_"))]:
        del os.environ[name]  # the clients built in this process, as the workers' env

    cfg = configure(args.quick)
    official = not args.no_official and have_official()
    if not official:
        print("official SDK (`wavespeed`) not importable: its figures are skipped")
    sections: list[Section] = []
    measured = failed = 0
    started, load = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="wavevid-bench-") as tmp:
        for name in only:
            t0 = time.perf_counter()
            try:
                sections += SECTIONS[name](cfg, official, Path(tmp))
                measured += 1
                print(f"[ok] {name} ({time.perf_counter() - t0:.1f} s)", flush=True)
            except Exception:
                failed += 1
                print(f"[FAILED] {name}", flush=True)
                traceback.print_exc()
    elapsed = time.perf_counter() - started
    report = render(sections, official, elapsed, args.quick, load)
    print("\n" + report)
    output = args.output or (None if args.quick or args.only else str(DEFAULT_OUTPUT))
    if output and not failed:
        Path(output).write_text(report)
        print(f"wrote {output}")
    elif output:
        print(f"not writing {output}: a section failed")
    print(f"total {elapsed:.1f} s")
    # Not pytest's "N passed" form: CI reads that from the test run, not from here.
    print(f"bench done: {measured} sections measured, {failed} failed to run")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
