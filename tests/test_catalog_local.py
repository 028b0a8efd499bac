"""A catalog never reaches outside itself: a schema reference resolves inside its entry or to a
bundled meta-schema, and anything else is a CatalogError at load, never a request or an open
file. The network is a loopback server that counts what it is asked; it must hear nothing."""

from __future__ import annotations

import errno
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid import CatalogError, InvalidParametersError, ParameterProblem

ENTRY = """
version: 1
models:
  mine:
    path: me/mine
    task: text-to-video
    input:
      type: object
      $defs: {count: {type: integer, minimum: 1}}
      properties:
        prompt: {type: string}
        n: PARAMETER
"""


class SchemaServer(ThreadingHTTPServer):
    """Serves a valid schema for any path, and counts the requests."""

    requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: SchemaServer

    def do_GET(self) -> None:
        self.server.requests += 1
        body = json.dumps({"type": "integer"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/schema+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[SchemaServer]:
    with SchemaServer(("127.0.0.1", 0), _Handler) as running:
        thread = threading.Thread(target=running.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        yield running
        running.shutdown()
        thread.join()


def entry(parameter: str) -> str:
    return ENTRY.replace("PARAMETER", parameter)


# (the `n` parameter, where the CatalogError points, words of its problem); URL is the server's
OUTSIDE = [
    ("{type: integer, $ref: 'URL/s.json', default: 1}", "$ref", "never fetches a schema"),
    ("{type: integer, $ref: 'URL/s.json'}", "$ref", "never fetches a schema"),
    ("{type: array, items: {$ref: 'URL/s.json'}, default: [1]}", "items.$ref", "never fetches"),
    ("{anyOf: [{$ref: 'URL/s.json'}]}", "anyOf.0.$ref", "never fetches"),
    ("{type: integer, $dynamicRef: 'URL/s.json'}", "$dynamicRef", "never fetches"),
    ("{type: integer, $ref: 's.json', default: 1}", "$ref", "never fetches"),
    ("{type: integer, $id: 'URL/', $ref: 's.json', default: 1}", "$id", "$id is not allowed"),
    ("{type: integer, $schema: 'URL/s.json', default: 1}", "$schema", "only https://json-schema"),
]


@pytest.mark.parametrize(
    ("parameter", "key", "words"), OUTSIDE, ids=[case[1] + str(i) for i, case in enumerate(OUTSIDE)]
)
def test_a_reference_outside_the_entry_is_a_catalog_error_and_never_a_request(
    write_catalog: WriteCatalog, server: SchemaServer, parameter: str, key: str, words: str
) -> None:
    folder = write_catalog(entry(parameter.replace("URL", server.url)))
    with pytest.raises(CatalogError) as raised:
        wavevid.load_catalog(folder)
    error = raised.value
    assert (error.file, error.entry, error.key) == (
        str(folder / "models.yaml"), "mine", f"input.properties.n.{key}"
    )
    assert words in error.problem
    assert [str(problem) for problem in wavevid.validate_catalog(folder)] == [str(error)]
    assert server.requests == 0


def test_a_file_reference_is_never_opened(write_catalog: WriteCatalog, tmp_path: Path) -> None:
    # A FIFO shows whether anyone opened it: opening its write end without blocking fails
    # (ENXIO) unless a reader is waiting, and a reader would wait for us for ever.
    fifo = tmp_path / "schema.json"
    os.mkfifo(fifo)
    folder = write_catalog(entry(f"{{type: integer, $ref: '{fifo.as_uri()}', default: 1}}"))
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            wavevid.load_catalog(folder)
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)
        else:
            outcome.append(None)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    loader.join(0.5)
    assert not answered_a_reader(fifo), f"the catalog opened {fifo}"
    loader.join(5)
    assert not loader.is_alive()
    (error,) = outcome
    assert isinstance(error, CatalogError)
    assert (error.entry, error.key) == ("mine", "input.properties.n.$ref")
    assert "no http, no file" in error.problem


def answered_a_reader(fifo: Path) -> bool:
    """Whether someone has ``fifo`` open for reading; if so, it gets a schema and its end."""
    try:
        writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ENXIO:
            return False
        raise
    os.write(writer, b'{"type": "integer"}')
    os.close(writer)
    return True


def test_a_model_built_by_hand_refuses_a_remote_reference_at_build_payload(
    server: SchemaServer,
) -> None:
    # Only an entry that skipped the load-time check can get this far.
    schema = {"type": "object", "properties": {"n": {"$ref": f"{server.url}/s.json"}}}
    definition = {"path": "me/by-hand", "task": "text-to-video", "input": schema}
    model = wavevid.Model("by-hand", definition, Path("by-hand.yaml"))
    with pytest.raises(CatalogError) as raised:
        model.build_payload({"n": 1})
    assert (raised.value.entry, raised.value.key) == ("by-hand", "input.properties.n.$ref")
    assert server.requests == 0


def test_every_validator_uses_a_registry_that_retrieves_nothing(server: SchemaServer) -> None:
    # Under the load-time check: were a remote reference to reach a validator, it fails there.
    from referencing.exceptions import Unresolvable

    from wavevid._schemas import validator

    checker = validator({"properties": {"n": {"$ref": f"{server.url}/s.json"}}})
    with pytest.raises(Unresolvable):
        list(checker.iter_errors({"n": 1}))
    assert server.requests == 0


# (the `n` parameter, where the CatalogError points, words of its problem)
NOWHERE = [
    ("{type: integer, $ref: '#/$defs/nope'}", "$ref", "'#/$defs/nope' points at nothing"),
    ("{type: integer, $ref: '#/$defs/count/minimum'}", "$ref", "which is not a subschema"),
    ("{type: integer, enum: [{}], $ref: '#/properties/n/enum/0'}", "$ref", "not a subschema"),
    ("{type: integer, $ref: '#missing-anchor'}", "$ref", "points at nothing"),
]


@pytest.mark.parametrize(
    ("parameter", "key", "words"), NOWHERE, ids=["nothing", "a-number", "an-enum-value", "anchor"]
)
def test_a_reference_to_nothing_or_to_data_is_a_catalog_error_at_load(
    write_catalog: WriteCatalog, parameter: str, key: str, words: str
) -> None:
    folder = write_catalog(entry(parameter))
    with pytest.raises(CatalogError) as raised:
        wavevid.load_catalog(folder)
    assert (raised.value.entry, raised.value.key) == ("mine", f"input.properties.n.{key}")
    assert words in raised.value.problem


def test_references_inside_the_entry_and_to_bundled_meta_schemas_resolve_locally(
    write_catalog: WriteCatalog, server: SchemaServer
) -> None:
    folder = write_catalog(entry("{type: integer, $ref: '#/$defs/count', default: 2}") + """\
        spec: {type: object, $ref: 'https://json-schema.org/draft/2020-12/schema'}
        size: {$anchor: size, type: integer, maximum: 9}
        sizes: {type: array, items: {$ref: '#size'}}
        ahead: {type: integer, $ref: 'URL/s.json'}
""".replace("URL", server.url))
    with pytest.raises(CatalogError):  # the one remote reference spoils the entry
        wavevid.load_catalog(folder)
    text = (folder / "models.yaml").read_text()
    (folder / "models.yaml").write_text(text.replace(f"{server.url}/s.json", "#/$defs/count"))
    model = wavevid.load_catalog(folder).get("mine")
    assert model.build_payload({"spec": {"type": "string"}, "sizes": [3]})["n"] == 2
    with pytest.raises(InvalidParametersError) as raised:
        model.build_payload({"n": 0, "spec": {"type": 5}, "sizes": [10], "ahead": 0})
    assert sorted(problem.parameter for problem in raised.value.errors) == [
        "ahead", "n", "sizes[0]", "spec.type"
    ]
    assert raised.value.errors[0] == ParameterProblem("n", "0 is below the minimum 1")
    assert server.requests == 0
