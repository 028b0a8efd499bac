"""Logging: module loggers that never emit a secret, and the ``WAVEVID_LOG`` switch.

Every wavevid logger carries :class:`RedactingFilter`, which removes API keys and webhook
secrets the process holds, bearer tokens, ``whsec_`` secrets and URL query strings (signed
download URLs carry their signature there) from each record before any handler sees it. Callers
pass raw values to the logger: redaction runs for records that are made (their level enabled),
never for the rest.

A secret is redacted while an object that uses it lives (:func:`hold_secret`: a client's
transport holds its key and its webhook secret), so a process that makes a client per customer
key redacts the keys of the clients alive now, not of every client it ever made.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import os
import re
import sys
import threading
import weakref
from collections.abc import Iterator

from ._constants import LOG_ENV, LOG_LEVELS
from ._short_text import short_repr

# Shorter values would redact ordinary words; real keys are far longer.
_MIN_SECRET_CHARS = 6
# One str.replace per secret is C-fast for a few secrets; past about this many secrets per
# distinct secret length, looking up each substring of the text in a set is cheaper.
_SCAN_SECRETS_PER_LENGTH = 256
# The holder token of secrets kept for the process's life (register_secret).
_FOREVER = 0
_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[^\s'\",]+"), r"\1***"),
    (re.compile(r"whsec_[A-Za-z0-9+/=_-]+"), "whsec_***"),
    # A query after a URL or a bare path (urllib3 logs "PUT /upload/x?X-Amz-Signature=...").
    (re.compile(r"((?:https?://[^\s/?#'\"]+)?/[^\s?#'\"]*)\?[^\s#'\"]+"), r"\1?***"),
]
_HANDLER_MARK = "_wavevid_handler"
# The unknown WAVEVID_LOG values reported on stderr already (each once per process).
_reported_values: set[str] = set()

# A library's records go where the application sends them; without configuration, nowhere
# (not to Python's last-resort stderr handler). WAVEVID_LOG and the command turn them on.
logging.getLogger("wavevid").addHandler(logging.NullHandler())


class _Snapshot:
    """The secrets held at one moment, and how to remove them from a text."""

    def __init__(self, secrets: list[str]) -> None:
        self.longest_first = sorted(secrets, key=len, reverse=True)
        by_length: dict[int, set[str]] = {}
        for secret in self.longest_first:
            by_length.setdefault(len(secret), set()).add(secret)
        self.groups = [(length, frozenset(group)) for length, group in by_length.items()]
        self.scan = len(secrets) > _SCAN_SECRETS_PER_LENGTH * len(self.groups)

    def remove(self, text: str) -> str:
        if not self.scan:
            for secret in self.longest_first:
                text = text.replace(secret, "***")
            return text
        pieces, start, index = [], 0, 0
        while index < len(text):
            for length, group in self.groups:
                if text[index : index + length] in group:
                    pieces += [text[start:index], "***"]
                    index = start = index + length
                    break
            else:
                index += 1
        return "".join([*pieces, text[start:]])


class _Registry:
    """The secrets to redact, each with the tokens of its holders.

    A holder's finalizer only queues its release (it may run inside the garbage collector, on a
    thread that holds the lock); releases are applied by the next call under the lock.
    """

    def __init__(self) -> None:
        self._holders: dict[str, set[int]] = {}
        self._owned: weakref.WeakKeyDictionary[object, tuple[int, set[str]]] = (
            weakref.WeakKeyDictionary()
        )
        self._released: collections.deque[tuple[int, set[str]]] = collections.deque()
        self._tokens = itertools.count(_FOREVER + 1)
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def hold(self, secret: str, owner: object | None) -> None:
        with self._lock:
            self._apply_releases()
            if owner is None:
                token = _FOREVER
            else:
                token, held = self._owned.get(owner) or self._new_owner(owner)
                held.add(secret)
            holders = self._holders.setdefault(secret, set())
            if not holders:
                self._snapshot = None
            holders.add(token)

    def _new_owner(self, owner: object) -> tuple[int, set[str]]:
        owned = (next(self._tokens), set[str]())
        self._owned[owner] = owned
        weakref.finalize(owner, self._released.append, owned).atexit = False
        return owned

    def _apply_releases(self) -> None:
        while self._released:
            token, held = self._released.popleft()
            for secret in held:
                holders = self._holders.get(secret)
                if holders is not None:
                    holders.discard(token)
                    if not holders:
                        del self._holders[secret]
                        self._snapshot = None

    def snapshot(self) -> _Snapshot:
        with self._lock:
            self._apply_releases()
            if self._snapshot is None:
                self._snapshot = _Snapshot(list(self._holders))
            return self._snapshot

    def count(self) -> int:
        """How many distinct secrets are redacted now."""
        with self._lock:
            self._apply_releases()
            return len(self._holders)

    def after_fork(self) -> None:
        """In a forked child: a lock another thread of the parent held stays held forever."""
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every secret (for tests: as in a new process)."""
        with self._lock:
            self._holders.clear()
            self._owned = weakref.WeakKeyDictionary()
            self._released.clear()
            self._snapshot = None


_secrets = _Registry()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _secrets.after_fork())


def register_secret(secret: str | None) -> None:
    """Redact ``secret`` from every wavevid log record and message for the process's life."""
    if secret and len(secret) >= _MIN_SECRET_CHARS:
        _secrets.hold(secret, None)


def hold_secret(owner: object, secret: str | None) -> None:
    """Redact ``secret`` from every wavevid log record and message while ``owner`` (an object
    that uses it, such as a client's transport) lives. Each holder counts once however often it
    calls; the secret is forgotten after its last holder is garbage-collected."""
    if secret and len(secret) >= _MIN_SECRET_CHARS:
        _secrets.hold(secret, owner)


def redact(text: str) -> str:
    """``text`` without held secrets, bearer tokens, webhook secrets or URL queries."""
    text = _secrets.snapshot().remove(text)
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
    """With ``WAVEVID_LOG`` set to one of LOG_LEVELS, send wavevid's records to stderr at that
    level. Does nothing when it is unset or empty, or when already done; any other value is
    reported once on stderr, with the allowed ones, and ignored (a typo must not stop an
    application that imports wavevid)."""
    text = os.environ.get(LOG_ENV, "").strip()
    level = text.upper()
    if level not in (name.upper() for name in LOG_LEVELS):
        if text and text not in _reported_values:
            _reported_values.add(text)
            sys.stderr.write(
                f"wavevid: {LOG_ENV}={short_repr(text)} is not a level, ignored"
                f" (allowed: {', '.join(LOG_LEVELS)})\n"
            )
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
