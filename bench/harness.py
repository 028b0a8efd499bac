"""What every row needs: a fake in its own process, a client of each SDK, child workers, and
what the fake saw, per job.

Both SDKs send the same catalog model with keys from its schema (wavevid adds the schema's
defaults), so a fake that answers unknown paths with 404 and drops unknown keys serves both.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = "ltx-2-fast"
MODEL_PATH = "lightricks/ltx-2-fast/text-to-video"


def clean_env() -> dict[str, str]:
    """The environment for children: no developer keys, catalog folders or poll intervals."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WAVESPEED_", "WAVEVID_"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def have_official() -> bool:
    try:
        import wavespeed  # noqa: F401
    except ImportError:
        return False
    return True


class Stats:
    """What a fake saw: connections, requests and jobs (see fakeproc.py)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.connections: int = raw["connections_accepted"]
        self.requests: list[list[Any]] = raw["requests"]
        self.jobs: dict[str, dict[str, Any]] = raw["jobs"]

    def job_id(self, prompt: str) -> str:
        return next(job_id for job_id, job in self.jobs.items() if job["prompt"] == prompt)

    def checks(self, job_id: str) -> list[float]:
        """Arrival times of every GET of ``/predictions/{id}[/result]`` for the job."""
        return [
            at
            for method, path, _, job, at in self.requests
            if job == job_id and method == "GET" and "/predictions/" in path
        ]

    def requests_for(self, job_id: str) -> int:
        """The job's submit, checks and download."""
        return sum(1 for record in self.requests if record[3] == job_id)


def min_gap(times: list[float]) -> float | None:
    """The shortest time between consecutive checks, None for fewer than two."""
    return min((b - a for a, b in itertools.pairwise(times)), default=None)


class FakeProcess:
    """A FakeWaveSpeed in a child process (see fakeproc.py); a context manager."""

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
        assert self._proc.stdin
        assert self._proc.stdout
        with self._lock:
            self._proc.stdin.write(line + "\n")
            self._proc.stdin.flush()
            return json.loads(self._proc.stdout.readline())

    def stats(self) -> Stats:
        return Stats(self._ask("stats"))

    def script(self, jobs: list[tuple[str, float]]) -> None:
        """Each ``(prompt, seconds)``: the job with that prompt processes that long."""
        self._ask("jobs " + json.dumps(jobs))

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
    """A catalog folder whose ltx-2-fast expects ``expected`` seconds (same path, same keys)."""
    folder = base / f"catalog-E{expected:g}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench.yaml").write_text(
        "version: 1\nmodels:\n"
        f"  {MODEL}:\n    extends: {MODEL}\n    expected_seconds: {expected:g}\n"
    )
    return folder


def wavevid_client(
    url: str, key: str, catalog: str | Path | None = None, poll_interval: float | None = None
) -> Any:
    """A wavevid client; ``poll_interval`` None keeps its own schedule (the full bench)."""
    import wavevid

    return wavevid.Client(
        api_key=key,
        base_url=url,
        catalog_paths=[str(catalog)] if catalog else None,
        poll_interval=poll_interval,
    )


def catalog_expected() -> float:
    """The built-in catalog's expected run time for MODEL at its defaults (seconds)."""
    import wavevid

    return float(wavevid.load_catalog().get(MODEL).expected_seconds({"prompt": "x"}))


def official_client(url: str, key: str) -> Any:
    import wavespeed

    return wavespeed.Client(api_key=key, base_url=url)


def run_worker(name: str, **args: Any) -> dict[str, Any]:
    """Run ``worker.py name`` in a fresh interpreter; its last stdout line, as JSON."""
    out = subprocess.run(
        [sys.executable, str(HERE / "worker.py"), name, json.dumps(args)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=900,
    )
    if out.returncode:
        raise RuntimeError(f"worker {name} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def in_parallel(*calls: Any) -> list[Any]:
    """Run each zero-argument callable on its own thread; their results, in order."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def sdk_client(
    sdk: str, url: str, key: str, poll: float | None, expected: float | None = None
) -> Any:
    """A client of ``sdk`` ("wavevid" or "official"). ``expected``: the run time wavevid's
    catalog is told for the fake's jobs (what its learned estimates converge to on a service
    whose jobs take that long); None keeps the built-in catalog's."""
    if sdk == "wavevid":
        catalog = catalog_dir(Path(tempfile.mkdtemp()), expected) if expected else None
        return wavevid_client(url, key, catalog, poll_interval=poll)
    return official_client(url, key)


def generate_one(sdk: str, client: Any, prompt: str, poll: float | None) -> bytes:
    """One video as each SDK's users get it: submit, wait, download into memory. The official
    SDK has no download call: its users fetch the output URL with ``requests``."""
    if sdk == "wavevid":
        return client.generate(MODEL, prompt=prompt).read()
    import requests

    options = {} if poll is None else {"poll_interval": poll}
    out = client.run(MODEL_PATH, {"prompt": prompt}, **options)
    answer = requests.get(out["outputs"][0], timeout=60)
    answer.raise_for_status()
    return answer.content
