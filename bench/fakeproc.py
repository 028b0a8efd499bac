"""A FakeWaveSpeed in its own process, so the client's CPU and RSS measurements never include it.

Started by ``bench/harness.py``: ``python fakeproc.py <processing_seconds> <video_mib>``. It
prints one JSON line ``{"url": ..., "api_key": ...}``, then answers commands on stdin, one per
line, each with one JSON line on stdout:

- ``jobs [[prompt, seconds], ...]``: the job submitted with exactly that prompt processes for
  that many seconds (a ``JobScript`` each);
- ``stats``: connections accepted; every request as ``[method, path, connection_id, job_id,
  at]``; every job as ``{"prompt", "created", "terminal"}``. Times are ``time.monotonic()``,
  which is system-wide, so the parent compares them with its own clock;
- ``quit``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from wavevid.testing import FakeWaveSpeed, JobScript


def stats(fake: FakeWaveSpeed) -> dict[str, Any]:
    return {
        "connections_accepted": fake.connections_accepted,
        "requests": [[r.method, r.path, r.connection_id, r.job_id, r.at] for r in fake.requests],
        "jobs": {
            job_id: {
                "prompt": job.input.get("prompt"),
                "created": job.created_monotonic,
                "terminal": job.terminal_at(),
            }
            for job_id, job in fake.jobs.items()
        },
    }


def main() -> int:
    processing = float(sys.argv[1])
    video_mib = float(sys.argv[2])
    video = os.urandom(int(video_mib * 2**20)) if video_mib > 0 else None
    with FakeWaveSpeed(processing_seconds=processing, video_bytes=video) as fake:
        print(json.dumps({"url": fake.url, "api_key": fake.api_key}), flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "quit":
                break
            if command == "stats":
                answer: dict[str, Any] = stats(fake)
            elif command == "jobs":
                for prompt, seconds in json.loads(argument):
                    fake.script_jobs(JobScript(processing_seconds=seconds, when={"prompt": prompt}))
                answer = {}
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
