"""Logging: module loggers that never emit a secret, and the ``WAVEVID_LOG`` switch.

Every wavevid logger carries :class:`RedactingFilter`, which removes API keys and webhook
secrets the process has registered, bearer tokens, ``whsec_`` secrets and URL query strings
(signed download URLs carry their signature there) from each record before any handler sees it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator

from ._constants import LOG_ENV

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
# Shorter values would redact ordinary words; real keys are far longer.
_MIN_SECRET_CHARS = 6
_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[^\s'\",]+"), r"\1***"),
    (re.compile(r"whsec_[A-Za-z0-9+/=_-]+"), "whsec_***"),
    # A query after a URL or a bare path (urllib3 logs "PUT /upload/x?X-Amz-Signature=...").
    (re.compile(r"((?:https?://[^\s/?#'\"]+)?/[^\s?#'\"]*)\?[^\s#'\"]+"), r"\1?***"),
]
_HANDLER_MARK = "_wavevid_handler"

# A library's records go where the application sends them; without configuration, nowhere
# (not to Python's last-resort stderr handler). WAVEVID_LOG and the command turn them on.
logging.getLogger("wavevid").addHandler(logging.NullHandler())


def register_secret(secret: str | None) -> None:
    """Redact ``secret`` from every wavevid log record and message from now on."""
    if secret and len(secret) >= _MIN_SECRET_CHARS:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` without registered secrets, bearer tokens, webhook secrets or URL queries."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with :func:`redact`; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """The logger ``name`` (under ``wavevid``, or a library logger wavevid drives such as
    ``urllib3.connectionpool``), with the redacting filter attached once."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


@contextlib.contextmanager
def warnings_to_stderr(prefix: str = "wavevid: ") -> Iterator[None]:
    """While inside, send wavevid's warnings to stderr as ``prefix + message`` lines (for the
    command), unless WAVEVID_LOG has configured logging already."""
    root = logging.getLogger("wavevid")
    if any(getattr(handler, _HANDLER_MARK, False) for handler in root.handlers):
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{prefix}%(message)s"))
    handler.setLevel(logging.WARNING)
    handler.addFilter(_FILTER)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def configure_from_environment() -> None:
    """With ``WAVEVID_LOG=debug|info|warning``, send wavevid's records to stderr at that
    level. Does nothing otherwise, or when already done."""
    level = os.environ.get(LOG_ENV, "").strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING"):
        return
    root = logging.getLogger("wavevid")
    if any(getattr(handler, _HANDLER_MARK, False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_FILTER)
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level)
