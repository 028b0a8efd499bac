"""Property tests (Hypothesis): bad input of any shape gets the documented error, nothing else.

Every property runs derandomized (a fixed sequence of examples, the same on every machine and
every run of one Hypothesis version) with no per-example deadline, so CI is reproducible. The
counterexamples Hypothesis found (and the library since handles) stay pinned as plain cases in
``test_found_counterexamples``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import email.message
import io
import json
import math
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import wavevid
from wavevid import webhooks
from wavevid._payload import is_local_media
from wavevid._retry import Failure, RetryPolicy
from wavevid._short_text import short_repr
from wavevid.catalog.files import builtin_folder, catalog_files, read_yaml
from wavevid.cli import inputs as cli_inputs
from wavevid.cli.exit_codes import UsageError
from wavevid.errors import (
    CatalogError,
    InvalidParametersError,
    WebhookVerificationError,
)


def _attempt(
    call: Callable[[], Any], allowed: type[BaseException] | tuple[type[BaseException], ...]
) -> tuple[Any, BaseException | None]:
    """``(call(), None)``, or ``(None, error)`` when it raised one of ``allowed``; anything else
    propagates and fails the property."""
    try:
        return call(), None
    except allowed as error:
        return None, error


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        derandomize=True,
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


CATALOG = wavevid.load_catalog(environment=False)
MODEL_NAMES = CATALOG.names()
HERE = Path(__file__)

# --- build_payload -------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_like = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


class _PathLike:
    """An os.PathLike that is not a pathlib.Path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return self.path


class _Slotted:
    """An object with no ``read`` and an unhelpful repr."""

    __slots__ = ()


odd_values = st.one_of(
    st.binary(max_size=20),
    st.binary(max_size=20).map(bytearray),
    st.binary(max_size=20).map(memoryview),
    st.text(max_size=20).map(Path),
    st.text(min_size=300, max_size=400).map(Path),  # longer than a file name may be
    st.text(max_size=20).map(_PathLike),
    st.just(HERE),  # an existing file: a valid local upload
    st.just(Path(HERE.anchor)),  # a folder: not a file
    st.binary(max_size=10).map(io.BytesIO),
    st.text(max_size=10).map(io.StringIO),
    st.sampled_from([object(), _Slotted(), Ellipsis, len, int, dt.date(2020, 1, 2), 1j]),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sets(st.integers(), max_size=3),
    st.tuples(st.integers(), st.text(max_size=5)),
    st.integers(min_value=-(10**300), max_value=10**300),
)
any_value = json_like | odd_values


@st.composite
def payload_inputs(draw: st.DrawFn) -> tuple[str, Any]:
    """A built-in model's name and an input for it: mostly a mapping whose keys are the model's
    own parameters (so values meet the real checks), arbitrary text and non-str keys; sometimes
    not a mapping at all."""
    name = draw(st.sampled_from(MODEL_NAMES))
    parameters = list(CATALOG.get(name).parameters)
    keys = st.one_of(
        st.sampled_from(parameters),
        st.sampled_from(parameters),
        st.text(max_size=12),
        st.integers(),
        st.none(),
        st.binary(max_size=5),
        st.tuples(st.integers()),
        st.floats(allow_nan=True),
    )
    mapping = st.dictionaries(keys, any_value, max_size=6)
    input = draw(
        st.one_of(
            mapping,
            mapping,
            mapping,
            st.none(),
            st.lists(any_value, max_size=3),
            st.text(max_size=10),
            st.integers(),
            any_value,
        )
    )
    return name, input


