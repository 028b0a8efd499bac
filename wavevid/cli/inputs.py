"""What the command line gives a command: the client its global options configure, and the
model input from the prompt (``PROMPT`` or ``--prompt``), ``--param KEY=VALUE`` (converted by
the parameter's schema type) and ``--file KEY=PATH``; each parameter given once."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from .._short_text import short_repr
from ..client import Client
from ..errors import InvalidParametersError, ParameterProblem
from .exit_codes import UsageError
from .failures import input_problem


class Given(NamedTuple):
    """One parameter as the command line gave it."""

    key: str
    flag: str
    """``PROMPT`` (the positional prompt), ``--prompt``, ``--param`` or ``--file``."""
    text: str


def client_for(arguments: argparse.Namespace) -> Client:
    """The client of every command that talks to WaveSpeed, reading the ``--catalog`` folders.

    Commands call it as ``inputs.client_for``, looked up at each call, so that tests can point
    every command at a fake in one place."""
    return Client(catalog_paths=arguments.catalog)


def add_model_inputs(parser: argparse.ArgumentParser, *, files: bool = True) -> None:
    """The model and its input: ``MODEL [PROMPT] --prompt --param [--file]``."""
    parser.add_argument("model", help="name, alias or WaveSpeed path")
    parser.add_argument("positional_prompt", nargs="?", metavar="PROMPT",
                        help="the prompt (or --prompt)")
    parser.add_argument("--prompt", help="the prompt")
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE",
        help="a model parameter, converted by its type (repeatable)"
        + ("" if files else "; media as URLs: nothing is uploaded"),
    )
    if files:
        parser.add_argument(
            "--file", action="append", default=[], metavar="KEY=PATH",
            help="a local file to upload for a media parameter (repeatable)",
        )
    parser.set_defaults(uploads=files)


def given(arguments: argparse.Namespace) -> list[Given]:
    """Every parameter the command line gives, in order. Raises UsageError for an item that is
    not KEY=VALUE, and for a parameter given twice (``--prompt A --param prompt=B``)."""
    items = [Given("prompt", flag, text) for flag, text in (
        ("PROMPT", getattr(arguments, "positional_prompt", None)),
        ("--prompt", arguments.prompt),
    ) if text is not None]
    for flag in ("--param", "--file"):
        items += [Given(*_split(item, flag)) for item in getattr(arguments, flag[2:], [])]
    seen: dict[str, Given] = {}
    for item in items:
        first = seen.setdefault(item.key, item)
        if first is not item:
            raise UsageError(f"{item.key} is given twice ({_shown(first)} and {_shown(item)});"
                             " give it once")
    return items


def model_values(client: Client, arguments: argparse.Namespace) -> dict[str, Any]:
    """The model input from the prompt, ``--param`` (converted by the schema's type) and
    ``--file`` (a Path: uploaded). Raises InvalidParametersError for every bad value."""
    model = client.catalog.find(arguments.model)
    schema = model.parameters if model else {}
    values: dict[str, Any] = {}
    problems: list[ParameterProblem] = []
    for item in given(arguments):
        if item.flag == "--param":
            try:
                values[item.key] = convert(item.text, schema.get(item.key, {}))
            except ValueError as error:
                problems.append(ParameterProblem(item.key, str(error)))
        elif item.flag == "--file":
            try:
                values[item.key] = Path(item.text).expanduser()
            except RuntimeError as error:  # ~user that does not exist
                raise UsageError(f"--file {item.key}: {error}") from None
        else:
            values[item.key] = item.text
    if problems:
        raise InvalidParametersError(model.name if model else arguments.model, problems)
    return values


@contextmanager
def in_command_words(client: Client, arguments: argparse.Namespace) -> Iterator[None]:
    """Re-raise the library's InvalidParametersError about the command's model input with
    each problem the command can say better in its own words (``failures.input_problem``):
    ``--file image=frame.png`` rather than ``pathlib.Path('frame.png')``."""
    try:
        yield
    except InvalidParametersError as error:
        model = client.catalog.find(arguments.model)
        if model is None or error.model != model.name:
            raise
        by_key = {item.key: item for item in given(arguments)}
        problems = [input_problem(problem, model, by_key.get(problem.parameter), arguments)
                    for problem in error.errors]
        raise InvalidParametersError(error.model, list(dict.fromkeys(problems))) from error


def convert(text: str, schema: Any) -> Any:
    """``text`` as the parameter's schema type says; JSON for lists, mappings and untyped values.

    Raises:
        ValueError: with a message naming what was expected.
    """
    kind = schema.get("type") if isinstance(schema, dict) else None
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "string" in kinds:
        return text
    if "boolean" in kinds:
        lowered = text.strip().lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise ValueError(f"{short_repr(text)} is not true or false")
    if "integer" in kinds:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{short_repr(text)} is not an integer") from None
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{short_repr(text)} is not a number") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the JSON value is nested too deeply") from None
    except ValueError:
        if kinds & {"array", "object"}:
            raise ValueError(f"{short_repr(text)} is not valid JSON") from None
        return text


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def _split(item: str, option: str) -> tuple[str, str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"{option} takes KEY=VALUE, got {item!r}")
    return key.strip(), option, value


def _shown(item: Given) -> str:
    """How the command line said it: ``--prompt``, ``--param prompt=...``, ``PROMPT``."""
    return item.flag if item.key == "prompt" and item.flag != "--param" \
        else f"{item.flag} {item.key}=..."
