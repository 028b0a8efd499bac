"""``wavevid.generate_video``: one call, one video, through a shared default client."""

from __future__ import annotations

import os
from typing import Any

from ._constants import API_KEY_ENV, BASE_URL_ENV, CATALOG_PATH_ENV, POLL_INTERVAL_ENV
from ._locks import ForkSafeLock
from ._progress import ProgressCallback
from .client import Client

_ENVIRONMENT = (API_KEY_ENV, BASE_URL_ENV, CATALOG_PATH_ENV, POLL_INTERVAL_ENV)
_default: Client | None = None
_default_environment: tuple[str | None, ...] = ()
_default_lock = ForkSafeLock()


def default_client() -> Client:
    """The process-wide Client configured from the environment (``WAVESPEED_API_KEY``,
    ``WAVESPEED_BASE_URL``, ``WAVEVID_CATALOG_PATH``, ``WAVEVID_POLL_INTERVAL``): made on first
    use, and again when one of those variables has changed since (a rotated key, a test
    pointing at another fake). Thread-safe."""
    global _default, _default_environment
    environment = tuple(map(os.environ.get, _ENVIRONMENT))
    with _default_lock:
        if _default is None or environment != _default_environment:
            if _default is not None:
                _default.close()
            _default, _default_environment = Client(), environment
        return _default


def generate_video(
    prompt: str | None,
    model: str = "hunyuan-video-1.5",
    progress_callback: ProgressCallback | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Generate one video and return it as a plain dict, blocking until it is downloaded.

    Args:
        prompt: what the video shows (None for models that take none).
        model: a catalog name, alias or WaveSpeed path.
        progress_callback: ``callback(fraction, message)``, ending at exactly 1.0.
        params: model parameters (``duration=5, resolution="720p"``...; None means "not
            given"), plus ``output_path=`` and ``timeout=`` as for ``Client.generate``.

    Returns:
        ``VideoResult.to_dict()``: video_bytes, video_url, outputs, prompt, duration,
        model_name, model_path, job_id, parameters, seed, cost (an estimate), elapsed_seconds,
        has_nsfw_contents.

    Raises:
        As ``Client.generate``.
    """
    options = {key: params.pop(key) for key in ("output_path", "timeout") if key in params}
    if prompt is not None:
        params["prompt"] = prompt
    result = default_client().generate(
        model, params, progress_callback=progress_callback, **options
    )
    return result.to_dict()
