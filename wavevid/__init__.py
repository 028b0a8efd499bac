"""wavevid: prompt in, video file out, through WaveSpeedAI's hosted video models.

Every model is an entry of a YAML catalog (see ``docs/catalog.md``); one generic client
validates, submits, polls and downloads.
"""

from __future__ import annotations

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

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "Catalog",
    "CatalogError",
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
