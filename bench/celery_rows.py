"""What one row costs in the Django example's Celery mode, as the number of workers grows.

    python bench/celery_rows.py                  # 200 rows through 1, 2 and 4 workers
    python bench/celery_rows.py --rows 50 --workers 1,2
    python bench/celery_rows.py --workers 2 --starts-per-window 4 --window-seconds 2  # 429s

Real Redis (appendonly), real PostgreSQL (durable: fsync on, pg_stat_statements, connections
logged), a web process (``manage.py runserver``) that takes the create requests and WaveSpeed's
webhooks, and ``celery worker`` processes (4 pool processes each) with ``celery beat``, against
a FakeWaveSpeed with a fixed job time in this process. The fake's sleeps say nothing about
scale, so the figures are costs per row, counted from the first create request to the last
file stored (the sweeps of that time included): CPU-seconds of the workers, the web process,
PostgreSQL (every process of the cluster) and Redis; every SQL statement by kind, transactions,
new database connections by process; broker messages and commands; API requests; then
end-to-end latency (row committed to file stored), with this machine's core count. With
``--starts-per-window``, the fake refuses starts beyond that many per window (429), as
WaveSpeed's account limit does. Needs redis-server, PostgreSQL's server programs and the test
extra; prints tables, writes nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "examples" / "django_project"
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import celery_costs as costs  # noqa: E402
from videos.tests.servers import (  # noqa: E402  (the example's own server helpers)
    CeleryProcess,
    Postgres,
    Redis,
    free_port,
    missing,
    wait_until,
)

from wavevid.testing import FakeWaveSpeed  # noqa: E402

TOKEN = "benchcsrftoken0123456789abcdefgh"
APP_ROLE, BENCH_ROLE = "postgres", "bench"
"""The site's processes connect as the first; this script as the second, left out of counts."""


def run_once(options: argparse.Namespace, workers: int, redis: Redis, postgres: Postgres,
             folder: Path, limits: dict[str, Any]) -> dict[str, float]:
    name = f"bench_{workers}" + ("_limited" if limits else "")
    costs.sql(postgres.url("postgres"), f"CREATE DATABASE {name}")
    costs.sql(postgres.url(name), "CREATE EXTENSION pg_stat_statements")
    database = postgres.url(name) + "?conn_max_age=60&application_name="
    web_port = free_port()
    with FakeWaveSpeed(processing_seconds=options.job_seconds, **limits) as fake:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("WAVESPEED_", "WAVEVID_"))}
        env.update(DJANGO_SETTINGS_MODULE="videosite.settings", CELERY_BROKER_URL=redis.url,
                   WAVESPEED_API_KEY=fake.api_key, WAVESPEED_BASE_URL=fake.url,
                   WAVEVID_POLL_INTERVAL="0.05",
                   VIDEOSITE_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
                   VIDEOSITE_MEDIA_ROOT=str(folder / name), VIDEOS_SWEEP_SECONDS="5",
                   DJANGO_DEBUG="0", PYTHONWARNINGS="ignore")
        web_env = {**env, "DATABASE_URL": database + "web"}
        worker_env = {**env, "DATABASE_URL": database + "worker"}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=PROJECT,
                       env=web_env, check=True)
        web = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload",
                                f"127.0.0.1:{web_port}"], cwd=PROJECT, env=web_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        celery = [CeleryProcess.worker(f"b{n}", worker_env, folder) for n in range(workers)]
        celery.append(CeleryProcess.beat(worker_env, folder))
        try:
            for process in celery:
                process.start()
            wait_until(lambda: _answers(web_port), "the web process")
            time.sleep(8)  # the workers' start-up is not a row's cost
            stack = Stack(web, celery, redis, postgres, name, web_port)
            return _measure(options.rows if not limits else options.limited_rows, fake, stack)
        finally:
            for process in celery:
                process.stop()
            web.terminate()
            web.wait()


class Stack:
    """The processes and servers of one run."""

    def __init__(self, web: subprocess.Popen[bytes], celery: list[CeleryProcess], redis: Redis,
                 postgres: Postgres, name: str, web_port: int) -> None:
        self.web, self.celery, self.redis, self.postgres = web, celery, redis, postgres
        self.url, self.name, self.web_port = postgres.url(name), name, web_port
        self.bench_url = self.url.replace("postgres@", f"{BENCH_ROLE}@", 1)  # not counted

    def cpu(self) -> dict[str, float]:
        return {
            "worker_cpu": costs.cpu_seconds([pid for p in self.celery for pid in p.pids]),
            "web_cpu": costs.cpu_seconds([self.web.pid]),
            "pg_cpu": costs.cpu_seconds(costs.postgres_pids(self.postgres.folder / "data")),
            "redis_cpu": costs.cpu_seconds([self.redis.process.pid]),  # type: ignore[union-attr]
        }


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/videos/", timeout=1).status_code == 405
    except requests.RequestException:
        return False


def _post_rows(rows: int, port: int) -> None:
    session = requests.Session()
    session.cookies.set("csrftoken", TOKEN)
    for number in range(rows):
        answer = session.post(f"http://127.0.0.1:{port}/videos/",
                              json={"model": "ltx-2-fast", "input": {"prompt": f"fox {number}"}},
                              headers={"X-CSRFToken": TOKEN, "Referer": "http://127.0.0.1/"})
        assert answer.status_code == 202, answer.text


