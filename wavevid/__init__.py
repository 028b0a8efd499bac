"""wavevid: prompt in, video file out, through WaveSpeedAI's hosted video models.

Every model is an entry of a YAML catalog (see ``docs/catalog.md``); one generic client
validates, submits, polls and downloads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._logging import configure_from_environment as _configure_logging
from ._version import __version__
from .catalog import Catalog, Model, load_catalog, validate_catalog
from .errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    Candidate,
    CatalogError,
    CatalogSyncError,
    ConfigurationError,
    DownloadError,
    InvalidParametersError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    ParameterProblem,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SubmissionUncertainError,
    UnknownModelError,
    UnvalidatedInputWarning,
    UnverifiedModelWarning,
    WavevidError,
    WavevidWarning,
    WebhookVerificationError,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "BatchItem",
    "Candidate",
    "Catalog",
    "CatalogError",
    "CatalogSyncError",
    "Charge",
    "Client",
    "ConfigurationError",
    "DownloadError",
    "InvalidParametersError",
    "Job",
    "JobFailedError",
    "JobTimeoutError",
    "Model",
    "NotFoundError",
    "ParameterProblem",
    "PermissionDeniedError",
    "Quote",
    "RateLimitError",
    "ServerError",
    "SubmissionUncertainError",
    "UnknownModelError",
    "UnvalidatedInputWarning",
    "UnverifiedModelWarning",
    "VideoResult",
    "WavevidError",
    "WavevidWarning",
    "WebhookVerificationError",
    "__version__",
    "agenerate_video",
    "catalog_sync",
    "generate_video",
    "load_catalog",
    "validate_catalog",
    "webhooks",
]

_configure_logging()

if TYPE_CHECKING:
    from . import catalog_sync, webhooks
    from ._async_client import AsyncClient
    from ._default_client import agenerate_video, generate_video
    from ._prices import Charge, Quote
    from .client import Client
    from .jobs import Job
    from .results import BatchItem, VideoResult

# The client (and requests with it) loads on first use: code that only reads the catalog, such
# as a form validating input at import time, does not pay for it.
_LAZY = {
    "Client": "client",
    "Job": "jobs",
    "VideoResult": "results",
    "BatchItem": "results",
    "Quote": "_prices",
    "Charge": "_prices",
    "generate_video": "_default_client",
    "AsyncClient": "_async_client",
    "agenerate_video": "_default_client",
}


#: Public submodules, loaded on first use too: ``wavevid.webhooks.verify(...)`` works after a
#: plain ``import wavevid``.
_SUBMODULES = frozenset({"webhooks", "catalog_sync"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'wavevid' has no attribute {name!r}")
