"""wavevid: prompt in, video file out, through WaveSpeedAI's hosted video models.

Every model is an entry of a YAML catalog (see ``docs/catalog.md``); one generic client
validates, submits, polls and downloads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._logging import configure_from_environment as _configure_logging
from ._version import __version__
from .catalog import Catalog, Model, load_catalog, validate_catalog
from .errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
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
    WavevidError,
    WebhookVerificationError,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "Catalog",
    "CatalogError",
    "Client",
    "ConfigurationError",
    "DownloadError",
    "InvalidParametersError",
    "JobFailedError",
    "JobTimeoutError",
    "Model",
    "NotFoundError",
    "ParameterProblem",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "SubmissionUncertainError",
    "UnknownModelError",
    "WavevidError",
    "WebhookVerificationError",
    "__version__",
    "load_catalog",
    "validate_catalog",
]

_configure_logging()

if TYPE_CHECKING:
    from .client import Client


def __getattr__(name: str) -> Any:
    # The client (and requests with it) loads on first use: code that only reads the catalog,
    # such as a form validating input at import time, does not pay for it.
    if name == "Client":
        from .client import Client

        return Client
    raise AttributeError(f"module 'wavevid' has no attribute {name!r}")
