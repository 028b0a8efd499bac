"""Local media for upload: a path, bytes or a file object, opened as a sized source that can
be sent again from its start, and its format recognised from its first bytes."""

from __future__ import annotations

import io
import mimetypes
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import IO, Any

from ._constants import UPLOAD_CHUNK_BYTES, UPLOAD_SPOOL_MEMORY_BYTES
from ._deadline import Deadline
from ._logging import get_logger

logger = get_logger("wavevid.media")

FALLBACK_TYPE = "application/octet-stream"
# Enough leading bytes to recognise every format in sniff (EBML's DocType comes latest).
HEAD_BYTES = 64


class SourceFailed(Exception):
    """Reading the local source failed while sending; carries the error to raise instead."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class UploadBody:
    """A local source, opened: its size, a name, its first bytes, and its bytes from the start
    as often as an attempt needs them."""

    def __init__(self, size: int, name: str | None, head: bytes, what: str) -> None:
        self.size = size
        self.name = name
        self.head = head
        self.what = what

    def chunks(self, deadline: Deadline) -> Iterator[bytes | memoryview]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the source (a file this module opened is closed)."""


class _Buffer(UploadBody):
    def __init__(self, view: memoryview) -> None:
        super().__init__(view.nbytes, None, bytes(view[:HEAD_BYTES]), "the bytes")
        self._view = view

    def chunks(self, deadline: Deadline) -> Iterator[memoryview]:
        for start in range(0, self.size, UPLOAD_CHUNK_BYTES):
            deadline.check(f"still sending {self.what}")
            yield self._view[start : start + UPLOAD_CHUNK_BYTES]

    def close(self) -> None:
        self._view.release()


class _File(UploadBody):
    """``size`` bytes of a seekable file from position ``start``."""

    def __init__(
        self, file: IO[bytes], start: int, size: int, name: str | None, what: str, *, owned: bool
    ) -> None:
        file.seek(start)
        head = bytes(_as_bytes(file.read(HEAD_BYTES), what))
        file.seek(start)
        super().__init__(size, name, head, what)
        self._file = file
        self._start = start
        self._owned = owned

    def chunks(self, deadline: Deadline) -> Iterator[bytes]:
        left = self.size
        try:
            self._file.seek(self._start)
            while left:
                deadline.check(f"still sending {self.what}")
                chunk = self._file.read(min(UPLOAD_CHUNK_BYTES, left))
                if not chunk:
                    raise SourceFailed(
                        ValueError(
                            f"{self.what} ended after {self.size - left} of the {self.size}"
                            " bytes announced for it; was it changed during the upload?"
                        )
                    )
                chunk = bytes(chunk[:left]) if len(chunk) > left else chunk
                left -= len(chunk)
                yield chunk
        except OSError as error:
            raise SourceFailed(error) from None

    def close(self) -> None:
        if self._owned:
            self._file.close()
            return
        try:  # the caller's file: back where it was, so that a second upload sends the same
            self._file.seek(self._start)
        except (OSError, ValueError):
            logger.debug("could not restore the position of %s", self.what)


def open_source(source: object, deadline: Deadline) -> UploadBody:
    if isinstance(source, str):
        raise TypeError(
            "a str is a URL, never a local file name (so that a form field cannot make the"
            " server upload its own files): pass pathlib.Path(...) for a local file, or bytes"
            " or a binary file object"
        )
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        # Byte-sized items, one dimension; a non-contiguous view has to be copied.
        return _Buffer(view.cast("B") if view.c_contiguous else memoryview(view.tobytes()))
    if isinstance(source, os.PathLike):
        return _open_path(Path(os.fsdecode(source)))
    if isinstance(source, io.TextIOBase):
        raise TypeError("the file is open in text mode: open it with 'rb' to upload it")
    if not callable(getattr(source, "read", None)):
        raise TypeError(
            f"cannot upload a {type(source).__name__}: expected a pathlib.Path, bytes or a"
            " binary file object"
        )
    return _open_file(source, deadline)


