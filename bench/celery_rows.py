"""What one row costs in the Django example's Celery mode, as the number of workers grows.

    python bench/celery_rows.py                  # 200 rows through 1, 2 and 4 workers
    python bench/celery_rows.py --rows 50 --workers 1,2

Real Redis (appendonly), real PostgreSQL (durable: fsync on), a web process
(``manage.py runserver``) that takes the create requests and WaveSpeed's webhooks, and
``celery worker`` processes (4 pool processes each) with ``celery beat``, against a
FakeWaveSpeed with a fixed job time in this process. The fake's sleeps say nothing about scale,
so the figures are costs per row: CPU-seconds of the workers and of the web process, UPDATE
statements and updated rows, broker messages and commands, API requests; then end-to-end
latency (row committed to file stored), with this machine's core count. Needs redis-server,
PostgreSQL's server programs and the test extra; prints a table, writes nothing.
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

import psycopg
import redis as redis_client
import requests

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "examples" / "django_project"
sys.path.insert(0, str(PROJECT))

from videos.tests.servers import (  # noqa: E402  (the example's own server helpers)
    CeleryProcess,
    Postgres,
    Redis,
    free_port,
    missing,
    wait_until,
)

from wavevid.testing import FakeWaveSpeed  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
TOKEN = "benchcsrftoken0123456789abcdefgh"


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes and of their reaped children."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])
    return total / TICKS


def redis_stats(port: int) -> dict[str, int]:
    """Calls per Redis command since it started, and their total."""
    stats = redis_client.Redis(port=port).info("commandstats")
    calls = {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
    calls["total"] = sum(calls.values())
    return calls


def sql(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(query)
        return cursor.fetchall() if cursor.description else []


def run_once(rows: int, workers: int, redis: Redis, postgres: Postgres, job_seconds: float,
             folder: Path) -> dict[str, float]:
    name = f"bench_{workers}"
    sql(postgres.url("postgres"), f"CREATE DATABASE {name}")
    sql(postgres.url(name), "CREATE EXTENSION pg_stat_statements")
    database = postgres.url(name) + "?conn_max_age=60"
    web_port = free_port()
    with FakeWaveSpeed(processing_seconds=job_seconds) as fake:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("WAVESPEED_", "WAVEVID_"))}
        env.update(DJANGO_SETTINGS_MODULE="videosite.settings", DATABASE_URL=database,
                   CELERY_BROKER_URL=redis.url, WAVESPEED_API_KEY=fake.api_key,
                   WAVESPEED_BASE_URL=fake.url, WAVEVID_POLL_INTERVAL="0.05",
                   VIDEOSITE_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
                   VIDEOSITE_MEDIA_ROOT=str(folder / name), VIDEOS_SWEEP_SECONDS="5",
                   DJANGO_DEBUG="0", PYTHONWARNINGS="ignore")
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=PROJECT,
                       env=env, check=True)
        sql(postgres.url(name), "SELECT pg_stat_statements_reset()")
        web = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload",
                                f"127.0.0.1:{web_port}"], cwd=PROJECT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        celery = [CeleryProcess.worker(f"b{n}", env, folder) for n in range(workers)]
        celery.append(CeleryProcess.beat(env, folder))
        try:
            for process in celery:
                process.start()
            wait_until(lambda: _answers(web_port), "the web process")
            time.sleep(8)  # the workers' start-up is not a row's cost
            return _measure(rows, fake, web, celery, redis, postgres.url(name), web_port)
        finally:
            for process in celery:
                process.stop()
            web.terminate()
            web.wait()


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/videos/", timeout=1).status_code == 405
    except requests.RequestException:
        return False


def _measure(rows: int, fake: FakeWaveSpeed, web: subprocess.Popen, celery: list,
             redis: Redis, database: str, web_port: int) -> dict[str, float]:
    worker_pids = [pid for process in celery for pid in process.pids]
    before = (cpu_seconds(worker_pids), cpu_seconds([web.pid]), redis_stats(redis.port))
    session = requests.Session()
    session.cookies.set("csrftoken", TOKEN)
    for number in range(rows):
        answer = session.post(f"http://127.0.0.1:{web_port}/videos/",
                              json={"model": "ltx-2-fast", "input": {"prompt": f"fox {number}"}},
                              headers={"X-CSRFToken": TOKEN, "Referer": "http://127.0.0.1/"})
        assert answer.status_code == 202, answer.text
    done = "SELECT count(*) FROM videos_videojob WHERE output_file <> ''"
    wait_until(lambda: sql(database, done)[0][0] == rows, f"{rows} rows", timeout=60 + rows)
    worker_cpu = cpu_seconds([pid for process in celery for pid in process.pids]) - before[0]
    web_cpu = cpu_seconds([web.pid]) - before[1]
    after = redis_stats(redis.port)
    latencies = [row[0] for row in sql(database, "SELECT extract(epoch FROM updated_at -"
                                       " created_at) FROM videos_videojob")]
    updates = sql(database, "SELECT coalesce(sum(calls), 0), coalesce(sum(rows), 0) FROM"
                  " pg_stat_statements WHERE query LIKE 'UPDATE \"videos_videojob\"%'")[0]
    traffic = fake.requests
    checks = [r for r in traffic if r.method == "GET" and r.path.startswith("/api/v3/pred")]
    return {
        "worker_cpu": worker_cpu / rows, "web_cpu": web_cpu / rows,
        "updates": float(updates[0]) / rows, "updated_rows": float(updates[1]) / rows,
        "published": (after.get("lpush", 0) - before[2].get("lpush", 0)) / rows,
        "redis_commands": (after["total"] - before[2]["total"]) / rows,
        "submits": sum(r.method == "POST" and r.path.endswith("-to-video") for r in traffic) / rows,
        "checks": len(checks) / rows,
        "downloads": sum(r.path.startswith("/outputs/") for r in traffic) / rows,
        "p50": statistics.median(latencies),
        "p90": statistics.quantiles(latencies, n=10)[-1],
        "p99": statistics.quantiles(latencies, n=100)[-1],
    }


COLUMNS = [
    ("workers CPU ms", "worker_cpu", 1000), ("web CPU ms", "web_cpu", 1000),
    ("UPDATEs", "updates", 1), ("rows updated", "updated_rows", 1),
    ("messages", "published", 1), ("Redis cmds", "redis_commands", 1),
    ("submits", "submits", 1), ("checks", "checks", 1), ("downloads", "downloads", 1),
    ("p50 s", "p50", 1), ("p90 s", "p90", 1), ("p99 s", "p99", 1),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--job-seconds", type=float, default=1.0, help="the fake's job time")
    options = parser.parse_args()
    lacks = missing()
    if lacks:
        print("celery_rows: needs " + ", ".join(lacks))
        return 1
    folder = Path(tempfile.mkdtemp(prefix="videos-bench-"))
    redis = Redis().start()
    postgres = Postgres(durable=True, options="-c shared_preload_libraries=pg_stat_statements")
    postgres.start()
    try:
        print(f"{options.rows} rows per run; {os.cpu_count()} cores; per row:")
        print("workers | " + " | ".join(title for title, _, _ in COLUMNS))
        for workers in [int(value) for value in options.workers.split(",")]:
            figures = run_once(options.rows, workers, redis, postgres, options.job_seconds,
                               folder)
            cells = [f"{figures[key] * scale:.2f}" for _, key, scale in COLUMNS]
            print(f"{workers} (x4) | " + " | ".join(cells), flush=True)
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
