"""The files of a download to a path: the pre-submit check that a download could be saved, the
``.part`` file next to the target, and making the final rename durable.

Nothing here leaves a file behind on any way out, a ``KeyboardInterrupt`` at any step included
(a process killed outright can leave a ``.part`` file, which the next download to that path
overwrites).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from . import errors
from ._logging import get_logger

logger = get_logger("wavevid.download")

_PART_SUFFIX = ".part"
# Never follow a symbolic link planted where the .part file goes.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
PART_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NO_FOLLOW
"""Opening the ``.part`` file: a stale one is truncated, a symbolic link refused."""
_PROBE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_FOLLOW


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Check that a download could be saved at ``path``, before paying for it.

    The target's folder must exist and be a folder; the target, if it exists, a regular file;
    and ``<name>.part`` must be creatable next to it: it is created and removed again, which
    proves the folder writable and the name not too long for its filesystem (``os.access`` is
    wrong on some filesystems). A ``.part`` left by a killed process must be a regular file,
    and the folder is then tried with a probe file of another name. Nothing is left or changed, a
    ``KeyboardInterrupt`` at any step included.

    Returns:
        The resolved target path (symbolic links followed).

    Raises:
        DownloadError: saying which of those conditions fails.
    """
    target = Path(path).resolve()
    folder = target.parent
    try:
        problem = _unusable(target)
    except OSError as error:  # a name too long even without ``.part``
        problem = error.strerror or str(error)
    if problem is not None:
        raise errors.DownloadError(f"cannot save a download as {target}: {problem}")
    part = part_path(target)
    try:
        left = part.lstat()
    except FileNotFoundError:
        left = None
    except OSError as error:  # the name is too long, or the folder cannot be searched
        raise _unwritable(target, part, error) from None
    if left is not None and not stat.S_ISREG(left.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(left.st_mode) else "not a regular file"
        raise errors.DownloadError(
            f"cannot save a download as {target}: cannot create {part}: it exists and is {kind}"
        )
    # A .part left by a killed process shows the name is fine; the folder is tried instead.
    probe = part if left is None else folder / f".wavevid-{secrets.token_hex(8)}.probe"
    try:
        _probe(probe)
    except OSError as error:
        raise _unwritable(target, part, error) from None
    return target


def _unusable(target: Path) -> str | None:
    folder = target.parent
    if target.exists() and not target.is_file():
        return "it is a folder" if target.is_dir() else "it is not a regular file"
    if not folder.exists():
        return f"the folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    return None


def part_path(target: Path) -> Path:
    """Where the download to ``target`` is written until it is complete."""
    return target.with_name(target.name + _PART_SUFFIX)


def _probe(path: Path) -> None:
    """Create ``path`` (never over an existing file) and remove it. Raises OSError when it
    cannot be created; an interrupt at any step leaves nothing behind."""
    try:
        handle = os.open(path, _PROBE_FLAGS, 0o666)
    except OSError:
        raise  # nothing was made
    except BaseException:
        remove_quietly(path)  # interrupted as the file was made
        raise
    try:
        os.close(handle)
    finally:
        remove_quietly(path)


def _unwritable(target: Path, part: Path, error: OSError) -> errors.DownloadError:
    return errors.DownloadError(
        f"cannot save a download as {target}: cannot create {part.name} in {part.parent}"
        f" ({error.strerror or error})"
    )


def remove_quietly(path: Path) -> None:
    """Remove ``path`` if it is there; a failure is logged, never raised."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        logger.warning("could not remove %s: %s", path, error)


def sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a failure here loses nothing already written."""
    if os.name != "posix":
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        logger.debug("could not fsync the folder %s", folder)
    finally:
        os.close(handle)
