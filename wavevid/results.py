"""What a finished generation returns: ``VideoResult`` and, for batches, ``BatchItem``.

Their reprs (and the command's output, through :func:`mask_queries`) show every URL's query
string as ``?***``: a signed output or upload URL carries its signature there. The attributes and
``to_dict()`` keep the real URLs, which callers need.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import WavevidError

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

    def to_dict(self) -> dict[str, Any]:
        """The plain dict ``wavevid.generate_video`` returns (the original plan's shape)."""
        return {
            "video_bytes": self.read(),
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


@dataclass
class BatchItem:
    """One request of ``Client.generate_many`` and how it ended: a result or an error."""

    request: Mapping[str, Any]
    """The request as given."""
    job_id: str | None = None
    """The job's id once submitted (also when it later failed)."""
    result: VideoResult | None = None
    error: BaseException | None = None

    def __repr__(self) -> str:
        return _masked_repr(self)

    @property
    def ok(self) -> bool:
        return self.result is not None