def _as_submitted(model: wavevid.Model, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as the schema sees it once local media are uploaded (they become URLs)."""
    return {
        key: "https://upload.example/x" if key in model.media and is_local_media(value) else value
        for key, value in payload.items()
    }


@_settings(600)
@given(payload_inputs())
@example(("ltx-2-pro", {"prompt": "a fox", "duration": float("nan")}))
@example(("ltx-2-pro", {"prompt": "a fox", "duration": 6.0}))
@example(("ltx-2-pro-i2v", {"prompt": "x", "image": Path("no/such/file.png")}))
@example(("ltx-2-pro-i2v", {"prompt": "x", "image": Path("nul\x00byte")}))
@example(("ltx-2-pro-i2v", {"prompt": "x", "image": io.StringIO("text mode")}))
@example(("ltx-2-retake", {1: "x", None: 2, b"video": 3}))
def test_build_payload_raises_only_invalid_parameters(case: tuple[str, Any]) -> None:
    """For every built-in model and any input (JSON-like values with NaN and infinities, bytes,
    paths, file objects, odd objects, non-str keys, not a mapping at all), ``build_payload``
    either raises InvalidParametersError naming the model, or returns a dict with str keys, no
    None values, every required parameter, that passes the model's own input schema once its
    local media are uploaded."""
    name, input = case
    model = CATALOG.get(name)
    payload, error = _attempt(lambda: model.build_payload(input), InvalidParametersError)
    if isinstance(error, InvalidParametersError):
        assert error.model == name
        assert error.errors
        assert str(error).startswith("invalid parameter")
        return
    assert isinstance(payload, dict)
    assert all(isinstance(key, str) for key in payload)
    assert None not in payload.values()
    assert set(model.required) <= set(payload)
    validator = Draft202012Validator(model.input_schema)
    assert list(validator.iter_errors(_as_submitted(model, payload))) == []


# --- CLI --param KEY=VALUE -----------------------------------------------------------------------

_CLI_CLIENT = wavevid.Client(api_key="property-test-key", base_url="http://127.0.0.1:9")
_TRUE_WORDS = ["true", "yes", "on", "1"]
_FALSE_WORDS = ["false", "no", "off", "0"]
_SCHEMAS: list[Any] = [
    {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"},
    {"type": "array"}, {"type": "object"}, {"type": ["integer", "null"]},
    {"type": ["string", "integer"]}, {"enum": [1, 2]}, {}, None, "not a schema", [],
]


def _arguments(model: str, params: list[str], prompt: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(model=model, param=params, file=[], prompt=prompt, catalog=[])


@st.composite
def param_items(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A model (a built-in one, or an unknown name) and ``--param`` items: well-formed
    ``KEY=VALUE`` with the model's parameter names, with arbitrary keys, or arbitrary text."""
    model = draw(st.sampled_from([*MODEL_NAMES, "not-a-model", "some/raw/path"]))
    known = list(CATALOG.find(model).parameters) if CATALOG.find(model) else ["prompt"]
    key = st.sampled_from(known) | st.text(max_size=8)
    value = st.text(max_size=20) | st.sampled_from(
        [*_TRUE_WORDS, *_FALSE_WORDS, "6", "-1", " 8 ", "1e3", "nan", "[1, 2]", '{"a": 1}', "null"]
    )
    separator = st.sampled_from(["=", " = ", "=="])
    item = st.builds(lambda k, sep, v: f"{k}{sep}{v}", key, separator, value)
    return model, draw(st.lists(item | st.text(max_size=20), max_size=5))


@_settings(400)
@given(param_items())
@example(("ltx-2-fast", ["duration=six", "generate_audio=maybe", "novalue"]))
@example(("ltx-2-fast", ["=value"]))
@example(("ltx-2-fast", ["  =value"]))
def test_param_parsing_raises_only_documented_errors(case: tuple[str, list[str]]) -> None:
    """``model_values`` over any ``--param`` items raises only InvalidParametersError (a value
    that does not convert, naming the parameter) or the CLI's UsageError (an item that is not
    KEY=VALUE, or a key given twice); otherwise it returns a dict whose keys are the items'
    stripped keys."""
    model, items = case
    values, error = _attempt(
        lambda: cli_inputs.model_values(_CLI_CLIENT, _arguments(model, items)),
        (InvalidParametersError, UsageError),
    )
    if isinstance(error, InvalidParametersError):
        assert error.errors
        assert all(problem.parameter for problem in error.errors)
    elif error is not None:
        keys = [key.strip() for key, sep, _ in map(lambda i: i.partition("="), items) if sep]
        twice = len(keys) != len(set(keys)) and "is given twice" in str(error)
        assert "--param takes KEY=VALUE" in str(error) or twice
    else:
        assert set(values) == {item.partition("=")[0].strip() for item in items}


@_settings(300)
@given(st.text(max_size=40), st.sampled_from(_SCHEMAS))
def test_convert_raises_only_value_error(text: str, schema: Any) -> None:
    """``convert`` over any text and any schema (typed, untyped, not a dict) returns a value or
    raises ValueError naming the text; a string parameter always gets the text unchanged."""
    value, error = _attempt(lambda: cli_inputs.convert(text, schema), ValueError)
    if error is not None:
        assert short_repr(text) in str(error)  # quoted, cut when long
    elif isinstance(schema, dict) and schema.get("type") in ("string", ["string", "integer"]):
        assert value == text


INTEGER_PARAMS = sorted(
    (model.name, key)
    for model in CATALOG
    for key, spec in model.parameters.items()
    if spec.get("type") == "integer"
)
BOOLEAN_PARAMS = sorted(
    (model.name, key)
    for model in CATALOG
    for key, spec in model.parameters.items()
    if spec.get("type") == "boolean"
)
STRING_PARAMS = sorted(
    (model.name, key)
    for model in CATALOG
    for key, spec in model.parameters.items()
    if spec.get("type") == "string"
)


@_settings(200)
@given(st.sampled_from(INTEGER_PARAMS), st.integers(min_value=-(10**40), max_value=10**40))
def test_integer_params_round_trip(where: tuple[str, str], number: int) -> None:
    """For every built-in integer parameter, ``--param KEY=str(n)`` gives back the int n."""
    model, key = where
    values = cli_inputs.model_values(_CLI_CLIENT, _arguments(model, [f"{key}={number}"]))
    assert values == {key: number}
    assert type(values[key]) is int


@st.composite
def boolean_words(draw: st.DrawFn) -> tuple[str, bool]:
    """A documented word in any letter case, with surrounding whitespace, and its meaning."""
    word, meaning = draw(
        st.sampled_from([(w, True) for w in _TRUE_WORDS] + [(w, False) for w in _FALSE_WORDS])
    )
    cased = "".join(
        char.upper() if upper else char
        for char, upper in zip(word, draw(st.lists(st.booleans(), min_size=len(word),
                                                   max_size=len(word))), strict=True)
    )
    padding = st.text(alphabet=" \t", max_size=2)
    return draw(padding) + cased + draw(padding), meaning


@_settings(150)
@given(st.sampled_from(BOOLEAN_PARAMS), boolean_words(), st.text(max_size=10))
def test_boolean_params_accept_the_documented_words(
    where: tuple[str, str], word: tuple[str, bool], other: str
) -> None:
    """A boolean parameter takes true/yes/on/1 and false/no/off/0 (any case, surrounding
    whitespace ignored); any other text is an InvalidParametersError naming the parameter."""
    model, key = where
    text, meaning = word
    assert cli_inputs.model_values(_CLI_CLIENT, _arguments(model, [f"{key}={text}"])) == {
        key: meaning
    }
    assume(other.strip().lower() not in {*_TRUE_WORDS, *_FALSE_WORDS})
    with pytest.raises(InvalidParametersError) as raised:
        cli_inputs.model_values(_CLI_CLIENT, _arguments(model, [f"{key}={other}"]))
    assert [problem.parameter for problem in raised.value.errors] == [key]


@_settings(200)
@given(st.sampled_from(STRING_PARAMS), st.text(max_size=40))
def test_string_params_pass_unchanged(where: tuple[str, str], text: str) -> None:
    """A string parameter gets the text after the first ``=`` exactly as typed (whitespace,
    further ``=``, JSON-looking text and all); the key is stripped."""
    model, key = where
    values = cli_inputs.model_values(_CLI_CLIENT, _arguments(model, [f" {key} ={text}"]))
    assert values == {key: text}


@_settings(200)
@given(st.floats(allow_nan=False))
def test_number_params_round_trip(number: float) -> None:
    """A number parameter converts ``repr(x)`` back to x, infinities included."""
    assert cli_inputs.convert(repr(number), {"type": "number"}) == number


# --- webhooks.verify -----------------------------------------------------------------------------

SECRET = "whsec_property-test-0123456789abcdef"
NOW = 1_750_000_000.0
HEADER_NAMES = ["webhook-id", "webhook-timestamp", "webhook-signature"]


class _ItemsOnly:
    """Headers offering only ``items()``, as a list of pairs: names may repeat."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self.pairs = pairs

    def items(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.pairs)


def _recase(name: str, flags: list[bool]) -> str:
    flags = (flags + [False] * len(name))[: len(name)]
    return "".join(c.upper() if f else c for c, f in zip(name, flags, strict=True))


header_names = st.one_of(
    st.sampled_from(HEADER_NAMES),
    st.builds(_recase, st.sampled_from(HEADER_NAMES), st.lists(st.booleans(), max_size=20)),
    st.sampled_from(["HTTP_WEBHOOK_ID", "HTTP_WEBHOOK_TIMESTAMP", "HTTP_WEBHOOK_SIGNATURE"]),
    st.sampled_from(HEADER_NAMES).map(str.encode),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.integers(),
)
header_values = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=20),
    st.integers(min_value=0, max_value=10**13).map(str),
    st.builds(lambda sigs: " ".join(sigs), st.lists(
        st.builds(lambda v, s: f"{v},{s}", st.sampled_from(["v3", "v1", "V3", ""]),
                  st.text(alphabet="0123456789abcdefABCDEF", max_size=64) | st.text(max_size=8)),
        max_size=3,
    )),
    st.none(),
    st.integers(),
    st.lists(st.text(max_size=5), max_size=2),
)


@st.composite
def any_headers(draw: st.DrawFn) -> Any:
    """Headers of every kind verify accepts (dict, email Message, items-only pairs with
    repeated names) and some it does not (a list, a str, None)."""
    pairs = draw(st.lists(st.tuples(header_names, header_values), max_size=6))
    kind = draw(st.sampled_from(["dict", "message", "items", "other"]))
    if kind == "dict":
        return dict(pairs)
    if kind == "message":
        message = email.message.Message()
        for name, value in pairs:
            if isinstance(name, str) and isinstance(value, str) and name.isascii():
                message[name] = value
        return message
    if kind == "items":
        return _ItemsOnly(pairs)
    return draw(st.sampled_from([pairs, "webhook-id: x", None, 42, b"headers"]))


@_settings(500)
@given(
    body=st.binary(max_size=60) | st.text(max_size=20) | st.none() | st.just({"id": "x"}),
    headers=any_headers(),
    secret=st.text(max_size=30) | st.just(SECRET) | st.none() | st.binary(max_size=5),
    tolerance=st.just(300.0) | st.floats() | st.integers(min_value=-10, max_value=10**6),
    now=st.none() | st.floats() | st.just(NOW),
)
def test_verify_raises_only_webhook_verification_error(
    body: Any, headers: Any, secret: Any, tolerance: Any, now: float | None
) -> None:
    """``verify`` over any body, any headers (missing, repeated, oddly cased, bytes, not text,
    not a mapping), any secret, tolerance and clock raises only WebhookVerificationError, and
    its reason never contains the secret's key (checked for the distinctive SECRET: a short
    random one may be an ordinary word of a reason)."""
    _, error = _attempt(
        lambda: webhooks.verify(body, headers, secret, tolerance, now=now),
        WebhookVerificationError,
    )
    assert SECRET.removeprefix("whsec_") not in str(error)


def _delivery_headers(
    headers: dict[str, str], style: str, flags: list[bool]
) -> Any:
    """Signed headers as different frameworks hand them over."""
    if style == "recased":
        return {_recase(name, flags): value for name, value in headers.items()}
    if style == "meta":
        return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    if style == "bytes":
        return _ItemsOnly([(name.encode(), value.encode()) for name, value in headers.items()])
    if style == "message":
        message = email.message.Message()
        for name, value in headers.items():
            message[_recase(name, flags)] = value
        return message
    return headers


secrets = st.text(min_size=1, max_size=40).filter(
    lambda s: bool(s.strip().removeprefix("whsec_"))
)
webhook_ids = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
                      max_size=30)


@_settings(400)
@given(
    body=st.binary(max_size=200),
    secret=secrets | st.just(SECRET),
    webhook_id=webhook_ids,
    timestamp=st.integers(min_value=0, max_value=10**11),
    offset=st.floats(min_value=-300.0, max_value=300.0),
    style=st.sampled_from(["plain", "recased", "meta", "bytes", "message"]),
    flags=st.lists(st.booleans(), max_size=20),
    flip=st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)),
)
@example(body=b"", secret=SECRET, webhook_id="msg_1", timestamp=0, offset=300.0,
         style="plain", flags=[], flip=(0, 1))
def test_a_signed_delivery_verifies_and_a_flipped_byte_does_not(
    body: bytes, secret: str, webhook_id: str, timestamp: int, offset: float, style: str,
    flags: list[bool], flip: tuple[int, int],
) -> None:
    """``sign`` then ``verify`` with the same secret (any text, with or without ``whsec_`` and
    surrounding whitespace), any body bytes and any clock within the tolerance, headers in any
    framework's shape: the signature always matches (the result is the payload, or the only
    complaint is that the signed body is not a JSON object). With any single byte of the body
    changed, verification fails on the signature."""
    signed = webhooks.sign(body, secret, webhook_id=webhook_id, timestamp=timestamp)
    headers = _delivery_headers(signed, style, flags)
    now = timestamp + offset
    payload, error = _attempt(
        lambda: webhooks.verify(body, headers, secret, now=now), WebhookVerificationError
    )
    if isinstance(error, WebhookVerificationError):
        assert error.reason.startswith("the body is signed but"), error.reason
    else:
        assert json.dumps(payload) == json.dumps(json.loads(body))
    if body:
        index, mask = flip[0] % len(body), flip[1]
        tampered = bytearray(body)
        tampered[index] ^= mask
        with pytest.raises(WebhookVerificationError, match=r"^no signature .* matches"):
            webhooks.verify(bytes(tampered), headers, secret, now=now)


@_settings(150)
@given(st.dictionaries(st.text(max_size=8), json_like.filter(
    lambda v: not (isinstance(v, float) and math.isnan(v))), max_size=5))
def test_a_signed_json_object_comes_back_as_sent(payload: dict[str, Any]) -> None:
    """A signed JSON object is returned by ``verify`` equal to what was sent."""
    body = json.dumps(payload, allow_nan=True).encode()
    headers = webhooks.sign(body, SECRET, timestamp=int(NOW))
    result = webhooks.verify(body, headers, SECRET, now=NOW)
    assert json.dumps(result, sort_keys=True) == json.dumps(payload, sort_keys=True)


# --- the catalog loader over mutated YAML ---------------------------------------------------------

BUILTIN_FILES = catalog_files(builtin_folder())
BUILTIN_TEXTS = [path.read_text("utf-8") for path in BUILTIN_FILES]
BUILTIN_NAMES = set(MODEL_NAMES)
USER_TEXTS = [
    """\
