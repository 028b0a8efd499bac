"""Settings read from the environment: a database URL, and durations in seconds."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def database_from_url(url: str) -> dict[str, Any]:
    """``postgres://user:password@host:port/name`` as a ``DATABASES`` entry (PostgreSQL only:
    Celery mode's database). ``?conn_max_age=60`` keeps a worker's connection that long."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.path.strip("/"):
        raise ImproperlyConfigured("DATABASE_URL must be postgres://user:password@host/name")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.strip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(options.get("conn_max_age", 60)),
        "CONN_HEALTH_CHECKS": True,  # a connection broken by a database restart is replaced
    }


def seconds(name: str, default: float) -> float:
    """The environment variable ``name`` as a positive number of seconds, else ``default``."""
    value = os.environ.get(name)
    if value is None:
        return float(default)
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds")
    return number
