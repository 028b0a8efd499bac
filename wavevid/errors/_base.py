"""The root of the tree, errors of configuration, the catalog and input, and the warning
categories."""

from __future__ import annotations

from typing import Any, NamedTuple


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


class WavevidError(Exception):
    """Base class of every error raised by wavevid."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class ConfigurationError(WavevidError):
    """The client cannot be used as configured: no API key, a bad base URL, plain http to a
    host that is not loopback.

    Attributes:
        missing: the setting that was needed and not given (``"api_key"``), else None.
    """

    missing: str | None = None

    def __init__(self, *args: object, missing: str | None = None) -> None:
        super().__init__(*args)
        self.missing = missing


class CatalogError(WavevidError):
    """A catalog file or entry is wrong.

    Attributes:
        problem: what is wrong, in words.
        file: the file, when known.
        entry: the model entry's name, when the problem is inside one.
        key: the dotted key inside the entry (``input.properties.duration.default``).
        line: the 1-based line in the file, when known.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        entry: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.entry = entry
        self.key = key
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.entry:
            where.append(f"entry {self.entry!r}")
        if self.key:
            where.append(f"key {self.key!r}")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem


class CatalogSyncError(CatalogError, ValueError):
    """An entry of WaveSpeed's live model list cannot be read as a model (no request schema),
    or a model asked for is not listed (``wavevid.catalog_sync``, ``wavevid catalog import``)."""

class UnknownModelError(WavevidError, LookupError):
    """No catalog model has this name, alias or path.

    Attributes:
        name: what was looked up.
        suggestions: the closest known names, best first (may be empty).
    """

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {' or '.join(map(repr, suggestions))}?" if suggestions else ""
        super().__init__(f"unknown model {name!r}{hint} (`wavevid models` lists them all)")

    def __str__(self) -> str:  # LookupError would print the args tuple's repr
        return str(self.args[0])


class ParameterProblem(NamedTuple):
    """One thing wrong with one input parameter."""

    parameter: str
    """The parameter's name; nested values as ``loras[0].scale``; empty for the whole input."""
    message: str
    """What is wrong and, where it helps, what is allowed."""

    def __str__(self) -> str:
        return f"{self.parameter}: {self.message}" if self.parameter else self.message


class InvalidParametersError(WavevidError, ValueError):
    """The input does not fit the model's schema. Nothing was uploaded or submitted.

    Attributes:
        model: the model's catalog name.
        errors: every problem found, in parameter order.
    """

    def __init__(self, model: str, errors: list[ParameterProblem]) -> None:
        self.model = model
        self.errors = errors
        listed = "; ".join(map(str, errors))
        noun = "parameter" if len(errors) == 1 else "parameters"
        super().__init__(f"invalid {noun} for {model}: {listed}")


class WavevidWarning(UserWarning):
    """Base class of wavevid's warnings: misuse, or a result to trust less. Each is given at
    most once per subject per process; filter them with :mod:`warnings` (operational events go
    to logging instead, which is silent unless configured)."""


class UnverifiedModelWarning(WavevidWarning):
    """A model's parameters were never checked against WaveSpeed's live schema
    (``verified: false``); given once per model, when a request body was built."""


class UnvalidatedInputWarning(WavevidWarning):
    """A job goes to a WaveSpeed path the catalog does not know, so its input is sent
    unvalidated; given once per path."""