version: 1
models:
  mine:
    path: me/mine
    task: text-to-video
    aliases: [my-model]
    pricing: {per_second: {by: resolution, rates: {480p: 0.02, 720p: 0.04}}}
    expected_seconds: {base: 5, per_output_second: 1}
    input:
      type: object
      required: [prompt]
      properties:
        prompt: {type: string, minLength: 1}
        resolution: {type: string, enum: [480p, 720p], default: 480p}
        duration: {type: integer, enum: [5, 10], default: 5}
""",
    """\
version: 1
models:
  fast-child:
    extends: ltx-2-fast
    path: me/fast-child
    verified: false
    input:
      properties:
        duration: {type: integer, enum: [6, 8], default: 8}
        negative_prompt: null
  ltx-2-pro:
    extends: ltx-2-pro
    expected_seconds: 30
    pricing: {per_run: 0.5}
""",
    """\
version: 1
models:
  base-one:
    path: me/base-one
    task: image-to-video
    input:
      type: object
      required: [image]
      properties:
        image: {type: string, x-wavevid-media: image}
  child-one:
    extends: base-one
    path: me/child-one
    title: Child
""",
]
# Values a mutation writes in place of another: every YAML type, nulls, and YAML's traps.
REPLACEMENTS = [
    "null", "~", "", "0", "-1", "1.5", ".nan", ".inf", "true", "no", "'text'", '"x"', "[]",
    "[1, a]", "{}", "{a: 1}", "2020-01-01", "!!binary aGk=", "&anchor x", "*anchor", "|\n  block",
    "extends", "ltx-2-pro", "me/x", "1e999", "0x1F", "'", "{", "[", "- item", "\t",
]
CHARACTERS = ":- \n[]{}#'\"&*!|>%@`,?\ta0_."
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# The parser wavevid uses (libyaml's when present; they differ on tabs, for one), without its
# duplicate-key check.
_PLAIN_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _block_end(lines: list[str], line: int) -> int:
    """The index after the line's more-indented block (its nested keys or items)."""
    indent = _indent(lines[line])
    end = line + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    return end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _mutate(text: str, kind: str, at: int, other: int, value: str) -> str:
    """One mutation of a catalog file's text, positions taken modulo its length."""
    lines = text.split("\n")
    line = at % len(lines)
    pad = " " * _indent(lines[line])
    if kind == "delete-char" and text:
        i = at % len(text)
        return text[:i] + text[i + 1 :]
    if kind == "duplicate-char" and text:
        i = at % len(text)
        return text[:i] + text[i] + text[i:]
    if kind == "replace-char" and text:
        i = at % len(text)
        return text[:i] + CHARACTERS[other % len(CHARACTERS)] + text[i + 1 :]
    if kind == "delete-line":
        del lines[line]
    elif kind == "duplicate-line":
        lines.insert(line, lines[line])
    elif kind == "swap-lines":
        second = other % len(lines)
        lines[line], lines[second] = lines[second], lines[line]
    elif kind == "replace-value":
        # The key's whole value, nested block included: a mapping may become a list, a
        # scalar, a null (and the other way round) and the YAML still parse.
        key, colon, _ = lines[line].partition(":")
        if value.startswith(("|", "- ")):
            value = value.replace("\n  ", f"\n{pad}  ") if value.startswith("|") else (
                f"\n{pad}  {value}"
            )
        lines[line : _block_end(lines, line)] = [
            f"{key}: {value}" if colon else f"{lines[line]} {value}"
        ]
    elif kind == "drop-key":
        del lines[line : _block_end(lines, line)]
    elif kind == "insert-null":
        key = ["extends", "path", "pricing", "aliases", "x-extra", "default"][other % 6]
        lines.insert(line, f"{pad}{key}: null")
    elif kind == "rename-key":
        _, colon, rest = lines[line].partition(":")
        if colon:
            lines[line] = f"{pad}{value.strip() or 'k'}:{rest}"
    elif kind == "indent":
        lines[line] = ("  " + lines[line]) if other % 2 else lines[line][2:]
    return "\n".join(lines)


