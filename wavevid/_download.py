"""Downloads of outputs: streamed, resumed with Range requests, length-checked, size-capped,
atomic on disk.

- Output hosts get no ``Authorization`` header (:meth:`Transport.open_stream` sends none), and
  redirects are followed by wavevid: at most ``DOWNLOAD_MAX_REDIRECTS``, to https only, their
  bodies never read (``_output_urls``).
- The body is read decoded and in chunks, all within one deadline (``_transfer``). A body a
  server content-encodes anyway (a CDN gzipping a video) is decoded, bounded per read; a coding
  that cannot be decoded is a DownloadError.
- Every download has a size limit in decoded bytes (:class:`DownloadLimits`), by default
  ``MAX_DOWNLOAD_MEMORY_BYTES`` in memory and ``MAX_DOWNLOAD_FILE_BYTES`` to a file.
- To a path it goes into ``<path>.part`` next to the target, which is flushed, fsynced and then
  moved onto the target with ``os.replace``: the target is either the old file, untouched, or
  the whole new one. :func:`check_writable` proves beforehand that the ``.part`` file can be
  created there.
- Every failure is a :class:`~wavevid.errors.DownloadError` and leaves nothing partial behind,
  and so does a ``KeyboardInterrupt`` at any step (a process killed outright can leave a
  ``.part`` file, which the next download to that path overwrites). Messages and logs show the
  URL without its query string, where signed URLs keep their secret.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from . import errors
from ._constants import DOWNLOAD_RESUMES, MAX_DOWNLOAD_FILE_BYTES, MAX_DOWNLOAD_MEMORY_BYTES
from ._deadline import Deadline
from ._output_urls import check_url, safe_url
from ._part_files import PART_FLAGS, check_writable, part_path, remove_quietly, sync_folder
from ._transfer import ProgressFn, SizeLimit, Transfer
from ._transport import Transport

__all__ = [
    "DownloadLimits",
    "ProgressFn",
    "check_writable",
    "download_to_bytes",
    "download_to_path",
]

_MEMORY_SETTING = "max_download_memory_bytes"
_FILE_SETTING = "max_download_file_bytes"


@dataclass(frozen=True)
class DownloadLimits:
    """Size limits of downloads, in decoded bytes; ``Client(max_download_memory_bytes=...,
    max_download_file_bytes=...)`` sets them. Raises ConfigurationError for a limit that is not
    a positive whole number."""

    memory_bytes: int = MAX_DOWNLOAD_MEMORY_BYTES
    """A download kept in memory (``generate()`` without ``output_path``, ``generate_video``)."""
    file_bytes: int = MAX_DOWNLOAD_FILE_BYTES
    """A download saved to a file (``output_path``, ``client.download``)."""

    def __post_init__(self) -> None:
        _positive(_MEMORY_SETTING, self.memory_bytes)
        _positive(_FILE_SETTING, self.file_bytes)

    @classmethod
    def configured(cls, memory_bytes: int | None, file_bytes: int | None) -> DownloadLimits:
        """The limits given, the defaults for those that are None."""
        return cls(
            MAX_DOWNLOAD_MEMORY_BYTES if memory_bytes is None else memory_bytes,
            MAX_DOWNLOAD_FILE_BYTES if file_bytes is None else file_bytes,
        )


def download_to_path(
    transport: Transport,
    url: str,
    path: str | os.PathLike[str],
    *,
    deadline: Deadline,
    on_progress: ProgressFn | None = None,
    max_resumes: int = DOWNLOAD_RESUMES,
    max_bytes: int = MAX_DOWNLOAD_FILE_BYTES,
) -> Path:
    """``Client.download`` (which states the contract) of ``url``, with ``transport`` (which
    sends no credentials), ``max_resumes`` transfers after the first, and at most ``max_bytes``
    decoded bytes (more is a DownloadError; ConfigurationError when it is not a positive whole
    number). ``on_progress(received, total)`` after each chunk ends with ``(size, size)``;
    ``received`` goes back only when a server ignoring ranges makes the download start over.
    An exception from it is logged once and ignored; KeyboardInterrupt removes the ``.part``."""
    check_url(url)
    limit = SizeLimit(_positive("max_bytes", max_bytes), _FILE_SETTING)
    target = check_writable(path)
    part = part_path(target)
    shown = safe_url(url)
    finished = False
    ours = True  # False when the .part file could not be opened: it is not ours to remove
    try:
        try:
            handle = os.open(part, PART_FLAGS, 0o666)
        except OSError as error:
            ours = False
            raise errors.DownloadError(
                f"download of {shown} failed: cannot create {part}: {error.strerror or error}"
            ) from None
        with os.fdopen(handle, "wb") as file:
            Transfer(
                transport, url, file, deadline=deadline, on_progress=on_progress,
                max_resumes=max_resumes, limit=limit,
            ).run()
            file.flush()
            os.fsync(file.fileno())
        part.replace(target)  # os.replace: atomic within the folder
        finished = True
    except OSError as error:  # the network's OSErrors are handled inside: this is the disk
        raise errors.DownloadError(
            f"download of {shown} failed: cannot write {part}: {error.strerror or error}"
        ) from None
    finally:
        # Any way out but success, a KeyboardInterrupt at any step included.
        if ours and not finished:
            remove_quietly(part)
    sync_folder(target.parent)
    return target


def download_to_bytes(
    transport: Transport,
    url: str,
    *,
    deadline: Deadline,
    on_progress: ProgressFn | None = None,
    max_resumes: int = DOWNLOAD_RESUMES,
    max_bytes: int = MAX_DOWNLOAD_MEMORY_BYTES,
) -> bytes:
    """Download ``url`` into memory.

    Args and behaviour as :func:`download_to_path`, without the file; ``max_bytes`` is the most
    decoded bytes kept.

    Returns:
        The whole body, decoded, its length checked against the announced one when there is one.

    Raises:
        DownloadError: as :func:`download_to_path`; nothing partial is returned.
        ConfigurationError: ``max_bytes`` is not a positive whole number.
    """
    check_url(url)
    limit = SizeLimit(_positive("max_bytes", max_bytes), _MEMORY_SETTING)
    buffer = io.BytesIO()
    Transfer(
        transport, url, buffer, deadline=deadline, on_progress=on_progress,
        max_resumes=max_resumes, limit=limit,
    ).run()
    return buffer.getvalue()


def download_output(
    transport: Transport,
    url: str,
    target: Path | None,
    *,
    deadline: Deadline,
    on_progress: ProgressFn | None = None,
    limits: DownloadLimits | None = None,
) -> tuple[bytes | None, Path | None]:
    """The output at ``url``: saved to ``target`` (``(None, path)``), or, without a target,
    held in memory (``(bytes, None)``), within ``limits`` (default: the defaults). Raises as
    the two functions it stands for."""
    limits = limits or DownloadLimits()
    if target is None:
        content = download_to_bytes(
            transport, url, deadline=deadline, on_progress=on_progress,
            max_bytes=limits.memory_bytes,
        )
        return content, None
    path = download_to_path(
        transport, url, target, deadline=deadline, on_progress=on_progress,
        max_bytes=limits.file_bytes,
    )
    return None, path


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise errors.ConfigurationError(
            f"{name} must be a positive whole number of bytes, not {value!r}"
        )
    return value
