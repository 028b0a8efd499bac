"""Rendering values inside messages."""

from __future__ import annotations

from typing import Any

from ._constants import ERROR_VALUE_CHARS


def shorten(text: str, limit: int = ERROR_VALUE_CHARS) -> str:
    """``text``, cut to about ``limit`` characters (a data URI can be megabytes)."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text)} characters)"


def short_repr(value: Any, limit: int = ERROR_VALUE_CHARS) -> str:
    """``repr(value)``, cut like :func:`shorten` (a value whose repr fails, such as an integer
    beyond Python's digit limit, is named by its type)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"<a {type(value).__name__} too large to show>"
    return shorten(text, limit)