# Weighted towards mutations that keep the YAML readable, so that most examples reach the
# entry checks rather than stopping at a syntax error.
MUTATIONS = [
    "delete-char", "duplicate-char", "replace-char", "swap-lines", "indent", "duplicate-line",
    *["delete-line", "drop-key", "insert-null", "rename-key"] * 2,
    *["replace-value"] * 5,
]
mutations = st.lists(
    st.tuples(
        st.sampled_from(MUTATIONS),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=0, max_value=10**6),
        st.sampled_from(REPLACEMENTS),
    ),
    min_size=1,
    max_size=4,
)


def _file_level_defect(path: Path) -> bool:
    """Whether the file is wrong as a whole, so no entry can be blamed: it does not parse (YAML
    syntax, a key given twice, not UTF-8), or its top level is not ``{version: 1, models:
    {NAME: ...}}`` with valid entry names. This mirrors the meta-schema's ``$defs/file`` down
    to, but not into, the entries."""
    try:
        document = read_yaml(path)
    except CatalogError:
        return True
    if not isinstance(document, dict) or set(document) != {"version", "models"}:
        return True
    version = document["version"]
    if isinstance(version, bool) or not isinstance(version, (int, float)) or version != 1:
        return True
    models = document["models"]
    if not isinstance(models, dict):
        return True
    return not all(
        isinstance(name, str) and len(name) <= 100 and NAME_PATTERN.search(name)
        for name in models
    )


