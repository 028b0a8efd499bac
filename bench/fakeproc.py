"""A FakeWaveSpeed in its own process, so the client's CPU and RSS measurements never include it.

Started by ``bench/run.py``; prints one JSON line ``{"url": ...}``, then answers commands on
stdin, one per line, each with one JSON line on stdout:

- ``stats``: connections accepted, every request (method, path, connection_id, job_id, at),
  every job (prompt, created and terminal ``time.monotonic()`` moments: the clock is system-wide,
  so the parent compares it with its own ``time.monotonic()``);
- ``script {"prompt_prefix"...}``: not needed; jobs take the processing time named in their
  prompt: a prompt ``"t=<seconds> ..."`` gets a ``JobScript`` matching that exact prompt;
- ``job <json>``: add ``JobScript(processing_seconds=s, when={"prompt": p})``;
- ``quit``.
"""

from __future__ import annotations

import json
import os
import sys

from wavevid.testing import FakeWaveSpeed, JobScript


def main() -> int:
    processing = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    video_mib = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    video = os.urandom(int(video_mib * 1024 * 1024)) if video_mib > 0 else None
    with FakeWaveSpeed(processing_seconds=processing, video_bytes=video) as fake:
        print(json.dumps({"url": fake.url, "api_key": fake.api_key}), flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "stats":
                jobs = fake.jobs
                answer = {
                    "connections_accepted": fake.connections_accepted,
                    "requests": [
                        [r.method, r.path, r.connection_id, r.job_id, r.at] for r in fake.requests
                    ],
                    "jobs": {
                        job_id: {
                            "prompt": job.input.get("prompt"),
                            "created": job.created_monotonic,
                            "terminal": job.terminal_at(),
                        }
                        for job_id, job in jobs.items()
                    },
                }
                print(json.dumps(answer), flush=True)
            elif command == "job":
                spec = json.loads(argument)
                fake.script_jobs(
                    JobScript(processing_seconds=spec["seconds"], when={"prompt": spec["prompt"]})
                )
                print("{}", flush=True)
            elif command == "quit":
                break
            else:
                print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
