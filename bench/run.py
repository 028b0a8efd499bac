"""wavevid against the official ``wavespeed`` SDK, side by side on the same FakeWaveSpeed.

    python bench/run.py            # full run (~5 min); writes docs/benchmarks.md
    python bench/run.py --quick    # under a minute; prints the table, writes nothing
    python bench/run.py --quick --output FILE

Every fake runs in its own process (``bench/fakeproc.py``) so the client's CPU and memory
figures never include the server. The official SDK (``pip install -r bench/requirements.txt``)
is skipped cleanly when it is not installed. Exit status: 0 when every metric ran, 1 otherwise;
the last line says how many metrics were measured and how many failed to run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = "ltx-2-fast"
MODEL_PATH = "lightricks/ltx-2-fast/text-to-video"
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"


# --- helpers -------------------------------------------------------------------------------------


def clean_env() -> dict[str, str]:
    """The environment for children: no developer keys, catalog folders or poll intervals."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAVESPEED_", "WAVEVID_"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


for _name in [n for n in os.environ if n.startswith(("WAVESPEED_", "WAVEVID_"))]:
    del os.environ[_name]


def have_official() -> bool:
    try:
        import wavespeed  # noqa: F401
    except Exception:
        return False
    return True


class FakeProcess:
    """A FakeWaveSpeed in a child process (see fakeproc.py)."""

    def __init__(self, processing_seconds: float = 1.0, video_mib: float = 0.0) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(HERE / "fakeproc.py"), str(processing_seconds), str(video_mib)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        self._lock = threading.Lock()
        line = self._proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError("fake server process did not start")
        info = json.loads(line)
        self.url: str = info["url"]
        self.api_key: str = info["api_key"]

    def _ask(self, line: str) -> Any:
        with self._lock:
            assert self._proc.stdin
            assert self._proc.stdout
            self._proc.stdin.write(line + "\n")
            self._proc.stdin.flush()
            return json.loads(self._proc.stdout.readline())

    def stats(self) -> dict[str, Any]:
        return self._ask("stats")

    def script(self, prompt: str, seconds: float) -> None:
        self._ask("job " + json.dumps({"prompt": prompt, "seconds": seconds}))

    def stop(self) -> None:
        try:
            assert self._proc.stdin
            self._proc.stdin.write("quit\n")
            self._proc.stdin.flush()
            self._proc.wait(timeout=10)
        except Exception:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> FakeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def catalog_dir(base: Path, expected: float) -> Path:
    """A catalog folder whose ltx-2-fast expects ``expected`` seconds."""
    folder = base / f"catalog-E{expected:g}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.yaml").write_text(
        "version: 1\nmodels:\n"
        f"  {MODEL}:\n    extends: {MODEL}\n    expected_seconds: {expected:g}\n"
    )
    return folder


def wavevid_client(url: str, key: str, catalog: Path | None = None) -> Any:
    import wavevid

    return wavevid.Client(
        api_key=key, base_url=url, catalog_paths=[str(catalog)] if catalog else None
    )


def official_client(url: str, key: str) -> Any:
    import wavespeed

    return wavespeed.Client(api_key=key, base_url=url)


def requests_by_job(stats: dict[str, Any]) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {}
    for record in stats["requests"]:
        if record[3]:
            out.setdefault(record[3], []).append(record)
    return out


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


class Table:
    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []
        self.notes: list[str] = []
        self.verdicts: list[tuple[str, bool | None, str]] = []

    def add(
        self,
        metric: str,
        ours: str,
        official: str = "n/a",
        rat: str = "",
        target: str = "",
        met: bool | None = None,
    ) -> None:
        verdict = "" if met is None else ("met" if met else "**not met**")
        self.rows.append(
            {
                "metric": metric,
                "wavevid": ours,
                "official": official,
                "ratio": rat,
                "target": target,
                "verdict": verdict,
            }
        )
        if met is not None:
            self.verdicts.append((metric, met, target))

    def markdown(self) -> str:
        lines = [
            "| metric | wavevid | official | ratio (wavevid/official) | target | verdict |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            lines.append(
                f"| {r['metric']} | {r['wavevid']} | {r['official']} | {r['ratio']} "
                f"| {r['target']} | {r['verdict']} |"
            )
        return "\n".join(lines)


# --- 1. requests per job and completion-detection delay ------------------------------------------


