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
import functools
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from .errors import WavevidWarning

if TYPE_CHECKING:
    from types import FrameType

_PACKAGE = f"{Path(__file__).parent}{os.sep}"
_given: set[tuple[type[Warning], str]] = set()
# Reentrant: a showwarning hook may build a payload of its own.
_lock = threading.RLock()

F = TypeVar("F", bound=Callable[..., Any])


def warn_once(category: type[WavevidWarning], subject: str, message: str) -> None:
    """Warn ``message`` unless a warning of ``category`` about ``subject`` was given already in
    this process. A filter that turns it into an error raises it every time."""
    with _lock:
        if (category, subject) in _given:
            return
        warnings.warn(message, category, stacklevel=_caller_level())
        _given.add((category, subject))


def warn_if_loop_running(call: str) -> None:
    """Warn once (WavevidWarning) when the blocking ``call`` is made on a thread whose asyncio
    event loop is running: every other task of that loop stops until it returns. Not under an
    IPython kernel, whose loop always runs while a cell does."""
    asyncio = sys.modules.get("asyncio")  # not imported: no loop can be running
    if asyncio is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    if _under_ipython_kernel():
        return
    warn_once(WavevidWarning, "blocking call in a running event loop", (
        f"{call} blocks this thread, whose asyncio event loop stops until it returns (minutes"
        " for a video): await wavevid.AsyncClient().generate(...) or"
        " wavevid.agenerate_video(...) instead"
    ))


def _under_ipython_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)()
    return shell is not None and hasattr(shell, "kernel")


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


def keywords_after(first: int, names: Sequence[str], until: str) -> Callable[[F], F]:
    """Decorate a method whose parameters after the ``first`` positional ones (``self`` not
    counted) became keyword-only: callers that still pass ``names`` (in that order)
    positionally keep working until version ``until``, with a DeprecationWarning naming the
    keywords to use."""

    def decorate(function: F) -> F:
        called = function.__qualname__.removesuffix(".__init__")

        @functools.wraps(function)
        def accepting(*args: Any, **kwargs: Any) -> Any:
            extra = args[first + 1:]
            if extra:
                if len(extra) > len(names):
                    raise TypeError(f"{called}() takes at most"
                                    f" {first + len(names)} positional arguments")
                moved = names[: len(extra)]
                for name, value in zip(moved, extra, strict=True):
                    if name in kwargs:
                        raise TypeError(f"{called}() got multiple values for"
                                        f" argument {name!r}")
                    kwargs[name] = value
                warnings.warn(
                    f"{called}(): pass {', '.join(moved)} by keyword"
                    f" ({moved[0]}=...); positional use stops working in wavevid {until}",
                    DeprecationWarning, stacklevel=2,
                )
            return function(*args[: first + 1], **kwargs)

        return accepting  # type: ignore[return-value]

    return decorate
