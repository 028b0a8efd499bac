"""The fixed configuration of one ``FakeWaveSpeed``, checked once."""

from __future__ import annotations

from dataclasses import dataclass

from wavevid.testing._limits import WINDOW_SECONDS
from wavevid.testing._uploads import UPLOAD_HEADERS, UploadHeaders

_CLIENT_POLLS_PER_JOB = 4
"""``client()`` polls this many times per job's processing time: a job's end is seen soon."""
_CLIENT_POLL_BOUNDS = (0.005, 0.25)


@dataclass(frozen=True)
class Settings:
    """What ``FakeWaveSpeed.__init__`` was given, each strictness option resolved.

    ``video_bytes`` ``None`` means the shipped sample, made distinct per job.
    """

    api_key: str
    processing_seconds: float
    queue_seconds: float
    sync_timeout_seconds: float
    webhook_secret: str
    video_bytes: bytes | None = None
    known_models_only: bool = True
    drop_unknown_keys: bool = True
    history_input: bool = False
    history_total: bool = False
    result_input: bool = True
    min_poll_interval: float | None = None
    enforce_min_poll_interval: bool = False
    max_concurrency: int | None = None
    starts_per_minute: int | None = None
    start_window_seconds: float = WINDOW_SECONDS
    upload_headers: UploadHeaders = "content-type"

    @property
    def client_poll_interval(self) -> float:
        """The poll interval of ``FakeWaveSpeed.client()``: matched to the job times, within
        bounds, and never closer than ``min_poll_interval``."""
        low, high = _CLIENT_POLL_BOUNDS
        interval = min(max(self.processing_seconds / _CLIENT_POLLS_PER_JOB, low), high)
        return max(interval, self.min_poll_interval or 0.0)

    def __post_init__(self) -> None:
        """Raise ``ValueError`` for values and combinations that have no meaning."""
        problems = [
            message
            for broken, message in (
                (
                    self.min_poll_interval is not None and self.min_poll_interval <= 0,
                    "min_poll_interval must be None or > 0",
                ),
                (
                    self.enforce_min_poll_interval and self.min_poll_interval is None,
                    "enforce_min_poll_interval needs a min_poll_interval",
                ),
                (
                    self.max_concurrency is not None and self.max_concurrency < 1,
                    "max_concurrency must be None or >= 1",
                ),
                (
                    self.starts_per_minute is not None and self.starts_per_minute < 1,
                    "starts_per_minute must be None or >= 1",
                ),
                (self.start_window_seconds <= 0, "start_window_seconds must be > 0"),
                (
                    self.upload_headers not in UPLOAD_HEADERS,
                    f"upload_headers must be one of {sorted(UPLOAD_HEADERS)}",
                ),
                (
                    min(self.processing_seconds, self.queue_seconds) < 0,
                    "processing_seconds and queue_seconds must not be negative",
                ),
            )
            if broken
        ]
        if problems:
            raise ValueError("; ".join(problems))
