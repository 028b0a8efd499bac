"""What a finished generation returns: ``VideoResult`` and, for batches, ``BatchItem``.

Their reprs (and the command's output, through :func:`mask_queries`) show every URL's query
string as ``?***``: a signed output or upload URL carries its signature there. The attributes and
``to_dict()`` keep the real URLs, which callers need.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any, Literal

from .errors import WavevidError

__all__ = ["BatchItem", "VideoResult"]

_QUERY = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s?#'\"]*)\?[^\s#'\"]*")


def mask_queries(text: str) -> str:
    """``text`` with the query string of every URL in it shown as ``?***``."""
    return _QUERY.sub(r"\1?***", text)


def _masked_repr(value: Any) -> str:
    """A dataclass's repr, its URLs' query strings masked."""
    shown = ", ".join(
        f"{item.name}={getattr(value, item.name)!r}" for item in fields(value) if item.repr
    )
    return mask_queries(f"{type(value).__name__}({shown})")


@dataclass
class VideoResult:
    """A generated video, downloaded: to ``path`` when one was given, else held in memory."""

    job_id: str
    """The WaveSpeed job id."""
    model_name: str
    """The catalog name (the path for a model outside the catalog)."""
    model_path: str
    """The WaveSpeed model path."""
    url: str
    """The output URL (temporary: WaveSpeed keeps outputs 7 days)."""
    outputs: list[Any]
    """Every output WaveSpeed returned; ``url`` is the first."""
    parameters: dict[str, Any]
    """The request body sent (uploaded media as their URLs)."""
    estimated_cost: Decimal | None
    """The catalog's price ESTIMATE in USD; None when unknown. WaveSpeed's bill is the truth."""
    elapsed_seconds: float
    """From the submit to the end of the download."""
    has_nsfw_contents: list[bool] = field(default_factory=list)
    path: Path | None = None
    """Where the video was saved, when ``output_path`` was given."""
    _content: bytes | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return _masked_repr(self)

    @property
    def seed(self) -> Any:
        """The seed sent (-1 asks WaveSpeed for a random one), or None."""
        return self.parameters.get("seed")

    def read(self) -> bytes:
        """The video's bytes (read from ``path`` when it was saved to disk)."""
        if self._content is not None:
            return self._content
        if self.path is None:
            raise WavevidError("this result holds no video")
        return self.path.read_bytes()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the video to ``path`` (atomically: a complete file or none); returns it."""
        target = Path(path)
        descriptor, name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        part = Path(name)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                if self._content is not None:
                    stream.write(self._content)
                elif self.path is not None:
                    with self.path.open("rb") as source:
                        shutil.copyfileobj(source, stream)
                stream.flush()
                os.fsync(stream.fileno())
            part.replace(target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return target

    def to_dict(self, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """The plain dict ``wavevid.generate_video`` returns (the original plan's shape).

        Args:
            mode: ``"python"``: every field as it is (``video_bytes``, ``cost`` a Decimal or
                None). ``"json"``: what ``json.dumps`` takes as it is: ``video_bytes`` left
                out (the file is not read), ``cost`` a string (``"0.40"``) or None, dates in
                ISO 8601.

        Raises:
            ValueError: another ``mode``.
        """
        if mode not in ("python", "json"):
            raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
        if mode == "json":
            return {key: _json_ready(value) for key, value in self._fields().items()}
        return {"video_bytes": self.read(), **self._fields()}

    def _fields(self) -> dict[str, Any]:
        return {
            "video_url": self.url,
            "outputs": list(self.outputs),
            "prompt": self.parameters.get("prompt"),
            "duration": self.parameters.get("duration"),
            "model_name": self.model_name,
            "model_path": self.model_path,
            "job_id": self.job_id,
            "parameters": dict(self.parameters),
            "seed": self.seed,
            "cost": self.estimated_cost,
            "elapsed_seconds": self.elapsed_seconds,
            "has_nsfw_contents": list(self.has_nsfw_contents),
        }


def _json_ready(value: Any) -> Any:
    """``value`` as JSON carries it: Decimals as strings, dates in ISO 8601, paths as
    strings, inside lists and mappings too; bytes left out."""
    if isinstance(value, Mapping):
        return {str(key): _json_ready(item) for key, item in value.items()
                if not isinstance(item, (bytes, bytearray, memoryview))}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value
                if not isinstance(item, (bytes, bytearray, memoryview))]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    return value


@dataclass
class BatchItem:
    """One request of ``generate_many`` and how it ended: a result or an error."""

    request: Mapping[str, Any]
    """The request as given."""
    job_id: str | None = None
    """The job's id once submitted (also when it later failed)."""
    result: VideoResult | None = None
    error: BaseException | None = None
    index: int = 0
    """The request's position in the list given to ``generate_many`` (``AsyncClient``'s
    yields items as they finish, in any order)."""

    def __repr__(self) -> str:
        return _masked_repr(self)

    @property
    def ok(self) -> bool:
        return self.result is not None