def _measure(rows: int, fake: FakeWaveSpeed, stack: Stack) -> dict[str, float]:
    log = stack.postgres.folder / "postgres.log"
    costs.reset_statements(stack.bench_url)
    cpu, broker = stack.cpu(), costs.redis_stats(stack.redis.port)
    log_start, seen = log.stat().st_size, len(fake.requests)
    _post_rows(rows, stack.web_port)
    done = "SELECT count(*) FROM videos_videojob WHERE output_file <> ''"
    wait_until(lambda: costs.sql(stack.bench_url, done)[0][0] == rows, f"{rows} rows",
               timeout=120 + 2 * rows)
    used = {key: value - cpu[key] for key, value in stack.cpu().items()}
    after = costs.redis_stats(stack.redis.port)
    calls, updated, top = costs.statements(stack.bench_url, APP_ROLE)
    opened = costs.connections_by_application(log, log_start, APP_ROLE, stack.name)
    latencies = [float(row[0]) for row in costs.sql(
        stack.bench_url, "SELECT extract(epoch FROM updated_at - created_at) FROM videos_videojob")]
    figures = {key: value / rows for key, value in used.items()}
    figures.update({f"sql {kind}": calls.get(kind, 0) / rows for kind in costs.KINDS})
    figures["statements"] = sum(calls.values()) / rows
    figures["updated_rows"] = updated / rows
    figures["connections"] = sum(opened.values()) / rows
    for application in ("web", "worker"):
        figures[f"connections {application}"] = opened[application] / rows
    figures["published"] = (after.get("lpush", 0) - broker.get("lpush", 0)) / rows
    figures["redis_commands"] = (after["total"] - broker["total"]) / rows
    figures.update(_api(fake.requests[seen:], rows))
    figures.update(p50=statistics.median(latencies),
                   p90=statistics.quantiles(latencies, n=10)[-1],
                   p99=statistics.quantiles(latencies, n=100)[-1])
    figures["top"] = top  # type: ignore[assignment]
    return figures


def _api(traffic: list[Any], rows: int) -> dict[str, float]:
    submits = [r for r in traffic if r.method == "POST" and r.path.endswith("-to-video")]
    checks = [r for r in traffic if r.method == "GET" and r.path.startswith("/api/v3/pred")]
    downloads = [r for r in traffic if r.path.startswith("/outputs/")]
    return {
        "submits": len(submits) / rows,
        "refused": sum(r.job_id is None for r in submits) / rows,  # 429: no job made
        "checks": len(checks) / rows,
        "downloads": len(downloads) / rows,
        "other_api": (len(traffic) - len(submits) - len(checks) - len(downloads)) / rows,
    }


TABLES = {
    "CPU, API and latency": [
        ("workers CPU ms", "worker_cpu", 1000), ("web CPU ms", "web_cpu", 1000),
        ("PostgreSQL CPU ms", "pg_cpu", 1000), ("Redis CPU ms", "redis_cpu", 1000),
        ("submits", "submits", 1), ("of them 429", "refused", 1), ("checks", "checks", 1),
        ("downloads", "downloads", 1), ("other API", "other_api", 1),
        ("p50 s", "p50", 1), ("p90 s", "p90", 1), ("p99 s", "p99", 1),
    ],
    "database and broker": [
        ("statements", "statements", 1), *[(kind, f"sql {kind}", 1) for kind in costs.KINDS],
        ("rows updated", "updated_rows", 1),
        ("connections", "connections", 1), ("web's", "connections web", 1),
        ("workers'", "connections worker", 1),
        ("messages", "published", 1), ("Redis cmds", "redis_commands", 1),
    ],
}


def _print(results: list[tuple[str, dict[str, float]]], rows_note: str) -> None:
    print(f"{rows_note}; {os.cpu_count()} cores; per row:")
    for title, columns in TABLES.items():
        print(f"\n{title}\nworkers | " + " | ".join(name for name, _, _ in columns))
        for label, figures in results:
            print(label + " | " + " | ".join(f"{figures[key] * scale:.2f}"
                                             for _, key, scale in columns))
    for label, figures in results:
        print(f"\nthe most frequent statements, per row ({label}):")
        for count, query in figures["top"][:12]:  # type: ignore[index]
            print(f"  {count / float(figures['rows']):6.2f}  {query[:100]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--job-seconds", type=float, default=1.0, help="the fake's job time")
    parser.add_argument("--starts-per-window", type=int, default=None,
                        help="also a run whose fake refuses starts beyond this (429)")
    parser.add_argument("--window-seconds", type=float, default=60.0,
                        help="the start limit's window (WaveSpeed's: a minute)")
    parser.add_argument("--limited-rows", type=int, default=50, help="rows of that run")
    options = parser.parse_args()
    lacks = missing()
    if lacks:
        print("celery_rows: needs " + ", ".join(lacks))
        return 1
    folder = Path(tempfile.mkdtemp(prefix="videos-bench-"))
    redis = Redis().start()
    postgres = Postgres(durable=True, options="-c shared_preload_libraries=pg_stat_statements"
                                              " -c log_connections=on")
    postgres.start()
    costs.sql(postgres.url("postgres"), f"CREATE ROLE {BENCH_ROLE} LOGIN SUPERUSER")
    results = []
    try:
        for workers in [int(value) for value in options.workers.split(",")]:
            figures = run_once(options, workers, redis, postgres, folder, {})
            results.append((f"{workers} (x4)", {**figures, "rows": options.rows}))
        if options.starts_per_window:
            limits = {"starts_per_minute": options.starts_per_window,
                      "start_window_seconds": options.window_seconds}
            workers = int(options.workers.split(",")[-1])
            figures = run_once(options, workers, redis, postgres, folder, limits)
            label = (f"{workers} (x4), {options.starts_per_window} starts per"
                     f" {options.window_seconds:g} s, {options.limited_rows} rows")
            results.append((label, {**figures, "rows": options.limited_rows}))
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
    _print(results, f"{options.rows} rows per run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
