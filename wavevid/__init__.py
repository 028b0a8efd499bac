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
    "AuthenticationError",
    "BadRequestError",
    "BatchItem",
    "Candidate",
    "Catalog",
    "CatalogError",
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
    "generate_video",
    "load_catalog",
    "validate_catalog",
]

_configure_logging()

if TYPE_CHECKING:
    from ._default import generate_video
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
    "generate_video": "_default",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'wavevid' has no attribute {name!r}")
