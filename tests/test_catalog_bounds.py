"""A hostile catalog file costs bounded time and memory: nested aliases, deep nesting, values
that contain themselves, long extends chains and slow patterns are refused or kept short, each
with a CatalogError naming the file (one line, exit 2, from the CLI)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid import CatalogError, InvalidParametersError
from wavevid._constants import (
    CATALOG_MAX_DEPTH,
    CATALOG_MAX_EXTENDS,
    CATALOG_MAX_NODES,
    CATALOG_PATTERN_MAX_LENGTH,
)
from wavevid.catalog.files import read_yaml
from wavevid.cli import main

# Nine times nine ... times nine "lol"s: 903 bytes that expand to 43 million values.
LAUGHS = "\n".join([
    "version: 1",
    "models:",
    "  bomb:",
    "    path: me/bomb",
    "    task: text-to-video",
    "    input:",
    "      type: object",
    "      properties: {}",
    "      x0: &a0 {a: lol, b: lol, c: lol, d: lol, e: lol, f: lol, g: lol, h: lol, i: lol}",
    *(
        f"      x{n}: &a{n} {{" + ", ".join(f"{key}: *a{n - 1}" for key in "abcdefghi") + "}"
        for n in range(1, 9)
    ),
]) + "\n"
DEEP = (
    "version: 1\nmodels:\n  deep:\n    path: me/deep\n    task: text-to-video\n"
    f"    input: {{type: object, properties: {{}}, x-deep: {'[' * 500}{']' * 500}}}\n"
)
SELF = """\
version: 1
models:
  self:
    path: me/self
    task: text-to-video
    input: &input {type: object, properties: {}, x-self: *input}
"""


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """What ``call`` returns or raises, or a failure when it is still busy after ``seconds``
    (it runs on in a daemon thread: a test fails instead of hanging)."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as error:  # handed to the test's thread
            outcome.append((False, error))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        pytest.fail(f"still busy after {seconds} s")
    returned, value = outcome[0]
    if not returned:
        raise value
    return value


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (LAUGHS, 13, f"more than {CATALOG_MAX_NODES} values once its aliases are expanded"),
        (DEEP, 6, f"nested deeper than {CATALOG_MAX_DEPTH} levels"),
        (SELF, 6, "alias *input is used inside its own anchor"),
    ],
    ids=["billion-laughs", "nested-500-deep", "contains-itself"],
)
def test_a_hostile_file_is_a_quick_catalog_error_naming_it(
    write_catalog: WriteCatalog, capsys: pytest.CaptureFixture[str], text: str, line: int,
    words: str,
) -> None:
    folder = write_catalog(text)
    file = str(folder / "models.yaml")
    with pytest.raises(CatalogError) as raised:
        within(0.5, lambda: wavevid.load_catalog(folder))
    assert (raised.value.file, raised.value.line) == (file, line)
    assert words in raised.value.problem
    assert within(0.5, lambda: main(["catalog", "validate", str(folder)])) == 2
    assert capsys.readouterr().out == f"{raised.value}\n"
    assert within(0.5, lambda: main(["--catalog", str(folder), "models"])) == 2
    assert capsys.readouterr().err == f"wavevid: {raised.value}\n"


def test_the_bounds_sit_exactly_at_the_limits(tmp_path: Path) -> None:
    file = tmp_path / "bounds.yaml"
    file.write_text("[" * CATALOG_MAX_DEPTH + "]" * CATALOG_MAX_DEPTH)
    assert read_yaml(file) is not None
    file.write_text("[" * (CATALOG_MAX_DEPTH + 1) + "]" * (CATALOG_MAX_DEPTH + 1))
    with pytest.raises(CatalogError, match="nested deeper"):
        read_yaml(file)
    file.write_text(json.dumps([0] * (CATALOG_MAX_NODES - 1)))  # the list is a value too
    assert len(read_yaml(file)) == CATALOG_MAX_NODES - 1
    file.write_text(json.dumps([0] * CATALOG_MAX_NODES))
    with pytest.raises(CatalogError, match="values once its aliases are expanded"):
        read_yaml(file)
    # An alias counts every value it repeats, and reaches as deep as its anchor goes.
    file.write_text("- &a [[1, 2]]\n" + "- *a\n" * 3)
    assert read_yaml(file) == [[[1, 2]]] * 4


def chain(length: int) -> str:
    """Entries e0 <- e1 <- ... <- e{length}, children written before their parents."""
    lines = ["version: 1", "models:"]
    lines += [f"  e{n}: {{extends: e{n - 1}, path: me/e{n}}}" for n in range(length, 0, -1)]
    lines.append("  e0: {path: me/e0, task: text-to-video, input: {type: object, properties: {}}}")
    return "\n".join(lines) + "\n"


