"""The command's progress bar: tqdm on stderr, only for a person at a terminal."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO

from tqdm import tqdm

_STEPS = 1000


class ProgressBar:
    """A ``progress_callback`` that draws a bar: status, elapsed time, then download bytes.

    Draws nothing when ``quiet`` or when the stream is not a terminal (a pipe, a log file, CI).
    """

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        stream = stream or sys.stderr
        self._bar: tqdm[Any] | None = None
        if not quiet and stream.isatty():
            self._bar = tqdm(
                total=_STEPS,
                file=stream,
                bar_format="{desc:<34} {bar} {percentage:3.0f}% {elapsed}",
                dynamic_ncols=True,
                mininterval=0,  # updates come about once a second: draw each
                leave=True,
            )

    def __call__(self, fraction: float, message: str) -> None:
        if self._bar is None:
            return
        self._bar.set_description_str(message, refresh=False)
        self._bar.update(round(fraction * _STEPS) - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
