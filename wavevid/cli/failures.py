"""What the command says on stderr when it fails: one ``wavevid: ...`` message per error, with
how to resume or where to look, in the command's words (``--file image=frame.png``, ``wavevid
wait ID``) where the library's speak Python; the exit code comes from ``exit_codes``.

Each translation is keyed on what the error carries (its class and attributes, a problem's
parameter and the model's media parameters), never on the library's wording."""

from __future__ import annotations

import argparse
import sys
import traceback
from typing import TYPE_CHECKING

from .._constants import API_KEY_ENV, API_KEYS_URL
from .._media_slots import media_problem
from .._payload import option_meant
from .._short_text import short_repr
from ..errors import (
    ConfigurationError,
    DownloadError,
    JobTimeoutError,
    ParameterProblem,
    SubmissionUncertainError,
)
from .exit_codes import ExitCode, exit_code_for

if TYPE_CHECKING:
    from ..catalog import Model
    from .inputs import Given

#: The library's options of a call that a command offers as a flag: (the flag's dest, the flag).
_OPTION_FLAGS = {
    "timeout": ("timeout", "--timeout"),
    "webhook_url": ("webhook", "--webhook"),
    "output_path": ("output", "-o"),
}


def report(error: BaseException, *, debug: bool) -> ExitCode:
    """Print ``error`` on stderr (after its traceback when ``debug``); return its exit code.

    ``error`` is one of ``exit_codes.HANDLED``."""
    code = exit_code_for(error)
    if debug:
        traceback.print_exception(error)
    print(f"wavevid: {_message(error, code)}", file=sys.stderr)
    return code


def _message(error: BaseException, code: ExitCode) -> str:
    if isinstance(error, KeyboardInterrupt):
        if code is ExitCode.UNCERTAIN:
            return _interrupted_submit(error)
        job_id = getattr(error, "job_id", None)
        return f"interrupted; job {job_id} still runs: wavevid wait {job_id} -o FILE" if job_id \
            else "interrupted"
    if isinstance(error, JobTimeoutError):
        return (f"job {error.job_id} not finished after {error.timeout:g} s; it still runs on"
                f" WaveSpeed; resume: wavevid wait {error.job_id} -o FILE")
    if isinstance(error, SubmissionUncertainError):
        return _uncertain(error)
    if isinstance(error, ConfigurationError) and error.missing == "api_key":
        return f"no API key: set {API_KEY_ENV} (keys: {API_KEYS_URL})"
    if isinstance(error, DownloadError) and error.job_id:
        return (f"{error}; job {error.job_id} completed: wavevid wait {error.job_id} -o FILE"
                " downloads it again")
    return str(error)


def input_problem(
    problem: ParameterProblem, model: Model, item: Given | None,
    arguments: argparse.Namespace,
) -> ParameterProblem:
    """``problem`` (the library's, about ``model``'s input) in the command's words when the
    command line gave its parameter (``item``) and can say it better; else as it is."""
    key = problem.parameter
    if item is None:
        return problem
    if item.flag == "--file" and key not in model.media:
        return ParameterProblem(key, f"not a media parameter, so --file cannot upload to it"
                                     f" ({_media_words(model)})")
    kind = model.media.get(key)
    if item.flag == "--param" and kind and media_problem(item.text, kind) is not None:
        uploads = getattr(arguments, "uploads", True)  # quote uploads nothing
        upload = f"to upload a local {kind}: --file {key}={item.text}" if uploads \
            else "give a URL: a quote uploads nothing"
        return ParameterProblem(key, f"{short_repr(item.text)} is not a URL; {upload}")
    option = option_meant(key, model.parameters) if key not in model.parameters else None
    if item.flag == "--param" and option is not None:
        dest, flag = _OPTION_FLAGS.get(option, ("", ""))
        hint = f"did you mean the option {flag}?" if hasattr(arguments, dest) and dest \
            else f"{model.name} takes: {', '.join(model.parameters)}"
        return ParameterProblem(key, f"unknown parameter; {hint}")
    return problem


def _media_words(model: Model) -> str:
    if not model.media:
        return f"{model.name} takes no files; a URL goes in --param"
    return f"{model.name}'s media parameters: {', '.join(model.media)}"


def _interrupted_submit(interrupt: KeyboardInterrupt) -> str:
    model = getattr(interrupt, "model", "?")
    since = getattr(interrupt, "submitted_at", None)
    when = since.isoformat(timespec="seconds") if since else "the interrupt"
    return (
        f"interrupted during the submit to {model}: the job may exist and be billed"
        f" (fingerprint {getattr(interrupt, 'fingerprint', '?')}); look for a job created"
        f" after {when}: wavevid jobs --model {model}; never resubmit before you have looked"
    )


def _uncertain(error: SubmissionUncertainError) -> str:
    """The error, then every candidate job it could not identify, then how to look."""
    when = error.submitted_at.isoformat(timespec="seconds")
    lines = [str(error)]
    if error.candidates:
        lines.append("jobs that may be it, none identified as it (by input, in the window):")
        for candidate in error.candidates:
            created = candidate.created_at.isoformat(timespec="seconds") if candidate.created_at \
                else "?"
            lines.append(f"  {candidate.id}  {candidate.status}  created {created}")
        lines.append("look at one: wavevid status ID; never resubmit before you have looked")
    else:
        lines.append(f"no job found yet; check `wavevid jobs --model {error.model}` for a job"
                     f" created after {when} before resubmitting")
    return "\n".join(lines)