def test_an_extends_chain_is_bounded_and_never_a_recursion_error(
    write_catalog: WriteCatalog,
) -> None:
    catalog = wavevid.load_catalog(write_catalog(chain(CATALOG_MAX_EXTENDS)), builtin=False)
    assert catalog.get(f"e{CATALOG_MAX_EXTENDS}").task == "text-to-video"
    folder = write_catalog(chain(600), folder="long")
    with pytest.raises(CatalogError) as raised:
        within(0.5, lambda: wavevid.load_catalog(folder, builtin=False))
    assert (raised.value.entry, raised.value.key) == (f"e{CATALOG_MAX_EXTENDS + 1}", "extends")
    assert raised.value.problem == f"extends through more than {CATALOG_MAX_EXTENDS} parents"


NEEDS_MAX_LENGTH = "'maxLength' is a required property (a `pattern` needs a `maxLength` beside it"
NEEDS_NAMES = "'propertyNames' is a required property (`patternProperties` needs `propertyNames:"
# (a parameter, the key the CatalogError names, the start of its problem)
UNBOUNDED = [
    ("{type: string, pattern: '^a'}", "", NEEDS_MAX_LENGTH),
    ("{type: string, pattern: '^a', maxLength: 10001}", ".maxLength",
     "10001 is greater than the maximum of 10000 (the longest text a pattern may run on"),
    ("{type: array, items: {type: string, pattern: '^a'}}", ".items", NEEDS_MAX_LENGTH),
    ("{anyOf: [{type: string, pattern: '^a'}]}", ".anyOf.0", NEEDS_MAX_LENGTH),
    ("{type: object, patternProperties: {'^a': {type: string}}}", "", NEEDS_NAMES),
    ("{type: object, propertyNames: {pattern: '^a'}}", ".propertyNames", NEEDS_MAX_LENGTH),
]


@pytest.mark.parametrize(
    ("parameter", "key", "problem"),
    UNBOUNDED,
    ids=["pattern", "over-the-limit", "items", "anyOf", "patternProperties", "propertyNames"],
)
def test_a_pattern_needs_a_bounded_length_beside_it(
    write_catalog: WriteCatalog, parameter: str, key: str, problem: str
) -> None:
    folder = write_catalog(f"""
        version: 1
        models:
          mine:
            path: me/mine
            task: text-to-video
            input: {{type: object, properties: {{p: {parameter}}}}}
    """)
    with pytest.raises(CatalogError) as raised:
        wavevid.load_catalog(folder)
    assert (raised.value.entry, raised.value.key) == ("mine", f"input.properties.p{key}")
    assert raised.value.problem.startswith(problem)


def test_the_meta_schema_states_the_pattern_limit() -> None:
    from wavevid.catalog.check import meta_schema

    assert meta_schema()["$defs"]["pattern_max_length"]["maximum"] == CATALOG_PATTERN_MAX_LENGTH


SLOW = ".*.*=.*"  # cubic on text without "=": seconds for a few thousand characters


def test_a_pattern_never_runs_on_text_longer_than_its_max_length(
    write_catalog: WriteCatalog,
) -> None:
    folder = write_catalog(f"""
        version: 1
        models:
          mine:
            path: me/mine
            task: text-to-video
            input:
              type: object
              properties:
                note: {{type: string, pattern: '{SLOW}', maxLength: 100}}
                tags:
                  type: object
                  propertyNames: {{maxLength: 100}}
                  patternProperties: {{'{SLOW}': {{type: integer}}}}
                  additionalProperties: false
    """)
    model = wavevid.load_catalog(folder).get("mine")
    assert model.build_payload({"note": "a=b", "tags": {"x=1": 1}})["note"] == "a=b"
    text = "a" * 3000
    with pytest.raises(InvalidParametersError) as raised:
        within(0.5, lambda: model.build_payload({"note": text, "tags": {text: 1, "b=": "x"}}))
    assert [(problem.parameter, problem.message) for problem in raised.value.errors] == [
        ("note", "must have at most 100 characters"),
        ("tags", "must have at most 100 characters"),  # the key
        ("tags.b=", "expected an integer, got str 'x'"),  # short keys still meet the pattern
    ]
    with pytest.raises(InvalidParametersError) as raised:  # and short text too
        model.build_payload({"note": "no equals sign"})
    assert raised.value.errors[0].message.endswith(f"does not match the pattern {SLOW}")