def _entry_names(path: Path) -> set[str]:
    try:
        document = read_yaml(path)
    except CatalogError:
        return set()
    models = document.get("models") if isinstance(document, dict) else None
    return {name for name in models if isinstance(name, str)} if isinstance(models, dict) else set()


@_settings(500)
@given(
    base=st.sampled_from(BUILTIN_TEXTS + USER_TEXTS),
    changes=mutations,
    builtin=st.booleans(),
)
def test_the_catalog_loader_raises_only_catalog_errors_naming_file_and_entry(
    base: str, changes: list[tuple[str, int, int, str]], builtin: bool
) -> None:
    """A built-in catalog file's text or a small valid user file, mutated (characters and lines
    deleted, duplicated, replaced, swapped; values swapped for other types; keys dropped or
    renamed; nulls inserted; indentation changed), loaded as a user folder with and without the
    built-in catalog: ``load_catalog`` succeeds or raises CatalogError, never anything else.

    The error always names a file: the mutated one, or (when the mutation amends a built-in
    parent and breaks a built-in child, or makes a name clash that the built-in entry is
    reported for) a built-in file. Rule for the entry: when the file is wrong as a whole (see
    ``_file_level_defect``: it does not parse, or its top level is not ``version: 1`` plus a
    ``models`` mapping keyed by valid names) the error may name no entry, and a YAML syntax
    error (one with a line) never does; in every other case the problem is inside an entry (or
    between entries: extends, clashes) and the error names that entry, which is an entry of the
    mutated file or of the built-in catalog.
    """
    text = base
    for kind, at, other, value in changes:
        text = _mutate(text, kind, at, other, value)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "mutated.yaml")
        path.write_text(text, encoding="utf-8")
        _, error = _attempt(
            lambda: wavevid.load_catalog(folder, builtin=builtin, environment=False), CatalogError
        )
        if not isinstance(error, CatalogError):
            return
        files = {str(path)} | ({str(file) for file in BUILTIN_FILES} if builtin else set())
        assert error.file in files
        assert str(error).startswith(error.file)
        if error.line is not None:
            assert error.entry is None
            assert error.file == str(path)
        if not _file_level_defect(path):
            names = _entry_names(path) | (BUILTIN_NAMES if builtin else set())
            assert error.entry in names, str(error)
            assert repr(error.entry) in str(error)


