"""The ``wavevid`` command's exit codes, the one table (docs/cli.md shows it; a test compares
them), and which error exits with which code."""

from __future__ import annotations

from enum import IntEnum

from ..catalog_sync import SyncError
from ..errors import (
    CatalogError,
    ConfigurationError,
    InvalidParametersError,
    JobTimeoutError,
    SubmissionUncertainError,
    UnknownModelError,
    WavevidError,
)


class ExitCode(IntEnum):
    """What the command's exit status means."""

    OK = 0
    """Success."""
    FAILED = 1
    """The job failed, the service answered an error, or the download failed."""
    USAGE = 2
    """Bad usage: invalid parameters, an unknown model, a missing key, a bad catalog, an output
    folder that cannot be written; nothing was submitted."""
    DRIFT = 3
    """``catalog diff`` found local entries that differ from WaveSpeed's live list."""
    TIMEOUT = 4
    """Our deadline passed while the job still runs remotely."""
    UNCERTAIN = 5
    """The submit may have been accepted (and billed), and no job was identified as it."""
    INTERRUPTED = 130
    """Ctrl-C, anywhere but during a submit's round trip."""


class UsageError(Exception):
    """The command line asks for something that cannot work; nothing was sent.
    Exits with ``ExitCode.USAGE``."""


_USAGE_ERRORS = (
    CatalogError, ConfigurationError, InvalidParametersError, UnknownModelError, UsageError,
    SyncError,
)

#: What the command turns into an exit code and a message; anything else is a bug, and
#: propagates with its traceback.
HANDLED = (KeyboardInterrupt, WavevidError, *_USAGE_ERRORS)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code for one of the ``HANDLED`` errors (the most specific class wins)."""
    if isinstance(error, KeyboardInterrupt):
        interrupted_submit = getattr(error, "job_id", None) is None and hasattr(
            error, "fingerprint"
        )
        return ExitCode.UNCERTAIN if interrupted_submit else ExitCode.INTERRUPTED
    if isinstance(error, JobTimeoutError):
        return ExitCode.TIMEOUT
    if isinstance(error, SubmissionUncertainError):
        return ExitCode.UNCERTAIN
    if isinstance(error, _USAGE_ERRORS):
        return ExitCode.USAGE
    return ExitCode.FAILED
