"""Input -> request body: defaults filled in, every value checked against the model's schema.

Media parameters (``x-wavevid-media``) follow one rule, so that a form field passed through a
web view can never make the server upload its own files: a ``str`` is always a URL (http(s) or
a ``data:`` URI) and is sent as is; a local file must be a ``pathlib.Path``, ``bytes`` or a
binary file object, and is uploaded by the client after the whole input has validated.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._constants import ERROR_VALUE_CHARS
from ._schemas import reference_problems, validator
from ._text import short_repr, shorten
from .errors import CatalogError, InvalidParametersError, ParameterProblem

if TYPE_CHECKING:
    from jsonschema import ValidationError

# Stands in for a local file while the schema checks the rest: it is a valid URL.
_UPLOAD_PLACEHOLDER = "https://upload.invalid/local-file"

_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def merged_input(input: Mapping[str, Any] | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """``input`` and keyword parameters as one mapping; a name given in both is an error."""
    values = dict(input or {})
    both = sorted(set(values) & set(params))
    if both:
        raise TypeError(f"given both in input and as keywords: {', '.join(both)}")
    values.update(params)
    return values


def with_defaults(defaults: Mapping[str, Any], input: Mapping[str, Any] | None) -> dict[str, Any]:
    """``input`` over a copy of ``defaults``; ``None`` values count as not given."""
    given = {key: value for key, value in (input or {}).items() if value is not None}
    return {**copy.deepcopy(dict(defaults)), **given}


def is_local_media(value: Any) -> bool:
    """True for what the client uploads: a path-like, bytes, or a binary file object."""
    return isinstance(value, (os.PathLike, bytes, bytearray, memoryview)) or _is_binary_file(value)


class PayloadBuilder:
    """Builds and checks request bodies for one model; the compiled validator is reused.

    Its validator resolves references only inside ``schema`` or to bundled meta-schemas and
    fetches nothing. Raises CatalogError when ``schema`` refers elsewhere (an entry checked on
    load never does).
    """

    def __init__(
        self,
        model: str,
        schema: Mapping[str, Any],
        defaults: Mapping[str, Any],
        media: Mapping[str, str],
    ) -> None:
        self._model = model
        self._schema = schema
        self._defaults = defaults
        self._media = media
        references = reference_problems(schema)
        if references:
            (at, problem), *_ = references
            raise CatalogError(problem, entry=model, key=".".join(("input", *at)))
        self._validator = validator(schema)
        self._order = {name: index for index, name in enumerate(schema.get("properties", {}))}

    def build(self, input: Mapping[str, Any] | None) -> dict[str, Any]:
        """The request body: ``input`` with defaults filled in (local media left as given).

        Raises:
            InvalidParametersError: every problem found, in parameter order.
        """
        self._require_mapping(input)
        problems = [
            ParameterProblem(short_repr(key), "parameter names must be strings")
            for key in (input or {})
            if not isinstance(key, str)
        ]
        payload = _integral_floats_as_ints(with_defaults(self._defaults, input), self._schema)
        checked = {key: value for key, value in payload.items() if isinstance(key, str)}
        for name, kind in self._media.items():
            value = payload.get(name)
            problem = _media_problem(value, kind)
            if problem:
                problems.append(ParameterProblem(name, problem))
            if problem or (value is not None and not isinstance(value, str)):
                checked[name] = _UPLOAD_PLACEHOLDER
        unsendable = {
            name: problem
            for name, value in checked.items()
            if name not in self._media and (problem := _json_problem(value))
        }
        problems += [ParameterProblem(name, problem) for name, problem in unsendable.items()]
        for name in unsendable:
            checked[name] = None  # checked no further: its problem is said
        for error in _without_shadowed(self._validator.iter_errors(checked)):
            problems += [p for p in self._describe(error) if p.parameter not in unsendable]
        if problems:
            raise InvalidParametersError(self._model, self._ordered(problems))
        return payload

    def _require_mapping(self, input: object) -> None:
        if input is not None and not isinstance(input, Mapping):
            kind = type(input).__name__
            problem = ParameterProblem("", f"the input must map names to values, not {kind}")
            raise InvalidParametersError(self._model, [problem])

    def _ordered(self, problems: Iterable[ParameterProblem]) -> list[ParameterProblem]:
        unique = dict.fromkeys(problems)
        last = len(self._order)
        return sorted(unique, key=lambda p: (self._order.get(p.parameter.split("[")[0], last), p))

    def _describe(self, error: ValidationError) -> list[ParameterProblem]:
        """One ValidationError in words a person understands, per parameter it concerns."""
        properties = self._schema.get("properties", {})
        given: Any = error.instance
        if not error.absolute_path and error.validator == "required":
            required: Any = error.validator_value
            return [ParameterProblem(name, "is required") for name in required if name not in given]
        if not error.absolute_path and error.validator == "additionalProperties":
            unknown = [name for name in given if name not in properties]
            return [ParameterProblem(name, _unknown(name, properties)) for name in unknown]
        return [ParameterProblem(_parameter_name(error), _message(error))]


def _without_shadowed(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """The errors, less those about a value whose type is already wrong ("expected an
    integer" says all; "is not one of 6, 8, 10" would repeat it)."""
    errors = list(errors)
    mistyped = {tuple(error.absolute_path) for error in errors if error.validator == "type"}
    return [
        error
        for error in errors
        if error.validator == "type" or tuple(error.absolute_path) not in mistyped
    ]


def _integral_floats_as_ints(
    payload: dict[str, Any], schema: Mapping[str, Any]
) -> dict[str, Any]:
    """``duration=6.0`` for an integer parameter is 6: sent as 6, not 6.0."""
    properties = schema.get("properties", {})
    for name, value in payload.items():
        spec = properties.get(name) if isinstance(name, str) else None
        integer = isinstance(spec, Mapping) and spec.get("type") == "integer"
        if integer and isinstance(value, float) and value.is_integer():
            payload[name] = int(value)
    return payload


def _json_problem(value: Any) -> str | None:
    """Why ``value`` cannot travel as JSON (a complex, a Decimal, NaN, a set, an object, an
    integer too long, a structure too deep), or None."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        reason = str(error).split(":")[0] if isinstance(error, ValueError) else ""
        kind = type(value).__name__
        return f"cannot be sent as JSON ({kind}{': ' + reason if reason else ''})"
    return None


def _media_problem(value: Any, kind: str) -> str | None:
    """What is wrong with a media value, or None (a missing one is the schema's business)."""
    if value is None or isinstance(value, (bytes, bytearray, memoryview)):
        return None
    if isinstance(value, str):
        if value.startswith("data:") or _is_web_url(value):
            return None
        return (
            f"{short_repr(value)} is not an http(s) URL or data: URI. A str is always sent as a"
            f" URL; to upload a local {kind}, pass pathlib.Path({short_repr(value)})"
        )
    if isinstance(value, os.PathLike):
        path = Path(os.fspath(value))
        try:
            return None if path.is_file() else f"no such file: {short_repr(str(path), 200)}"
        except (OSError, ValueError) as error:
            return f"cannot read {short_repr(str(path), 200)}: {error.__class__.__name__}"
    if isinstance(value, io.TextIOBase):
        return f"a {kind} file must be opened in binary mode ('rb')"
    if _is_binary_file(value):
        return None
    return (
        f"expected a URL (str), a pathlib.Path, bytes or a binary file for this {kind},"
        f" not {type(value).__name__}"
    )


def _is_web_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_binary_file(value: Any) -> bool:
    return callable(getattr(value, "read", None)) and not isinstance(value, io.TextIOBase)


def _unknown(name: str, properties: Mapping[str, Any]) -> str:
    matches = difflib.get_close_matches(name, properties, n=1)
    if matches:
        return f"unknown parameter; did you mean {matches[0]!r}?"
    return f"unknown parameter (this model takes: {', '.join(properties)})"


def _parameter_name(error: ValidationError) -> str:
    name = ""
    for part in error.absolute_path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _message(error: ValidationError) -> str:
    value: Any = error.instance
    expected: Any = error.validator_value
    words = {
        "enum": lambda: f"{short_repr(value)} is not one of {', '.join(map(short_repr, expected))}",
        "const": lambda: f"must be {short_repr(expected)}",
        "type": lambda: f"expected {_type_words(expected)}, got {_typed(value)}",
        "minimum": lambda: f"{short_repr(value)} is below the minimum {expected}",
        "maximum": lambda: f"{short_repr(value)} is above the maximum {expected}",
        "exclusiveMinimum": lambda: f"must be greater than {expected}",
        "exclusiveMaximum": lambda: f"must be less than {expected}",
        "multipleOf": lambda: f"{short_repr(value)} is not a multiple of {expected}",
        "minLength": lambda: "is empty" if expected == 1 else f"needs {expected}+ characters",
        "maxLength": lambda: f"must have at most {expected} characters",
        "minItems": lambda: f"needs at least {expected} items",
        "maxItems": lambda: f"takes at most {expected} items",
        "pattern": lambda: f"{short_repr(value)} does not match the pattern {expected}",
    }
    describe = words.get(str(error.validator))
    return describe() if describe else shorten(error.message, 4 * ERROR_VALUE_CHARS)


def _typed(value: Any) -> str:
    return f"{type(value).__name__} {short_repr(value)}"


def _type_words(expected: str | list[str]) -> str:
    kinds = [expected] if isinstance(expected, str) else expected
    return " or ".join(_TYPE_WORDS.get(kind, kind) for kind in kinds)


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A stable hash of a request body (key order does not matter), to recognise a job whose
    submit went unanswered. Local media must already be replaced by their URLs."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
