"""``wavevid.generate_video`` and ``wavevid.agenerate_video``: one call, one video, through a
shared default client (a ``Client``, and an ``AsyncClient`` for the coroutine)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ._async_client import AsyncClient
from ._async_progress import AsyncProgressCallback
from ._constants import API_KEY_ENV, BASE_URL_ENV, CATALOG_PATH_ENV, POLL_INTERVAL_ENV
from ._locks import ForkSafeLock
from ._progress import ProgressCallback
from .client import Client

_ENVIRONMENT = (API_KEY_ENV, BASE_URL_ENV, CATALOG_PATH_ENV, POLL_INTERVAL_ENV)
#: What ``generate_video`` takes out of its keyword arguments for the client call.
_CALL_OPTIONS = ("output_path", "timeout")
C = TypeVar("C", Client, AsyncClient)


class _Shared(Generic[C]):
    """One process-wide client configured from the environment (``WAVESPEED_API_KEY``,
    ``WAVESPEED_BASE_URL``, ``WAVEVID_CATALOG_PATH``, ``WAVEVID_POLL_INTERVAL``): made on first
    use, and again when one of those variables has changed since (a rotated key, a test
    pointing at another fake). Thread-safe."""

    def __init__(self, make: Callable[[], C]) -> None:
        self._make: Callable[[], C] = make
        self._client: C | None = None
        self._environment: tuple[str | None, ...] = ()
        self._lock = ForkSafeLock()

    def get(self) -> C:
        environment = tuple(map(os.environ.get, _ENVIRONMENT))
        with self._lock:
            if self._client is None or environment != self._environment:
                if self._client is not None:
                    self._client.close()
                self._client, self._environment = self._make(), environment
            return self._client


_default = _Shared(Client)
_default_async = _Shared(AsyncClient)


def default_client() -> Client:
    """The process-wide ``Client`` (see ``_Shared``)."""
    return _default.get()


def default_async_client() -> AsyncClient:
    """The process-wide ``AsyncClient``, not bound to one event loop (see ``_Shared``)."""
    return _default_async.get()


def _split(prompt: str | None, params: dict[str, Any]) -> dict[str, Any]:
    """Take the SDK options out of ``params`` (returned) and put the prompt in."""
    options = {key: params.pop(key) for key in _CALL_OPTIONS if key in params}
    if prompt is not None:
        params["prompt"] = prompt
    return options


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
    options = _split(prompt, params)
    result = default_client().generate(
        model, params, progress_callback=progress_callback, **options
    )
    return result.to_dict()


async def agenerate_video(
    prompt: str | None,
    model: str = "hunyuan-video-1.5",
    progress_callback: AsyncProgressCallback | None = None,
    **params: Any,
) -> dict[str, Any]:
    """:func:`generate_video` as a coroutine, through a default ``AsyncClient``: the event
    loop runs on while the job does; ``progress_callback`` may be a coroutine function.

    Returns:
        As :func:`generate_video`.

    Raises:
        As ``AsyncClient.generate`` (CancelledError carries the job id once it exists).
    """
    options = _split(prompt, params)
    client = default_async_client()
    result = await client.generate(model, params, progress_callback=progress_callback,
                                   **options)
    return await client._run(result.to_dict)