def metric_detection(cfg: argparse.Namespace, table: Table, official: bool, tmp: Path) -> None:
    durations = cfg.m1_durations
    factors = [(1.0, "right"), (2.0, "2x too long"), (0.5, "2x too short")]
    per_cell = cfg.m1_jobs
    results: dict[tuple[str, float, float], list[tuple[str, float]]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    with FakeProcess(processing_seconds=1.0) as fake:
        threads: list[threading.Thread] = []

        def run_one(sdk: str, client: Any, true_s: float, factor: float, prompt: str) -> None:
            try:
                if sdk == "wavevid":
                    job = client.submit(MODEL, prompt=prompt)
                    job.wait(timeout=true_s * 4 + 60)
                    returned = time.monotonic()
                    key = job.id
                else:
                    client.run(MODEL_PATH, {"prompt": prompt}, timeout=true_s * 4 + 60)
                    returned = time.monotonic()
                    key = "prompt:" + prompt
                with lock:
                    results.setdefault((sdk, true_s, factor), []).append((key, returned))
            except Exception as error:
                with lock:
                    errors.append(f"{sdk} T={true_s} x{factor}: {error!r}")

        for true_s in durations:
            for factor, _ in factors:
                clients = {
                    "wavevid": wavevid_client(
                        fake.url, fake.api_key, catalog_dir(tmp, true_s * factor)
                    )
                }
                if official:
                    # One official client per cell too; official polling ignores any estimate.
                    clients["official"] = official_client(fake.url, fake.api_key)
                for sdk, client in clients.items():
                    for i in range(per_cell):
                        prompt = f"m1 {sdk} T={true_s:g} x{factor:g} #{i}"
                        # True times spread evenly over T-0.5 .. T+0.5 s: a real job never
                        # ends exactly on either SDK's poll grid (official: whole seconds).
                        fake.script(prompt, true_s + (i + 0.5) / per_cell - 0.5)
                        threads.append(
                            threading.Thread(
                                target=run_one, args=(sdk, client, true_s, factor, prompt)
                            )
                        )
        for t in threads:
            t.start()
            time.sleep(0.01)  # a slight stagger, like real traffic
        for t in threads:
            t.join()
        stats = fake.stats()
    if errors:
        raise RuntimeError("; ".join(errors[:5]))
    by_prompt = {job["prompt"]: job_id for job_id, job in stats["jobs"].items()}
    by_job = requests_by_job(stats)
    summary: dict[tuple[str, float, float], tuple[float, float]] = {}
    for (sdk, true_s, factor), done in results.items():
        reqs, delays = [], []
        for key, returned in done:
            job_id = by_prompt[key[7:]] if key.startswith("prompt:") else key
            job = stats["jobs"][job_id]
            delays.append(returned - job["terminal"])
            reqs.append(len(by_job.get(job_id, [])))
        summary[(sdk, true_s, factor)] = (statistics.median(reqs), statistics.median(delays))
    for true_s in durations:
        for factor, label in factors:
            ours_req, ours_delay = summary[("wavevid", true_s, factor)]
            theirs = summary.get(("official", true_s, factor))
            off_req, off_delay = theirs if theirs else (None, None)
            name = f"{true_s:g} s job, estimate {label} (E={true_s * factor:g} s)"
            if factor == 1.0:
                target = "requests <= 0.5x official, delay <= official"
                met = (
                    None
                    if theirs is None
                    else (ours_req <= 0.5 * off_req and ours_delay <= off_delay)
                )  # type: ignore[operator]
            else:
                target = "requests <= official, delay < 2 s"
                met = None if theirs is None else (ours_req <= off_req and ours_delay < 2.0)  # type: ignore[operator]
            table.add(
                f"requests per job: {name}",
                fmt(ours_req, 1),
                fmt(off_req, 1),
                fmt(ratio(ours_req, off_req)),
                target,
                met,
            )
            table.add(
                f"detection delay, median s: {name}",
                fmt(ours_delay),
                fmt(off_delay),
                fmt(ratio(ours_delay, off_delay)),
                "(see requests row)",
                None,
            )
    table.notes.append(
        f"Detection: {per_cell} jobs per cell, every cell of both SDKs running concurrently "
        "(threads, one client per SDK and estimate); delay = client return minus the moment the "
        "fake made the job terminal (no download: wavevid `submit().wait()`, official `run()`); "
        "requests = the submit plus every poll the fake logged for that job. Medians."
    )
    return 1


# --- 2 + 3. connections and CPU over sequential jobs (worker processes) -------------------------


def worker_sequential(args: argparse.Namespace) -> None:
    """Run in a child: N sequential jobs with download, report CPU (user+sys) and wall."""
    if args.sdk == "wavevid":
        client = wavevid_client(args.url, args.key, Path(args.catalog))
    else:
        import requests

        client = official_client(args.url, args.key)
    per_job = []
    start_cpu = resource.getrusage(resource.RUSAGE_SELF)
    start_wall = time.perf_counter()
    for i in range(args.jobs):
        before = time.process_time()
        if args.sdk == "wavevid":
            data = client.generate(MODEL, prompt=f"seq {i}").read()
        else:
            out = client.run(MODEL_PATH, {"prompt": f"seq {i}"})
            data = requests.get(out["outputs"][0], timeout=60).content
        assert data
        per_job.append(time.process_time() - before)
    end_cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (end_cpu.ru_utime - start_cpu.ru_utime) + (end_cpu.ru_stime - start_cpu.ru_stime)
    print(json.dumps({"cpu": cpu, "wall": time.perf_counter() - start_wall, "per_job": per_job}))


def run_sequential(sdk: str, jobs: int, seconds: float, tmp: Path) -> dict[str, Any]:
    with FakeProcess(processing_seconds=seconds) as fake:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                "sequential",
                "--sdk",
                sdk,
                "--url",
                fake.url,
                "--key",
                fake.api_key,
                "--jobs",
                str(jobs),
                "--catalog",
                str(catalog_dir(tmp, seconds)),
            ],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=600,
        )
        if out.returncode:
            raise RuntimeError(f"{sdk} worker failed: {out.stderr[-2000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        stats = fake.stats()
    reqs = stats["requests"]
    posts = [i for i, r in enumerate(reqs) if r[0] == "POST"]
    fresh = sum(1 for i in posts if i == 0 or reqs[i][2] != reqs[i - 1][2])
    result.update(
        connections=stats["connections_accepted"],
        fresh_submits=fresh,
        submits=len(posts),
        requests=len(reqs),
    )
    return result


def metric_connections_cpu(cfg: argparse.Namespace, table: Table, official: bool, tmp: Path) -> int:
    jobs, seconds = cfg.seq_jobs, cfg.seq_seconds
    ours = run_sequential("wavevid", jobs, seconds, tmp)
    theirs = run_sequential("official", jobs, seconds, tmp) if official else None
    get = lambda k: theirs[k] if theirs else None  # noqa: E731
    table.add(
        f"TCP connections accepted, {jobs} sequential jobs (with download)",
        str(ours["connections"]),
        fmt(get("connections"), 0),
        fmt(ratio(ours["connections"], get("connections"))),
        "polls and downloads reuse",
        None,
    )
    table.add(
        f"submits on a fresh connection, of {jobs}",
        str(ours["fresh_submits"]),
        fmt(get("fresh_submits"), 0),
        "",
        "",
        None,
    )
    table.add(
        f"requests, {jobs} sequential jobs (with download)",
        str(ours["requests"]),
        fmt(get("requests"), 0),
        fmt(ratio(ours["requests"], get("requests"))),
        "",
        None,
    )
    ours_cpu = ours["cpu"] / jobs * 1000
    off_cpu = theirs["cpu"] / jobs * 1000 if theirs else None
    table.add(
        f"client CPU per job, ms (user+sys, mean of {jobs})",
        fmt(ours_cpu, 1),
        fmt(off_cpu, 1),
        fmt(ratio(ours_cpu, off_cpu)),
        "below official",
        None if off_cpu is None else ours_cpu < off_cpu,
    )
    ours_med = statistics.median(ours["per_job"]) * 1000
    off_med = statistics.median(theirs["per_job"]) * 1000 if theirs else None
    table.add(
        "client CPU per job, ms (median job)",
        fmt(ours_med, 1),
        fmt(off_med, 1),
        fmt(ratio(ours_med, off_med)),
        "",
        None,
    )
    table.notes.append(
        f"Connections and CPU: {jobs} jobs of {seconds:g} s, one after another, on one client "
        "in a process running only that client (the fake in another process); each job "
        "submits, waits and downloads the fake's 15 KB video (official: `run()` then "
        "`requests.get(url)`, as its users must; it has no download helper). wavevid's catalog "
        f"says E={seconds:g} s. CPU is `getrusage(RUSAGE_SELF)` user+sys over the loop, after "
        "the client was built (first-use costs such as loading the catalog are included). "
        "A submit is on a fresh connection when its connection id differs from the previous "
        "request's."
    )
    return 2


# --- 4. download throughput and peak RSS --------------------------------------------------------


def worker_download(args: argparse.Namespace) -> None:
    import wavevid

    client = wavevid.Client(api_key=args.key, base_url=args.url)
    job = client.get_job(args.job)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    path = client.download(job, args.out)
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "bytes": path.stat().st_size,
                "rss_kib": rss,
                "rss_before_kib": rss_before,
            }
        )
    )


