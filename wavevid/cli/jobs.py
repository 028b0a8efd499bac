"""The commands that make and follow jobs on the account: ``generate``, ``submit``, ``status``,
``wait``, ``jobs`` and ``balance``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any, TextIO

from .. import _download
from .._job_data import JOB_ID_CHARACTERS, is_job_id
from .._short_text import short_repr
from ..errors import DownloadError
from ..jobs import Job
from ..results import VideoResult, mask_queries
from . import inputs
from .exit_codes import ExitCode, UsageError
from .progress import ProgressBar


def add_commands(commands: Any) -> None:
    """Add the job commands to an argparse subparsers object."""
    generate = commands.add_parser("generate", help="make a video and download it")
    inputs.add_model_inputs(generate)
    generate.add_argument("-o", "--output", metavar="FILE",
                          help="where to save the video (default: MODEL-DATE-TIME.mp4)")
    generate.add_argument("--timeout", type=seconds, metavar="S", help="the job's deadline")
    generate.add_argument("--webhook", metavar="URL", help="WaveSpeed also POSTs the outcome here")
    generate.add_argument(
        "--quiet", action="store_true", help="no progress bar, no notice about unverified models"
    )
    generate.set_defaults(run=_generate)

    submit = commands.add_parser("submit", help="submit a job and print its id at once")
    inputs.add_model_inputs(submit)
    submit.add_argument("--webhook", metavar="URL", help="WaveSpeed POSTs the outcome here")
    submit.add_argument("--quiet", action="store_true", help="no notice about unverified models")
    submit.set_defaults(run=_submit)

    status = commands.add_parser("status", help="a job's current state")
    status.add_argument("job_id", metavar="ID")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_status)

    wait = commands.add_parser("wait", help="wait for a job (from any process), then download")
    wait.add_argument("job_id", metavar="ID")
    wait.add_argument("-o", "--output", metavar="FILE",
                      help="where to save the video (default: MODEL-DATE-TIME.mp4)")
    wait.add_argument("--no-download", action="store_true",
                      help="only wait: print the outcome, download nothing")
    wait.add_argument("--timeout", type=seconds, metavar="S", help="how long to wait")
    wait.add_argument("--quiet", action="store_true", help="no progress bar")
    wait.set_defaults(run=_wait)

    balance = commands.add_parser("balance", help="the account balance")
    balance.set_defaults(run=_balance)

    jobs = commands.add_parser("jobs", help="recent jobs, newest first (WaveSpeed keeps 7 days)")
    jobs.add_argument("--model", help="only this model (name or path)")
    jobs.add_argument("--status", choices=["completed", "failed", "processing"])
    jobs.add_argument("--limit", type=int, default=20)
    jobs.set_defaults(run=_jobs)


def seconds(text: str) -> float:
    """``--timeout``'s value: a positive number of seconds (else argparse's usage error,
    exit 2, before anything is sent)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    return value


# --- commands ------------------------------------------------------------------------------------


def _generate(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    client = inputs.client_for(arguments)
    values = inputs.model_values(client, arguments)
    output = _writable(arguments.output or _default_output(arguments.model))
    with ProgressBar(quiet=arguments.quiet) as bar, inputs.in_command_words(client, arguments):
        result = client.generate(
            arguments.model, values, output_path=output, timeout=arguments.timeout,
            webhook_url=arguments.webhook, progress_callback=bar,
        )
    report_result(result, out)
    return ExitCode.OK


def _submit(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    client = inputs.client_for(arguments)
    values = inputs.model_values(client, arguments)
    with inputs.in_command_words(client, arguments):
        job = client.submit(arguments.model, values, webhook_url=arguments.webhook)
    out.write(f"{job.id}\n")
    return ExitCode.OK


def _status(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    job = inputs.client_for(arguments).get_job(_job_id(arguments.job_id))
    summary = _job_summary(job)
    if arguments.json:
        out.write(json.dumps(summary, indent=2) + "\n")
    else:
        outputs = summary.pop("outputs")
        for key, value in summary.items():
            if value not in (None, ""):
                out.write(f"{key}: {value}\n")
        out.write("".join(f"output: {url}\n" for url in outputs))
    return ExitCode.OK


def _wait(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    """Wait, then download to ``-o`` or the name ``generate`` would give (``--no-download``:
    only wait); the output's folder is checked before waiting."""
    if arguments.no_download and arguments.output:
        raise UsageError("-o and --no-download contradict each other: give one")
    client = inputs.client_for(arguments)
    job = client.get_job(_job_id(arguments.job_id))
    output = None
    if not arguments.no_download:
        model = client.catalog.find(job.model) if job.model else None
        output = _writable(arguments.output or _default_output(
            model.name if model else job.model or job.id
        ))
    with ProgressBar(quiet=arguments.quiet) as bar:
        job.wait(timeout=arguments.timeout, progress_callback=bar)
    if output is not None:
        out.write(f"saved {client.download(job, output)}\n")
    out.write(f"job {job.id} {job.status}\n")
    for url in job.outputs:
        out.write(f"output: {mask_queries(str(url))}\n")
    return ExitCode.OK


def _balance(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    out.write(f"${inputs.client_for(arguments).balance():.2f}\n")
    return ExitCode.OK


def _jobs(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    client = inputs.client_for(arguments)
    rows = []
    for count, job in enumerate(client.list_jobs(model=arguments.model, status=arguments.status)):
        if count >= arguments.limit:
            break
        rows.append(f"{job.id}  {job.status:<10} {_utc(job.created_at)}  {job.model}")
    out.write("".join(f"{row}\n" for row in rows) or "no jobs in the last 7 days\n")
    return ExitCode.OK


# --- helpers -------------------------------------------------------------------------------------


def _utc(moment: dt.datetime | None) -> str:
    """``2025-06-01 14:03:27Z``: UTC, ISO 8601 (a naive time is taken as UTC, as WaveSpeed's
    are); blank when unknown."""
    if moment is None:
        return " " * len("2025-06-01 14:03:27Z")
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def _writable(output: str) -> str:
    """``output`` when its folder can take the file; else UsageError, before anything is sent."""
    try:
        _download.check_writable(output)
    except DownloadError as error:
        raise UsageError(str(error)) from None
    return output


def _default_output(model: str) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{model.replace('/', '_')}-{stamp}.mp4"


def report_result(result: VideoResult, out: TextIO) -> None:
    """What a made video prints: the file, the job id and the estimated cost."""
    out.write(f"saved {result.path}\njob {result.job_id}\n")
    out.write(f"estimated cost: {_cost(result.estimated_cost)}\n")


def _cost(cost: Decimal | None) -> str:
    if cost is None:
        return "unknown (the catalog has no price for this input)"
    return f"${cost:.2f} (an estimate; WaveSpeed's bill is the truth)"


def _job_id(text: str) -> str:
    """``text`` when it is a job id; else UsageError (``ExitCode.USAGE``), before any request."""
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

