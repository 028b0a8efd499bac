"""Progress reporting: ``progress_callback(fraction, message)`` under the rules of DESIGN.md.

Fractions never decrease; they stay still while the job is queued, advance with processing
time against the expected time without reaching the job's share, then follow the downloaded
bytes, and end at exactly 1.0. A callback that raises is logged once and ignored after that;
KeyboardInterrupt goes through.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

from ._logging import get_logger

logger = get_logger("wavevid.progress")

ProgressCallback = Callable[[float, str], None]

# Past the expected time the processing estimate creeps toward this share of the job's part of
# the bar and never arrives (even in floating point): only the job's end may fill it.
_PROCESSING_LIMIT = 0.98
# The download never shows complete before the file is in place.
_DOWNLOAD_CEILING = 0.999


def check_callback(callback: object, arity: int, what: str) -> None:
    """Raise TypeError, before anything is sent, unless ``callback`` is None or a callable that
    takes ``arity`` positional arguments (``what`` names it in the message: ``"progress_callback
    (fraction, message)"``). A callable whose signature cannot be read (some builtins) passes:
    only a signature that certainly refuses the call is an error."""
    if callback is None:
        return
    if not callable(callback):
        raise TypeError(f"{what} must be callable, not {type(callback).__name__}")
    try:
        signature = inspect.signature(callback)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*[None] * arity)
    except TypeError as error:
        name = getattr(callback, "__qualname__", type(callback).__qualname__)
        bare = signature.replace(
            parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
            return_annotation=signature.empty,
        )
        raise TypeError(
            f"{what} must take {arity} positional arguments; {name}{bare} cannot ({error})"
        ) from None


def processing_curve(ratio: float) -> float:
    """Fraction of the job's share for ``ratio`` = processing time / expected time: linear to
    0.9 at the expected time, then creeping toward 0.98, never reaching it."""
    if ratio <= 1.0:
        return 0.9 * max(0.0, ratio)
    return 0.9 + (_PROCESSING_LIMIT - 0.9) * (1.0 - math.pow(0.5, ratio - 1.0))


class Progress:
    """Feeds one job's progress to a callback (or to nothing, cheaply)."""

    def __init__(self, callback: ProgressCallback | None, job_share: float = 1.0) -> None:
        """``job_share``: the part of the bar the job fills; the download fills the rest."""
        self._callback = callback
        self._share = job_share
        self._last = 0.0
        self._complained = False

    @property
    def active(self) -> bool:
        return self._callback is not None

    @property
    def fraction(self) -> float:
        return self._last

    def queued(self) -> None:
        self._report(self._last, "queued")

    def processing(self, seconds: float, expected: float) -> None:
        fraction = self._share * processing_curve(seconds / expected if expected > 0 else 1.0)
        self._report(fraction, f"processing ({seconds:.0f} s of about {expected:.0f} s)")

    def job_completed(self) -> None:
        """The job ended well: the end, unless a download follows (``finished`` then)."""
        if self._share < 1.0:
            self._report(self._share, "completed")
        else:
            self.finished()

    def downloading(self, received: int, total: int | None) -> None:
        if total:
            share = self._share + (1.0 - self._share) * min(received / total, 1.0)
            fraction = min(share, _DOWNLOAD_CEILING)
            message = f"downloading {_size(received)} of {_size(total)}"
        else:
            fraction, message = self._last, f"downloading {_size(received)}"
        self._report(fraction, message)

    def finished(self) -> None:
        """Everything is done: exactly 1.0, reported once."""
        if self._callback is not None and self._last < 1.0:
            self._report(1.0, "done")

    def _report(self, fraction: float, message: str) -> None:
        if self._callback is None:
            return
        self._last = max(self._last, min(fraction, 1.0))
        try:
            self._callback(self._last, message)
        except Exception:
            if not self._complained:
                self._complained = True
                logger.exception("the progress callback raised; its errors are ignored")


def _size(count: int) -> str:
    """Bytes for people: ``15 KB``, ``4.2 MB``."""
    if count < 1_000_000:
        return f"{count / 1000:.0f} KB"
    return f"{count / 1e6:.1f} MB"