def timed_curl(curl: str, url: str, target: Path, size: int) -> float:
    """Seconds for ``curl -o`` and an fsync of its file: like wavevid's download, which
    fsyncs before its atomic rename, the clock stops with the bytes on disk."""
    started = time.perf_counter()
    subprocess.run([curl, "-sS", "-f", "-o", str(target), url], check=True)
    descriptor = os.open(target, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    elapsed = time.perf_counter() - started
    if target.stat().st_size != size:
        raise RuntimeError("curl downloaded the wrong size")
    target.unlink()
    return elapsed


def metric_download(cfg: argparse.Namespace, table: Table, official: bool, tmp: Path) -> int:
    curl = shutil.which("curl")  # without curl (a bare machine), only wavevid is measured
    mib = cfg.download_mib
    size = int(mib * 1024 * 1024)
    with FakeProcess(processing_seconds=0.05, video_mib=mib) as fake:
        client = wavevid_client(fake.url, fake.api_key, catalog_dir(tmp, 0.05))
        job = client.submit(MODEL, prompt="download").wait(timeout=60)
        url = job.outputs[0]
        curl_rates, ours_rates, rss, rss_base = [], [], [], []
        target = tmp / "video.mp4"
        if curl:
            subprocess.run([curl, "-sS", "-f", "-o", str(target), url], check=True)  # warm-up
            target.unlink()
        for _ in range(cfg.download_runs):
            # curl's file, like wavevid's, must be on disk (fsync) before the clock stops:
            # wavevid fsyncs before its atomic rename, curl -o never does.
            if curl:
                curl_rates.append(size / timed_curl(curl, url, target, size) / 2**20)
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    "download",
                    "--url",
                    fake.url,
                    "--key",
                    fake.api_key,
                    "--job",
                    job.id,
                    "--out",
                    str(target),
                ],
                capture_output=True,
                text=True,
                env=clean_env(),
                timeout=600,
            )
            if out.returncode:
                raise RuntimeError(f"download worker failed: {out.stderr[-2000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            if result["bytes"] != size:
                raise RuntimeError("wavevid downloaded the wrong size")
            target.unlink()
            ours_rates.append(size / result["seconds"] / 2**20)
            rss.append(result["rss_kib"] / 1024)
            rss_base.append(result["rss_before_kib"] / 1024)
    ours = statistics.median(ours_rates)
    theirs = statistics.median(curl_rates) if curl_rates else None
    table.add(
        f"download {mib:g} MiB to a file, MiB/s (official: curl -o, then fsync)",
        fmt(ours, 0),
        f"curl {fmt(theirs, 0)}" if theirs else "n/a (no curl here)",
        fmt(ratio(ours, theirs)) if theirs else "",
        ">= 0.9x curl",
        ours >= 0.9 * theirs if theirs else None,
    )
    peak = max(rss)
    table.add(
        "peak RSS of a process doing only that download, MB",
        fmt(peak, 1),
        "n/a (no download helper)",
        "",
        "< 60 MB",
        peak < 60,
    )
    table.add(
        "  of which before the download (interpreter + imports + client), MB",
        fmt(max(rss_base), 1),
        "",
        "",
        "",
        None,
    )
    table.notes.append(
        f"Download: the fake (own process) serves {mib:g} MiB of random bytes over loopback; "
        f"{cfg.download_runs} alternating runs of `curl -sS -o` and of a fresh process calling "
        "`client.download(job, path)` (timed around that call, which fsyncs before its atomic "
        "rename; curl timed from its start to an fsync of its file, so both end with the "
        "bytes on disk), after one untimed curl warm-up. Throughput median; peak RSS is "
        "the worst run's `ru_maxrss`."
    )
    return 1


# --- 5. cold import ------------------------------------------------------------------------------

IMPORT_WAVEVID = (
    "import time; t = time.perf_counter(); import wavevid; "
    f"wavevid.load_catalog().get({MODEL!r}); print(time.perf_counter() - t)"
)
IMPORT_OFFICIAL = (
    "import time; t = time.perf_counter(); import wavespeed; print(time.perf_counter() - t)"
)


def metric_import(cfg: argparse.Namespace, table: Table, official: bool, tmp: Path) -> int:
    ours, theirs = [], []
    env = clean_env()

    def once(code: str) -> float:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        return float(out.stdout.strip())

    for _ in range(cfg.import_runs):
        ours.append(once(IMPORT_WAVEVID))
        if official:
            theirs.append(once(IMPORT_OFFICIAL))
    o = statistics.median(ours) * 1000
    t = statistics.median(theirs) * 1000 if theirs else None
    table.add(
        "cold `import wavevid` + first `load_catalog().get()`, ms (official: `import wavespeed`)",
        fmt(o, 1),
        fmt(t, 1),
        fmt(ratio(o, t)),
        "<= 1.2x",
        None if t is None else o <= 1.2 * t,
    )
    table.notes.append(
        f"Import: {cfg.import_runs} fresh interpreters per SDK, alternating; "
        "`time.perf_counter()` around the import (and the lookup) inside the child. Median."
    )
    return 1


# --- 6. batch ------------------------------------------------------------------------------------


def metric_batch(cfg: argparse.Namespace, table: Table, official: bool, tmp: Path) -> int:
    n, workers, seconds = cfg.batch_jobs, cfg.batch_workers, cfg.seq_seconds
    with FakeProcess(processing_seconds=seconds) as fake:
        client = wavevid_client(fake.url, fake.api_key, catalog_dir(tmp, seconds))
        start = time.perf_counter()
        for i in range(n):
            client.generate(MODEL, prompt=f"seq {i}")
        sequential = time.perf_counter() - start
        seq_requests = len(fake.stats()["requests"])
        requests_ = [{"model": MODEL, "input": {"prompt": f"batch {i}"}} for i in range(n)]
        start = time.perf_counter()
        items = client.generate_many(requests_, max_workers=workers)
        parallel = time.perf_counter() - start
        failed = [item for item in items if getattr(item, "error", None) is not None]
        if failed:
            raise RuntimeError(f"{len(failed)} batch items failed: {failed[0].error!r}")
        batch_requests = len(fake.stats()["requests"]) - seq_requests
    table.add(
        f"{n} jobs of {seconds:g} s: generate_many(max_workers={workers}) wall s "
        "(official column: sequential generate)",
        fmt(parallel),
        f"sequential {fmt(sequential)}",
        fmt(parallel / sequential),
        f"ideal 1/{workers} = {1 / workers:.3f}",
        None,
    )
    table.add(
        "  requests per job, generate_many (sequential generate)",
        fmt(batch_requests / n),
        f"sequential {fmt(seq_requests / n)}",
        "",
        "",
        None,
    )
    table.notes.append(
        f"Batch: wavevid only (the official SDK has no batch call); {n} jobs of {seconds:g} s "
        f"(catalog E={seconds:g} s) with download to memory; requests include the download."
    )
    return 1


# --- 7. build_payload ----------------------------------------------------------------------------


def metric_payload(cfg: argparse.Namespace, table: Table, official: bool, tmp: Path) -> int:
    import wavevid

    catalog = wavevid.load_catalog()
    rates = []
    for name in catalog.names():
        model = catalog.get(name)
        values: dict[str, Any] = {}
        for param in model.required:
            kind = model.media.get(param)
            if kind == "image":
                values[param] = "https://example.com/input.png"
            elif kind is not None:
                values[param] = "https://example.com/input.mp4"
            else:
                values[param] = "a red fox running through fresh snow"
        model.build_payload(values)
        timer = timeit.Timer(lambda m=model, v=values: m.build_payload(v))
        best = min(timer.repeat(repeat=cfg.payload_repeat, number=cfg.payload_number))
        best /= cfg.payload_number
        rates.append((name, 1 / best))
    for name, rate in rates:
        table.add(
            f"build_payload validations/s: {name}",
            fmt(rate, 0),
            "n/a (no validation)",
            "",
            "",
            None,
        )
    table.notes.append(
        "build_payload: required parameters only (media as URLs), best of "
        f"{cfg.payload_repeat} `timeit` repeats of {cfg.payload_number} calls."
    )
    return 1


# --- report --------------------------------------------------------------------------------------


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    curl = shutil.which("curl")
    curl_v = (
        subprocess.run([curl, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        if curl
        else "not installed"
    )
    return [
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- machine: {os.cpu_count()} CPUs (nproc), {model}; {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- wavevid {version('wavevid')}, wavespeed {version('wavespeed')}, "
        f"requests {version('requests')}, urllib3 {version('urllib3')}, PyYAML "
        f"{version('PyYAML')}; {curl_v}",
    ]


METRICS = [
    ("requests per job and detection delay", metric_detection),
    ("connections and client CPU", metric_connections_cpu),
    ("download throughput and RSS", metric_download),
    ("cold import", metric_import),
    ("generate_many", metric_batch),
    ("build_payload", metric_payload),
]


def configure(quick: bool) -> argparse.Namespace:
    if quick:
        return argparse.Namespace(
            m1_durations=[2.0],
            m1_jobs=3,
            seq_jobs=4,
            seq_seconds=0.5,
            download_mib=16,
            download_runs=1,
            import_runs=3,
            batch_jobs=8,
            batch_workers=4,
            payload_repeat=2,
            payload_number=500,
        )
    return argparse.Namespace(
        m1_durations=[10.0, 30.0],
        m1_jobs=8,
        seq_jobs=20,
        seq_seconds=1.0,
        download_mib=512,
        download_runs=3,
        import_runs=20,
        batch_jobs=32,
        batch_workers=8,
        payload_repeat=5,
        payload_number=5000,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny version; writes nothing")
    parser.add_argument("--output", help=f"write the report here (full run: {DEFAULT_OUTPUT})")
    parser.add_argument("--no-official", action="store_true", help="skip the official SDK")
    parser.add_argument("--only", help="comma-separated metric numbers (1-6 as listed)")
    # worker mode (internal)
    parser.add_argument("--worker", choices=["sequential", "download"], help=argparse.SUPPRESS)
    for name in ("sdk", "url", "key", "catalog", "job", "out"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "sequential":
        worker_sequential(args)
        return 0
    if args.worker == "download":
        worker_download(args)
        return 0

    cfg = configure(args.quick)
    official = not args.no_official and have_official()
    table = Table()
    passed = failed = 0
    started = time.perf_counter()
    only = {int(x) for x in args.only.split(",")} if args.only else None
    if not official:
        print("official SDK (`wavespeed`) not importable: its column is skipped")
    with tempfile.TemporaryDirectory(prefix="wavevid-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for number, (name, func) in enumerate(METRICS, 1):
            if only and number not in only:
                continue
            t0 = time.perf_counter()
            try:
                counted = func(cfg, table, official, tmp)
                passed += counted
                print(f"[ok] {name} ({time.perf_counter() - t0:.1f} s)", flush=True)
            except Exception:
                failed += 1
                print(f"[FAILED] {name}", flush=True)
                traceback.print_exc()
    elapsed = time.perf_counter() - started
    report = render(table, official, elapsed, args.quick)
    print()
    print(table.markdown())
    output = args.output or (None if args.quick or only else str(DEFAULT_OUTPUT))
    if output and not failed:
        Path(output).write_text(report)
        print(f"\nwrote {output}")
    elif output:
        print(f"\nnot writing {output}: a metric failed")
    print(f"total {elapsed:.1f} s")
    # Not pytest's "N passed" form: CI reads that from the test run, not from here.
    print(f"bench done: {passed} metrics measured, {failed} failed to run")
    return 1 if failed else 0


def render(table: Table, official: bool, elapsed: float, quick: bool) -> str:
    from gaps import gap_notes

    met = [v for v in table.verdicts if v[1]]
    unmet = [v for v in table.verdicts if not v[1]]
    lines = [
        "# Benchmarks: wavevid against the official `wavespeed` SDK",
        "",
        "Written by `python bench/run.py` (do not edit by hand; re-run it). Both SDKs talk to the "
        "same `FakeWaveSpeed` (from `wavevid.testing`, run in its own process) over loopback, in "
        "one run, so every ratio compares figures measured minutes apart on the same machine. "
        "`python bench/run.py --quick` (under a minute, the official SDK optional) runs in CI "
        "so the scripts keep working; its numbers are not published.",
        "",
        *machine(),
        f"- run: {'quick' if quick else 'full'}, {elapsed:.0f} s"
        + ("" if official else "; official SDK not installed, its column skipped"),
        "",
        table.markdown(),
        "",
        f"Targets: {len(met)} met, {len(unmet)} not met.",
        "",
        "## How each figure was measured",
        "",
        *[f"- {note}" for note in table.notes],
        "",
        "## Targets not met, and what it would take",
        "",
    ]
    notes = gap_notes(unmet)
    lines.extend(notes if notes else ["Every target with an official figure to compare was met."])
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