@_settings(60)
@given(base=st.sampled_from(USER_TEXTS), changes=mutations)
def test_validate_catalog_reports_only_catalog_errors(
    base: str, changes: list[tuple[str, int, int, str]]
) -> None:
    """``validate_catalog`` (every problem, the built-in files checked too) over the same
    mutations returns a list of CatalogErrors that each name a file, and raises nothing."""
    text = base
    for kind, at, other, value in changes:
        text = _mutate(text, kind, at, other, value)
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "mutated.yaml").write_text(text, encoding="utf-8")
        problems = wavevid.validate_catalog(folder, environment=False)
    assert all(isinstance(problem, CatalogError) and problem.file for problem in problems)


# --- the retry policy ----------------------------------------------------------------------------

retry_afters = st.one_of(
    st.none(),
    st.floats(),  # NaN, infinities, negatives, huge
    st.integers(min_value=-(10**6), max_value=10**6).map(float),
    st.just(1e308),
)


@_settings(1000)
@given(
    failure=st.sampled_from(Failure),
    max_retries=st.integers(min_value=0, max_value=5000),
    retry=st.integers(min_value=-5, max_value=2000),
    submit=st.booleans(),
    remaining=st.floats(),
    retry_after=retry_afters,
    draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_the_retry_policy_never_schedules_past_the_deadline(
    failure: Failure, max_retries: int, retry: int, submit: bool, remaining: float,
    retry_after: float | None, draw: float,
) -> None:
    """For any failure, retry number, Retry-After (None, negative, NaN, infinite, huge),
    remaining time (negative, zero, NaN, infinite) and jitter draw, ``next_wait`` returns None
    or a wait w with 0 <= w < remaining (a wait that ends at or past the deadline is never
    scheduled, and ``time.sleep`` never gets a negative or NaN); a submit is never retried after
    NO_ANSWER or SERVER_ERROR, and nothing is retried once ``max_retries`` are used."""
    policy = RetryPolicy(max_retries=max_retries, random=lambda: draw)
    if submit:
        policy = policy.for_submits()
    wait = policy.next_wait(failure, retry, remaining=remaining, retry_after=retry_after)
    if wait is not None:
        assert 0.0 <= wait < remaining
        assert not math.isnan(wait)
    if submit and failure in (Failure.NO_ANSWER, Failure.SERVER_ERROR):
        assert wait is None
    if retry >= max_retries:
        assert wait is None


http_dates = st.builds(
    "{}, {} {} {} {}:{}:{} {}".format,
    st.sampled_from(["Wed", "Xyz", ""]),
    st.integers(min_value=-1, max_value=40),
    st.sampled_from(["Jan", "Oct", "Dec", "Foo"]),
    st.integers(min_value=-1, max_value=10**6),
    st.integers(min_value=-1, max_value=99),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
    st.sampled_from(["GMT", "+2359", "-2359", "+9999", "EST", ""]),
)


@_settings(300)
@given(st.text(max_size=40) | st.none() | http_dates | st.sampled_from(
    ["0", "-5", "1e309", "nan", "inf", "Wed, 21 Oct 2015 07:28:00 GMT", "31 Dec 9999 23:59:59 GMT"]
))
@example("nan")
@example("-NaN")
def test_retry_after_parses_to_none_or_a_non_negative_number(value: str | None) -> None:
    """``parse_retry_after`` over any header text gives None or a number >= 0, never NaN (a
    header reading ``nan`` is no wait) and never an exception."""
    from wavevid._times import parse_retry_after

    seconds = parse_retry_after(value)
    assert seconds is None or seconds >= 0  # False for NaN
    if seconds is not None:
        assert RetryPolicy().delay(0, seconds) >= 0


# --- known counterexamples ---------------------------------------------------------------------


def _load(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "m.yaml").write_text(text, encoding="utf-8")
        wavevid.load_catalog(folder, environment=False)


_ONE_MODEL = """\
version: 1
models:
  a:
    path: me/a
    task: text-to-video
    input: {{type: object, {extra}properties: {{p: {param}}}}}
"""


def _build(model: str, input: dict[str, Any]) -> None:
    CATALOG.get(model).build_payload(input)


_CLI_ERRORS = (InvalidParametersError, UsageError)
# name: (the call, the documented error it must raise (None: it must return), what it raised
# before the fix). Hypothesis found each; they stay as regression cases.
KNOWN: dict[str, tuple[Callable[[], object], Any, type[BaseException]]] = {
    "catalog-unhashable-yaml-key": (
        lambda: _load("version: 1\nmodels:\n  [a, b]: 1\n"), CatalogError, TypeError,
    ),
    "catalog-non-str-key-in-an-entry": (
        lambda: _load(_ONE_MODEL.format(extra="", param="{type: string}") + "    no: 1\n"),
        CatalogError,
        TypeError,
    ),
    "catalog-non-str-key-at-the-top": (
        lambda: _load("version: 1\nmodels: {}\n1: x\n"), CatalogError, TypeError,
    ),
    "catalog-ref-in-a-parameter-with-a-default": (
        # A valid JSON Schema, and a valid default once its $ref resolves against the input.
        lambda: _load(_ONE_MODEL.format(
            extra="$defs: {d: {type: integer}}, ",
            param="{type: integer, $ref: '#/$defs/d', default: 1}",
        )),
        None,
        Exception,  # referencing's _WrappedReferencingError (PointerToNowhere)
    ),
    "build-payload-path-longer-than-name-max": (
        lambda: _build("ltx-2-pro-i2v", {"prompt": "x", "image": Path("a" * 5000)}),
        InvalidParametersError,
        OSError,  # ENAMETOOLONG from Path.is_file(); also EACCES for an unreadable folder
    ),
    "build-payload-complex-number": (
        # complex is a numbers.Number, so jsonschema compares it with seed's minimum
        lambda: _build("hunyuan-video-1.5", {"prompt": "x", "seed": 1j}),
        InvalidParametersError,
        TypeError,
    ),
    "build-payload-decimal-nan": (
        lambda: _build("hunyuan-video-1.5", {"prompt": "x", "seed": decimal.Decimal("NaN")}),
        InvalidParametersError,
        decimal.InvalidOperation,
    ),
    "build-payload-int-beyond-str-digits-limit": (
        lambda: _build("ltx-2-pro", {"prompt": 10**5000}), InvalidParametersError, ValueError,
    ),
    "cli-file-with-unknown-home": (
        lambda: cli_inputs.model_values(_CLI_CLIENT, argparse.Namespace(
            model="ltx-2-pro-i2v", param=[], file=["image=~no-such-user-xyz/cat.png"],
            prompt="x", catalog=[],
        )),
        _CLI_ERRORS,
        RuntimeError,  # Path.expanduser(): "Could not determine home directory."
    ),
    "cli-param-json-nested-too-deeply": (
        lambda: cli_inputs.model_values(_CLI_CLIENT, _arguments("x", ["k=" + "[" * 100_000])),
        _CLI_ERRORS,
        RecursionError,
    ),
    "verify-secret-with-a-lone-surrogate": (
        # e.g. a secret read from a non-UTF-8 environment variable (surrogateescape)
        lambda: webhooks.verify(b"{}", {}, "whsec_from-env-\udcff-0123456789"),
        WebhookVerificationError,
        UnicodeEncodeError,
    ),
    "verify-webhook-id-with-a-lone-surrogate": (
        lambda: webhooks.verify(b"{}", {
            "webhook-id": "\udc80", "webhook-timestamp": str(int(NOW)),
            "webhook-signature": "v3,00",
        }, SECRET, now=NOW),
        WebhookVerificationError,
        UnicodeEncodeError,
    ),
    "retry-policy-with-more-than-1023-retries": (
        lambda: RetryPolicy(max_retries=5000).next_wait(
            Failure.SERVER_ERROR, 1024, remaining=60.0
        ),
        None,
        OverflowError,  # 2.0**retry
    ),
}


_NO_INT_DIGITS_LIMIT = pytest.mark.skipif(
    not hasattr(sys, "get_int_max_str_digits"), reason="Python < 3.10.7 has no such limit"
)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(name, marks=[_NO_INT_DIGITS_LIMIT] if "str-digits" in name else [])
        for name in sorted(KNOWN)
    ],
)
def test_found_counterexamples(case: str) -> None:
    """Inputs that once broke a property: each raises only the documented error (or, for the
    retry policy, returns without raising)."""
    call, documented, _ = KNOWN[case]
    if documented is None:
        call()
        return
    with pytest.raises(documented):
        call()
