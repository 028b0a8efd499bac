"""The videos ``FakeWaveSpeed`` serves: the shipped sample MP4, made distinct per job.

Each completed job serves the sample with one more top-level ``free`` box at the end, holding
``wavevid-fake-job:<job id>``. Players and ``ffprobe`` skip ``free`` boxes, and appending one
moves no other box (so ``moov``'s chunk offsets stay right): the file is still a valid MP4 that
starts with its ``ftyp`` box, and a test can tell one job's video from another's.
"""

from __future__ import annotations

import functools
from importlib import resources

_FREE_BOX_HEADER = 8
"""A box's 32-bit big-endian size (header included) and its four-letter type."""
JOB_TAG = b"wavevid-fake-job:"
"""What precedes the job id inside the ``free`` box."""


@functools.lru_cache(maxsize=1)
def sample_video() -> bytes:
    """Return the small real MP4 (H.264 + AAC, 160x90, 1.5 s) shipped with this package."""
    return (resources.files("wavevid.testing") / "sample.mp4").read_bytes()


def video_for_job(base: bytes, job_id: str) -> bytes:
    """Return ``base`` (an MP4) with a ``free`` box naming ``job_id`` appended."""
    payload = JOB_TAG + job_id.encode()
    size = _FREE_BOX_HEADER + len(payload)
    return base + size.to_bytes(4, "big") + b"free" + payload