def _open_path(path: Path) -> _File:
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise ValueError(f"cannot upload {path}: no such file") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"cannot upload {path}: it is a directory")
    if not stat.S_ISREG(mode):  # a FIFO or device: opening may block, reading may never end
        raise ValueError(f"cannot upload {path}: not a regular file")
    file = path.open("rb")
    try:
        size = os.fstat(file.fileno()).st_size
        return _File(file, 0, size, path.name, str(path), owned=True)
    except BaseException:
        file.close()
        raise


def _open_file(file: Any, deadline: Deadline) -> _File:
    name = _file_name(file)
    what = f"the file object {name}" if name else "the file object"
    try:
        start = file.tell() if file.seekable() else None
    except (AttributeError, OSError):
        start = None
    if start is None:
        return _spool(file, name, what, deadline)
    file.seek(0, io.SEEK_END)
    end = file.tell()
    if start:
        what += f" (from position {start})"
    return _File(file, start, max(0, end - start), name, what, owned=False)


def _spool(file: Any, name: str | None, what: str, deadline: Deadline) -> _File:
    """Copy a stream that cannot seek to a temporary file (in memory while small)."""
    # Not a with block: on success the spool lives on inside the returned _File, which closes it.
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=UPLOAD_SPOOL_MEMORY_BYTES)  # noqa: SIM115
    try:
        while True:
            deadline.check(f"still reading {what}")
            chunk = file.read(UPLOAD_CHUNK_BYTES)
            if chunk is None:
                raise ValueError(f"{what} is non-blocking and had no data ready")
            if not chunk:
                break
            spool.write(_as_bytes(chunk, what))
        size = spool.tell()
        logger.debug("spooled %d bytes of %s (it cannot seek)", size, what)
        return _File(spool, 0, size, name, what, owned=True)
    except BaseException:
        spool.close()
        raise


def _as_bytes(data: Any, what: str) -> Any:
    if isinstance(data, str):
        raise TypeError(f"{what} is open in text mode: open it with 'rb' to upload it")
    return data if data is not None else b""


def _file_name(file: Any) -> str | None:
    """The base name of a file object's ``name``; None for an fd number or ``<stdin>``."""
    name = getattr(file, "name", None)
    if not isinstance(name, str) or (name.startswith("<") and name.endswith(">")):
        return None
    return PurePath(name).name or None


def guess_type(filename: str) -> str | None:
    guessed = mimetypes.guess_type(filename, strict=False)[0]
    return guessed if guessed != FALLBACK_TYPE else None


_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"GIF87a", ".gif", "image/gif"),
    (b"GIF89a", ".gif", "image/gif"),
    (b"OggS", ".ogg", "audio/ogg"),
    (b"fLaC", ".flac", "audio/flac"),
    (b"ID3", ".mp3", "audio/mpeg"),
)


def sniff(head: bytes) -> tuple[str, str] | None:
    """The extension and content type of the media format ``head`` starts with, or None."""
    for prefix, extension, kind in _SIGNATURES:
        if head.startswith(prefix):
            return extension, kind
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE"):
        return (".webp", "image/webp") if head[8:12] == b"WEBP" else (".wav", "audio/wav")
    if head[4:8] == b"ftyp":  # ISO base media: the brand tells QuickTime and audio-only apart
        brand = head[8:12]
        if brand == b"qt  ":
            return ".mov", "video/quicktime"
        if brand in (b"M4A ", b"M4B "):
            return ".m4a", "audio/mp4"
        return ".mp4", "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska, or WebM by its DocType
        return (".webm", "video/webm") if b"webm" in head else (".mkv", "video/x-matroska")
    if len(head) >= 2 and head[0] == 0xFF and _is_mpeg_audio_frame(head[1]):
        return ".mp3", "audio/mpeg"
    return None


def _is_mpeg_audio_frame(second: int) -> bool:
    """After 0xFF: the rest of the 11-bit frame sync, a valid version, and a layer (1-3),
    which rules out AAC's ADTS (layer 0) and JPEG (0xD8)."""
    return second & 0xE0 == 0xE0 and (second >> 3) & 3 != 1 and (second >> 1) & 3 != 0
