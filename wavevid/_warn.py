"""wavevid's warnings: what the user's code must hear about, given once, where it is seen.

The library logs nowhere by default, so a misuse or a result to trust less goes through
:mod:`warnings` with a :class:`~wavevid.errors.WavevidWarning` category, which Python shows on
stderr unless the application filters it; operational events stay in logging. Each warning is
given at most once per subject (a model, a path) per process, and is attributed to the first
caller outside wavevid, so that Python's own filters and "once per location" work on the
user's line. The command prints them as ``wavevid: MESSAGE`` lines (:func:`as_lines`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .errors import WavevidWarning

if TYPE_CHECKING:
    from types import FrameType

_PACKAGE = f"{Path(__file__).parent}{os.sep}"
_given: set[tuple[type[Warning], str]] = set()
# Reentrant: a showwarning hook may build a payload of its own.
_lock = threading.RLock()


def warn_once(category: type[WavevidWarning], subject: str, message: str) -> None:
    """Warn ``message`` unless a warning of ``category`` about ``subject`` was given already in
    this process. A filter that turns it into an error raises it every time."""
    with _lock:
        if (category, subject) in _given:
            return
        warnings.warn(message, category, stacklevel=_caller_level())
        _given.add((category, subject))


def _caller_level() -> int:
    """The ``stacklevel`` (for a ``warnings.warn`` in :func:`warn_once`) of the nearest frame
    outside the wavevid package."""
    level = 2
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back
    return level


@contextlib.contextmanager
def as_lines(
    stream: TextIO | None = None,
    prefix: str = "wavevid: ",
    silenced: Iterable[type[WavevidWarning]] = (),
) -> Iterator[None]:
    """While inside: wavevid's warnings go to ``stream`` (default stderr) as ``prefix +
    message`` lines, those of ``silenced`` categories nowhere; other warnings as Python shows
    them. For the command, which owns the process (not thread-safe: :mod:`warnings` is not)."""
    with warnings.catch_warnings():
        for category in silenced:
            warnings.simplefilter("ignore", category)
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *rest: Any, **options: Any) -> None:
            if issubclass(category, WavevidWarning):
                (stream or sys.stderr).write(f"{prefix}{message}\n")
            else:
                shown(message, category, *rest, **options)

        warnings.showwarning = show
        yield
