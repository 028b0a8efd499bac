"""Input -> request body: defaults filled in, every value checked against the model's schema.

Media parameters (``x-wavevid-media``, at any depth: see :mod:`wavevid._media_slots`) follow one
rule, so that a form field passed through a web view can never make the server upload its own
files: a ``str`` is always a URL (http(s) or a ``data:`` URI) and is sent as is; a local file
must be a ``pathlib.Path``, ``bytes`` or a binary file object, and is uploaded by the client
after the whole input has validated. A local file anywhere else is a problem, named by its place
(``loras[0].path``), and so is a string that is not a URL where the schema says ``format: uri``.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._constants import ERROR_VALUE_CHARS, MAX_BODY_DEPTH
from ._media_slots import (
    MISPLACED_FILE,
    MediaSlots,
    Place,
    is_local_media,
    is_uri,
    media_problem,
    place_name,
    replaced,
    walk,
)
from ._schemas import reference_problems, validator
from ._short_text import short_repr, shorten
from .errors import CatalogError, InvalidParametersError, ParameterProblem

if TYPE_CHECKING:
    from jsonschema import ValidationError

# Stands in for a local file while the schema checks the rest: it is a valid URL.
_UPLOAD_PLACEHOLDER = "https://upload.invalid/local-file"

#: The keyword options of ``Client.generate`` and ``Client.submit`` (a test compares them with
#: the signatures): an unknown parameter named like one is most likely that option, misplaced
#: into the input or misspelt.
SDK_OPTIONS = ("output_path", "timeout", "progress_callback", "webhook_url", "validate", "sync")

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


def option_meant(name: str, parameters: Iterable[str]) -> str | None:
    """The SDK option (``SDK_OPTIONS``) an unknown top-level parameter ``name`` most likely
    meant, or None: the option it equals, else the closest option unless a parameter of the
    model (``parameters``) is close to it."""
    if name in SDK_OPTIONS:
        return name
    if difflib.get_close_matches(name, list(parameters), n=1):
        return None
    options = difflib.get_close_matches(name, SDK_OPTIONS, n=1)
    return options[0] if options else None


__all__ = [
    "PayloadBuilder", "fingerprint", "is_local_media", "merged_input", "option_meant",
    "with_defaults",
]


class PayloadBuilder:
    """Builds and checks request bodies for one model; the compiled validator is reused.

    Its validator resolves references only inside ``schema`` or to bundled meta-schemas and
    fetches nothing. Raises CatalogError when ``schema`` refers elsewhere (an entry checked on
    load never does).
    """

    def __init__(
        self, model: str, schema: Mapping[str, Any], defaults: Mapping[str, Any]
    ) -> None:
        self._model = model
        self._schema = schema
        self._defaults = defaults
        self._slots = MediaSlots(schema)
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
        found, said, swaps = self._screen({k: v for k, v in payload.items() if isinstance(k, str)})
        problems += found
        checked = replaced({k: v for k, v in payload.items() if isinstance(k, str)}, swaps)
        for error in _without_shadowed(self._validator.iter_errors(checked)):
            if not _under(tuple(error.absolute_path), said):
                problems += self._describe(error)
        if problems:
            raise InvalidParametersError(self._model, self._ordered(problems))
        return payload

    def _screen(
        self, payload: Mapping[str, Any]
    ) -> tuple[list[ParameterProblem], list[Place], dict[Place, Any]]:
        """What the schema cannot judge, before it runs: media values (a local file swapped for
        a URL the schema accepts), local files elsewhere, strings that are no URI where one is
        expected, values JSON cannot carry. Returns the problems, the places they cover (the
        schema's errors there are not repeated) and the swaps for the schema's copy."""
        problems: list[ParameterProblem] = []
        said: list[Place] = []
        swaps: dict[Place, Any] = {}
        for place, value, node, kind in walk(payload, self._slots):
            problem = _problem(value, node, kind, len(place))
            if problem is not None:
                problems.append(ParameterProblem(place_name(place), problem))
                said.append(place)
            if problem is not None or is_local_media(value):
                swaps[place] = _UPLOAD_PLACEHOLDER
        return problems, said, swaps

    def _require_mapping(self, input: object) -> None:
        if input is not None and not isinstance(input, Mapping):
            kind = type(input).__name__
            problem = ParameterProblem("", f"the input must map names to values, not {kind}")
            raise InvalidParametersError(self._model, [problem])

    def _ordered(self, problems: Iterable[ParameterProblem]) -> list[ParameterProblem]:
        unique = dict.fromkeys(problems)
        last = len(self._order)
        return sorted(unique, key=lambda p: (self._order.get(_top(p.parameter), last), p))

    def _describe(self, error: ValidationError) -> list[ParameterProblem]:
        """One ValidationError in words a person understands, per parameter (or field of a
        nested object, ``loras[0].path``) it concerns."""
        given: Any = error.instance
        place = tuple(error.absolute_path)
        if error.validator == "required" and isinstance(given, dict):
            required: Any = error.validator_value
            return [ParameterProblem(place_name((*place, name)), "is required")
                    for name in required if name not in given]
        if error.validator == "additionalProperties" and isinstance(given, dict):
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            return [ParameterProblem(place_name((*place, name)), _unknown(name, known, place))
                    for name in given if name not in known]
        return [ParameterProblem(place_name(place), _message(error))]


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


def _problem(
    value: Any, node: Mapping[str, Any] | None, kind: str | None, depth: int
) -> str | None:
    """What is wrong with one value of the body that the schema cannot say, or None."""
    if kind is not None:
        return media_problem(value, kind)
    if is_local_media(value):
        return MISPLACED_FILE
    if isinstance(value, dict):
        if depth > MAX_BODY_DEPTH:
            return f"nested deeper than {MAX_BODY_DEPTH} levels"
        keys = [short_repr(key) for key in value if not isinstance(key, str)]
        return f"keys must be strings, not {', '.join(keys)}" if keys else None
    if isinstance(value, (list, tuple)):
        return f"nested deeper than {MAX_BODY_DEPTH} levels" if depth > MAX_BODY_DEPTH else None
    if isinstance(value, str) and node is not None and node.get("format") == "uri":
        return None if is_uri(value) else f"{short_repr(value)} is not a URL"
    return _json_problem(value)


def _top(parameter: str) -> str:
    """The top-level parameter of a problem's place: ``loras[0].path`` -> ``loras``."""
    return parameter.split("[", 1)[0].split(".", 1)[0]


def _under(place: tuple[Any, ...], said: Iterable[Place]) -> bool:
    """``place`` is one of ``said`` or inside one of them."""
    return any(place[: len(known)] == known for known in said)


def _json_problem(value: Any) -> str | None:
    """Why ``value`` (not a list or a mapping) cannot travel as JSON (a complex, a Decimal,
    NaN, a set, an object, an integer too long), or None."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as error:
        reason = str(error).split(":")[0] if isinstance(error, ValueError) else ""
        kind = type(value).__name__
        return f"cannot be sent as JSON ({kind}{': ' + reason if reason else ''})"
    return None


def _unknown(name: str, properties: Mapping[str, Any], place: tuple[Any, ...]) -> str:
    what, takes = ("field", "it takes") if place else ("parameter", "this model takes")
    option = None if place else option_meant(name, properties)
    if option is not None:
        return (f"unknown parameter; did you mean the option `{option}`? Options are keyword"
                f" arguments of the call (generate(..., {option}=...)), not model input")
    matches = difflib.get_close_matches(name, properties, n=1)
    if matches:
        return f"unknown {what}; did you mean {matches[0]!r}?"
    return f"unknown {what} ({takes}: {', '.join(properties)})"


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
