"""The error tree. Every error wavevid raises is a :class:`WavevidError`.

Messages never contain API keys, webhook secrets or signed URLs. Every error pickles (Celery and
multiprocessing carry exceptions between processes) with its attributes intact.
"""

from __future__ import annotations

from ._api import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from ._base import (
    CatalogError,
    CatalogSyncError,
    ConfigurationError,
    InvalidParametersError,
    ParameterProblem,
    UnknownModelError,
    UnvalidatedInputWarning,
    UnverifiedModelWarning,
    WavevidError,
    WavevidWarning,
)
from ._outcomes import DownloadError, JobFailedError, JobTimeoutError, WebhookVerificationError
from ._submission import Candidate, SubmissionUncertainError

__all__ = [
    "APIConnectionError", "APIError", "AuthenticationError", "BadRequestError", "Candidate",
    "CatalogError", "CatalogSyncError", "ConfigurationError", "DownloadError",
    "InvalidParametersError", "JobFailedError", "JobTimeoutError", "NotFoundError",
    "ParameterProblem", "PermissionDeniedError", "RateLimitError", "ServerError",
    "SubmissionUncertainError", "UnknownModelError", "UnvalidatedInputWarning",
    "UnverifiedModelWarning", "WavevidError", "WavevidWarning", "WebhookVerificationError"
]
