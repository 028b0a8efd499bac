"""What ``celery_rows.py`` reads off the running stack: CPU-seconds of processes, Redis's command
counts, PostgreSQL's statements (pg_stat_statements), sessions and connections by application
(``log_connections``)."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import redis as redis_client
from videos.tests.servers import PARENT, processes_where

TICKS = os.sysconf("SC_CLK_TCK")
KINDS = ("set_config", "SELECT 1", "SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT",
         "other")
"""Statement kinds, in the table's order: ``set_config`` is what Django runs on each new
connection, ``SELECT 1`` its health check of a connection it reuses."""


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes and of their children they reaped."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])
    return total / TICKS


def postgres_pids(data: Path) -> list[int]:
    """The postmaster (its first line of postmaster.pid) and every process it runs."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    return [postmaster, *processes_where(PARENT, postmaster)]


def redis_stats(port: int) -> dict[str, int]:
    """Calls per Redis command since it started, and their total."""
    stats = redis_client.Redis(port=port).info("commandstats")
    calls = {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}
    calls["total"] = sum(calls.values())
    return calls


def sql(url: str, query: str, *parameters: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(query, parameters or None)
        return cursor.fetchall() if cursor.description else []


def kind(query: str) -> str:
    text = " ".join(query.split())
    if "set_config(" in text:
        return "set_config"
    if re.fullmatch(r"SELECT \$1|SELECT 1", text):
        return "SELECT 1"
    word = text.split(" ", 1)[0].upper()
    return word if word in KINDS else "other"


def statements(url: str, user: str) -> tuple[Counter[str], int, list[tuple[int, str]]]:
    """Since the last reset, of ``user`` on this database: calls per kind, rows the UPDATEs
    changed, and the statements by calls (most first)."""
    found = sql(url, "SELECT calls, rows, query FROM pg_stat_statements"
                " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND userid = (SELECT oid FROM pg_roles WHERE rolname = %s)", user)
    calls: Counter[str] = Counter()
    updated = 0
    for count, rows, query in found:
        calls[kind(query)] += count
        updated += rows if kind(query) == "UPDATE" else 0
    top = sorted(((int(count), " ".join(query.split())) for count, _, query in found),
                 reverse=True)
    return calls, updated, top


def reset_statements(url: str) -> None:
    sql(url, "SELECT pg_stat_statements_reset()")


def connections_by_application(log: Path, start: int, user: str, database: str) -> Counter[str]:
    """Connections of ``user`` authorized on ``database`` in the server log after byte
    ``start``, by their ``application_name`` (``log_connections`` must be on)."""
    with log.open("rb") as handle:
        handle.seek(start)
        text = handle.read().decode("utf-8", "replace")
    pattern = rf"connection authorized: user={re.escape(user)} database={re.escape(database)}" \
              r"(?: application_name=(\S+))?"
    return Counter(name or "?" for name in re.findall(pattern, text))
