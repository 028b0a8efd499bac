"""The job commands: ``generate``, ``submit``, ``status``, ``wait``, ``balance``, ``jobs``,
``demo`` and ``fake-server``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from . import download
from ._cli_progress import ProgressBar
from ._cli_values import UsageError, convert, model_values
from ._job_data import JOB_ID_CHARACTERS, is_job_id
from ._text import short_repr
from .client import Client
from .errors import DownloadError
from .jobs import Job
from .results import VideoResult, mask_queries

__all__ = ["UsageError", "add_commands", "client_for", "convert", "model_values"]

EXIT_OK = 0
DEMO_MODEL = "hunyuan-video-1.5"
DEMO_PROMPT = "a red fox running through fresh snow at dawn"
DEMO_OUTPUT = "wavevid-demo.mp4"
#: The demo's fake job runs this long, so the progress bar has something to show; the demo's
#: catalog amendment says so, so that the bar moves with it.
DEMO_PROCESSING_SECONDS = 3.0
DEMO_POLL_INTERVAL = 0.25
DEMO_CATALOG = """\
version: 1
models:
  {model}:
    extends: {model}
    expected_seconds: {seconds}
"""


def add_commands(commands: Any) -> None:
    """Add the job commands to an argparse subparsers object."""
    generate = commands.add_parser("generate", help="make a video and download it")
    _model_inputs(generate)
    generate.add_argument("-o", "--output", metavar="FILE", help="where to save the video")
    generate.add_argument("--timeout", type=float, metavar="S", help="the job's deadline")
    generate.add_argument("--webhook", metavar="URL", help="WaveSpeed also POSTs the outcome here")
    generate.add_argument(
        "--quiet", action="store_true", help="no progress bar, no notice about unverified models"
    )
    generate.set_defaults(run=_generate)

    submit = commands.add_parser("submit", help="submit a job and print its id at once")
    _model_inputs(submit)
    submit.add_argument("--webhook", metavar="URL", help="WaveSpeed POSTs the outcome here")
    submit.add_argument("--quiet", action="store_true", help="no notice about unverified models")
    submit.set_defaults(run=_submit)

    status = commands.add_parser("status", help="a job's current state")
    status.add_argument("job_id", metavar="ID")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_status)

    wait = commands.add_parser("wait", help="wait for a job (from any process), then download")
    wait.add_argument("job_id", metavar="ID")
    wait.add_argument("-o", "--output", metavar="FILE", help="where to save the video")
    wait.add_argument("--timeout", type=float, metavar="S")
    wait.add_argument("--quiet", action="store_true", help="no progress bar")
    wait.set_defaults(run=_wait)

    balance = commands.add_parser("balance", help="the account balance")
    balance.set_defaults(run=_balance)

    jobs = commands.add_parser("jobs", help="recent jobs, newest first (WaveSpeed keeps 7 days)")
    jobs.add_argument("--model", help="only this model (name or path)")
    jobs.add_argument("--status", choices=["completed", "failed", "processing"])
    jobs.add_argument("--limit", type=int, default=20)
    jobs.set_defaults(run=_jobs)

    demo = commands.add_parser("demo", help="generate a video offline, against a built-in fake")
    demo.add_argument("-o", "--output", metavar="FILE", default=DEMO_OUTPUT)
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=_demo, offline=True)

    fake = commands.add_parser("fake-server", help="run the fake WaveSpeed API in the foreground")
    fake.add_argument("--port", type=int, default=0, help="default: any free port")
    fake.add_argument("--api-key", default="test-key", help="the key clients must send")
    fake.add_argument("--processing-seconds", type=float, default=5.0)
    fake.set_defaults(run=_fake_server, offline=True)


def _model_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="name, alias or WaveSpeed path")
    parser.add_argument("--prompt", help="the prompt")
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE",
        help="a model parameter, converted by its type (repeatable)",
    )
    parser.add_argument(
        "--file", action="append", default=[], metavar="KEY=PATH",
        help="a local file to upload for a media parameter (repeatable)",
    )


def client_for(arguments: argparse.Namespace) -> Client:
    return Client(catalog_paths=arguments.catalog)


# --- commands ------------------------------------------------------------------------------------


def _generate(arguments: argparse.Namespace, out: TextIO) -> int:
    client = client_for(arguments)
    values = model_values(client, arguments)
    output = arguments.output or _default_output(arguments.model)
    try:
        download.check_writable(output)
    except DownloadError as error:
        raise UsageError(str(error)) from None
    with ProgressBar(quiet=arguments.quiet) as bar:
        result = client.generate(
            arguments.model, values, output_path=output, timeout=arguments.timeout,
            webhook_url=arguments.webhook, progress_callback=bar,
        )
    _report(result, out)
    return EXIT_OK


def _submit(arguments: argparse.Namespace, out: TextIO) -> int:
    client = client_for(arguments)
    job = client.submit(
        arguments.model, model_values(client, arguments), webhook_url=arguments.webhook
    )
    out.write(f"{job.id}\n")
    return EXIT_OK


def _status(arguments: argparse.Namespace, out: TextIO) -> int:
    job = client_for(arguments).get_job(_job_id(arguments.job_id))
    summary = _job_summary(job)
    if arguments.json:
        out.write(json.dumps(summary, indent=2) + "\n")
    else:
        for key, value in summary.items():
            if value not in (None, "", []):
                out.write(f"{key}: {value}\n")
    return EXIT_OK


def _wait(arguments: argparse.Namespace, out: TextIO) -> int:
    client = client_for(arguments)
    job = client.get_job(_job_id(arguments.job_id))
    with ProgressBar(quiet=arguments.quiet) as bar:
        job.wait(timeout=arguments.timeout, progress_callback=bar)
    if arguments.output:
        out.write(f"saved {client.download(job, arguments.output)}\n")
    out.write(f"job {job.id} {job.status}\n")
    for url in job.outputs:
        out.write(f"output: {mask_queries(str(url))}\n")
    return EXIT_OK


def _balance(arguments: argparse.Namespace, out: TextIO) -> int:
    out.write(f"${client_for(arguments).balance():.2f}\n")
    return EXIT_OK


def _jobs(arguments: argparse.Namespace, out: TextIO) -> int:
    client = client_for(arguments)
    rows = []
    for count, job in enumerate(client.list_jobs(model=arguments.model, status=arguments.status)):
        if count >= arguments.limit:
            break
        created = job.created_at.strftime("%Y-%m-%d %H:%M:%S") if job.created_at else ""
        rows.append(f"{job.id}  {job.status:<10} {created}  {job.model}")
    out.write("".join(f"{row}\n" for row in rows) or "no jobs in the last 7 days\n")
    return EXIT_OK


def _demo(arguments: argparse.Namespace, out: TextIO) -> int:
    from .testing import FakeWaveSpeed

    out.write("Running offline: a built-in fake WaveSpeed server, no key, no network, no charge.\n")
    with tempfile.TemporaryDirectory() as folder, FakeWaveSpeed(
        processing_seconds=DEMO_PROCESSING_SECONDS
    ) as fake:
        amendment = DEMO_CATALOG.format(model=DEMO_MODEL, seconds=DEMO_PROCESSING_SECONDS)
        Path(folder, "demo.yaml").write_text(amendment, encoding="utf-8")
        # Built explicitly: WAVESPEED_* variables are ignored, a real key is never touched.
        client = Client(
            api_key=fake.api_key, base_url=fake.url, catalog_paths=[folder],
            poll_interval=DEMO_POLL_INTERVAL,
        )
        with client, ProgressBar(quiet=arguments.quiet) as bar:
            result = client.generate(
                DEMO_MODEL, {"prompt": DEMO_PROMPT}, output_path=arguments.output,
                progress_callback=bar,
            )
    _report(result, out)
    out.write(
        "\nThat ran against the fake. To make a real video, get a key at"
        " https://wavespeed.ai/accesskey, then:\n"
        "  export WAVESPEED_API_KEY=...\n"
        f"  wavevid generate {DEMO_MODEL} --prompt '{DEMO_PROMPT}' -o fox.mp4\n"
    )
    return EXIT_OK


def _fake_server(arguments: argparse.Namespace, out: TextIO) -> int:
    from .testing import FakeWaveSpeed

    fake = FakeWaveSpeed(
        api_key=arguments.api_key,
        processing_seconds=arguments.processing_seconds,
        port=arguments.port,
    )
    with fake:
        out.write(
            f"FakeWaveSpeed on {fake.url} (key {fake.api_key!r}); Ctrl-C stops it.\n"
            f"  export WAVESPEED_BASE_URL={fake.url} WAVESPEED_API_KEY={fake.api_key}\n"
        )
        out.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            out.write("stopped\n")
    return EXIT_OK


# --- helpers -------------------------------------------------------------------------------------


def _default_output(model: str) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{model.replace('/', '_')}-{stamp}.mp4"


def _report(result: VideoResult, out: TextIO) -> None:
    out.write(f"saved {result.path}\njob {result.job_id}\n")
    out.write(f"estimated cost: {_cost(result.estimated_cost)}\n")


def _cost(cost: Decimal | None) -> str:
    if cost is None:
        return "unknown (the catalog has no price for this input)"
    return f"${cost:.2f} (an estimate; WaveSpeed's bill is the truth)"


def _job_id(text: str) -> str:
    """``text`` when it is a job id; else UsageError (exit 2), before any request."""
    if not is_job_id(text):
        raise UsageError(f"{short_repr(text)} is not a WaveSpeed job id ({JOB_ID_CHARACTERS})")
    return text


def _job_summary(job: Job) -> dict[str, Any]:
    """What ``status`` prints; URLs with their query strings masked (signed URLs carry their
    signature there: ``wavevid wait ID -o FILE`` downloads the output)."""
    return {
        "id": job.id,
        "model": job.model,
        "status": job.status,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "outputs": [mask_queries(url) if isinstance(url, str) else url for url in job.outputs],
        "error": mask_queries(job.error),
        "code": job.code,
    }

