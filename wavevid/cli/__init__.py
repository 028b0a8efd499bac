"""The ``wavevid`` command (also ``python -m wavevid``): the parser and ``main``.

The commands live in ``jobs``, ``offline``, ``catalog`` and ``prices``; their exit codes are
``exit_codes.ExitCode``, the table docs/cli.md shows.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from .._logging import warnings_to_stderr
from .._warn import as_lines
from ..errors import UnverifiedModelWarning
from . import catalog, jobs, offline, prices
from .exit_codes import HANDLED
from .failures import report

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); returns the exit code
    (``exit_codes.ExitCode``)."""
    arguments = _parser().parse_args(argv)
    # The global flags, given before or after the command, count once.
    arguments.catalog += getattr(arguments, "catalog_after", [])
    arguments.debug = arguments.debug or getattr(arguments, "debug_after", False)
    offline_command = getattr(arguments, "offline", False)
    # --quiet, and the offline commands (nothing is billed), leave out the unverified notice.
    quiet = offline_command or getattr(arguments, "quiet", False)
    try:
        with as_lines(silenced=[UnverifiedModelWarning] if quiet else []):
            if offline_command:
                code: int = arguments.run(arguments, sys.stdout)
            else:
                with warnings_to_stderr():
                    code = arguments.run(arguments, sys.stdout)
    except HANDLED as error:
        code = report(error, debug=arguments.debug)
    return int(code)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wavevid", description="Prompt in, video file out, with WaveSpeedAI's video models."
    )
    parser.add_argument("--version", action="version", version=f"wavevid {__version__}")
    _global_flags(parser, "", default=True)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    jobs.add_commands(commands)
    offline.add_commands(commands)
    catalog.add_commands(commands)
    prices.add_commands(commands)
    _global_flags_after_commands(parser)
    return parser


def _global_flags(parser: argparse.ArgumentParser, suffix: str, *, default: bool) -> None:
    """``--catalog`` and ``--debug``; after a command (``suffix`` ``_after``) they default to
    nothing, so that a command's parser never erases what was given before it."""
    parser.add_argument(
        "--catalog", action="append", metavar="FOLDER", dest=f"catalog{suffix}",
        default=[] if default else argparse.SUPPRESS,
        help="an extra catalog folder, read after WAVEVID_CATALOG_PATH (repeatable)",
    )
    parser.add_argument(
        "--debug", action="store_true", dest=f"debug{suffix}",
        default=False if default else argparse.SUPPRESS, help="print tracebacks with errors",
    )


def _global_flags_after_commands(parser: argparse.ArgumentParser) -> None:
    """The global flags accepted after every command and subcommand too."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                _global_flags(command, "_after", default=False)
                _global_flags_after_commands(command)

