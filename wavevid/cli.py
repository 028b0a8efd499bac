"""The ``wavevid`` command (also ``python -m wavevid``).

Exit codes: 0 success; 1 the job failed or the service answered an error; 2 bad usage, invalid
parameters, an unknown model, a missing key or a bad catalog; 3 catalog drift (``catalog
diff``); 4 our deadline
passed while the job still runs (its id is printed); 5 the submit may have been accepted.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from . import __version__, _cli_catalog, _cli_jobs, _cli_prices
from ._logging import warnings_to_stderr
from ._warn import as_lines
from .catalog_sync import SyncError
from .errors import (
    CatalogError,
    ConfigurationError,
    InvalidParametersError,
    JobTimeoutError,
    SubmissionUncertainError,
    UnknownModelError,
    UnverifiedModelWarning,
    WavevidError,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 4
EXIT_UNCERTAIN = 5
EXIT_INTERRUPTED = 130

_USAGE_ERRORS = (
    CatalogError, ConfigurationError, InvalidParametersError, UnknownModelError,
    _cli_jobs.UsageError,
    SyncError,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    arguments = _parser().parse_args(argv)
    offline = getattr(arguments, "offline", False)
    # --quiet, and the offline commands (nothing is billed), leave out the unverified notice.
    silenced = [UnverifiedModelWarning] if offline or getattr(arguments, "quiet", False) else []
    try:
        with as_lines(silenced=silenced):
            if offline:
                code: int = arguments.run(arguments, sys.stdout)
            else:
                with warnings_to_stderr():
                    code = arguments.run(arguments, sys.stdout)
    except KeyboardInterrupt as interrupt:
        job_id = getattr(interrupt, "job_id", None)
        if job_id is None and hasattr(interrupt, "fingerprint"):
            return _fail(arguments, EXIT_UNCERTAIN, _interrupted_submit(interrupt))
        resume = f"; job {job_id} still runs: wavevid wait {job_id} -o FILE" if job_id else ""
        return _fail(arguments, EXIT_INTERRUPTED, f"interrupted{resume}")
    except JobTimeoutError as error:
        resume = f"resume: wavevid wait {error.job_id} -o FILE"
        return _fail(arguments, EXIT_TIMEOUT, f"{error}; {resume}")
    except SubmissionUncertainError as error:
        return _fail(arguments, EXIT_UNCERTAIN, _uncertain(error))
    except _USAGE_ERRORS as error:
        return _fail(arguments, EXIT_USAGE, str(error))
    except WavevidError as error:
        return _fail(arguments, EXIT_FAILED, str(error))
    return code


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


def _fail(arguments: argparse.Namespace, code: int, message: str) -> int:
    if arguments.debug:
        traceback.print_exc()
    print(f"wavevid: {message}", file=sys.stderr)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wavevid", description="Prompt in, video file out, with WaveSpeedAI's video models."
    )
    parser.add_argument("--version", action="version", version=f"wavevid {__version__}")
    parser.add_argument(
        "--catalog", action="append", default=[], metavar="FOLDER",
        help="an extra catalog folder, read after WAVEVID_CATALOG_PATH (repeatable)",
    )
    parser.add_argument("--debug", action="store_true", help="print tracebacks with errors")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _cli_jobs.add_commands(commands)
    _cli_catalog.add_commands(commands)
    _cli_prices.add_commands(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
