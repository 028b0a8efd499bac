"""Settings read from the environment: a database URL, and durations in seconds."""

from __future__ import annotations

import math
import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_OURS = ("conn_max_age",)
"""Query options the URL gives Django itself; every other one goes to libpq."""


def database_from_url(url: str) -> dict[str, Any]:
    """``postgres://user:password@host:port/name?option=value`` as a ``DATABASES`` entry
    (PostgreSQL only: Celery mode's database). ``conn_max_age`` (seconds, default 60) is how
    long a process keeps its connection; any other option (``sslmode=require``,
    ``connect_timeout=5``, ...) is a libpq connection parameter, passed on in ``OPTIONS``. An
    option libpq does not know is refused here, not at the first query."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.path.strip("/"):
        raise ImproperlyConfigured("DATABASE_URL must be postgres://user:password@host/name")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    age = options.pop("conn_max_age", "60")
    if not age.isdigit():
        raise ImproperlyConfigured("DATABASE_URL: conn_max_age must be a whole number of seconds")
    _check_libpq(options)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.strip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(age),
        "CONN_HEALTH_CHECKS": True,  # a connection broken by a database restart is replaced
        "OPTIONS": options,
    }


def _check_libpq(options: dict[str, str]) -> None:
    from psycopg import ProgrammingError
    from psycopg.conninfo import make_conninfo

    try:
        make_conninfo(**options)  # libpq parses it: an unknown name or a bad value is refused
    except ProgrammingError as error:
        raise ImproperlyConfigured(f"DATABASE_URL: {str(error).strip()}") from None


def seconds(name: str, default: float) -> float:
    """The environment variable ``name`` as a positive, finite number of seconds, else
    ``default``."""
    value = os.environ.get(name)
    if value is None:
        return float(default)
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not (math.isfinite(number) and number > 0):
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds")
    return number
