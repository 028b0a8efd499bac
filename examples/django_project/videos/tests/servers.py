"""Real servers for Celery mode's tests and benchmark: Redis, PostgreSQL, Celery processes.

Each runs from Debian's binaries on a free loopback port in a temporary folder, and is stopped
by its process id. PostgreSQL refuses to run as root: as root it runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
"""examples/django_project: the Celery processes' working folder."""

START_TIMEOUT = 30.0
"""Seconds a server or a Celery process may take to be ready."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(ready: object, what: str, timeout: float = START_TIMEOUT) -> None:
    """Call ``ready`` until it returns true; RuntimeError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} was not ready within {timeout} s")


#: Fields of ``/proc/PID/stat`` after the command name: the parent's pid, the process group.
PARENT, PROCESS_GROUP = 1, 2


def processes_where(field: int, value: int) -> list[int]:
    """The pids whose ``/proc/PID/stat`` ``field`` (``PARENT``, ``PROCESS_GROUP``) is ``value``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[field]) == value:
            found.append(int(stat.parent.name))
    return found


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (Debian: /usr/lib/postgresql/<n>/bin)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def missing() -> list[str]:
    """What Celery mode's tests need and this machine lacks (empty: all there)."""
    lacks = [] if shutil.which("redis-server") else ["redis-server (apt-get install redis-server)"]
    if postgres_bin() is None:
        lacks.append("PostgreSQL's initdb (apt-get install postgresql)")
    for module in ("celery", "redis", "psycopg"):
        try:
            __import__(module)
        except ImportError:
            lacks.append(f"the Python package {module} (pip install -e '.[test]')")
    return lacks


class Redis:
    """redis-server with ``appendonly yes``; ``restart()`` keeps its folder, port and data."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="videos-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Redis:
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                     "--appendonly", "yes", "--save", "", "--logfile", "redis.log"]
        self.process = subprocess.Popen(["redis-server", *arguments], cwd=self.folder)
        wait_until(self._answers, "redis-server")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash would: what it acknowledged is in its append-only file."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class Postgres:
    """A PostgreSQL cluster of its own; ``url(name)`` for a database on it (user postgres,
    trust authentication on loopback only)."""

    def __init__(self, durable: bool = False, options: str = "") -> None:
        """``durable`` False (tests): no fsync; True (benchmarks): PostgreSQL's defaults.
        ``options``: more server options (``-c name=value``)."""
        programs = postgres_bin()
        if programs is None:
            raise RuntimeError("PostgreSQL's server programs are not installed")
        self.programs = programs
        self.folder = Path(tempfile.mkdtemp(prefix="videos-postgres-"))
        self.port = free_port()
        self.durable = durable
        self.options = options
        self._user = self._run_as()

    @staticmethod
    def _run_as() -> list[str]:
        if os.geteuid() != 0:
            return []
        pwd.getpwnam("postgres")  # KeyError: install Debian's postgresql package
        return ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *arguments: str) -> None:
        command = [*self._user, str(self.programs / program), *arguments]
        subprocess.run(command, check=True, capture_output=True, timeout=START_TIMEOUT)

    def start(self) -> Postgres:
        if self._user:
            shutil.chown(self.folder, "postgres", "postgres")
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 {self.options}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", data, "-l", str(self.folder / "postgres.log"), "-o", options,
                  "-w", "start")
        return self

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class CeleryProcess:
    """``celery -A videosite worker`` (or ``beat``) in a process group of its own, so that it
    can be killed whole, as a machine dies, or one pool process at a time."""

    def __init__(self, command: list[str], env: Mapping[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, dict(env), log
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def worker(cls, name: str, env: Mapping[str, str], folder: Path,
               concurrency: int = 4) -> CeleryProcess:
        command = ["worker", "--hostname", f"{name}@%h", "--pool", "prefork",
                   "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
                   "--loglevel", "INFO"]
        return cls(command, env, folder / f"{name}.log")

    @classmethod
    def beat(cls, env: Mapping[str, str], folder: Path) -> CeleryProcess:
        command = ["beat", "--schedule", str(folder / "beat-schedule"), "--loglevel", "INFO"]
        return cls(command, env, folder / "beat.log")

    def start(self) -> CeleryProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "videosite", *self.command],
                cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pids(self) -> list[int]:
        """The process and its pool processes (its group)."""
        if self.process is None:
            return []
        return processes_where(PROCESS_GROUP, self.process.pid)

    def kill(self) -> None:
        """SIGKILL the whole group at once: nothing acks, nothing cleans up."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        """TERM (a warm shutdown), then KILL after a few seconds."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.kill()
