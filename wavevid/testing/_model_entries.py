"""Entries of WaveSpeed's live model list (``GET /api/v3/models``), built and read.

The live list's shape (WaveSpeed's list-models page, its MCP server's ``LiveModel`` type and its
desktop app's ``SchemaProperty`` type): ``model_id``, ``name``, ``base_price``, ``description``,
``type``, a JSONata ``formula`` and ``api_schema``. ``api_schema`` comes in two shapes: the
current ``{"api_schemas": [{"type": "model_run", ..., "request_schema": {...}}]}`` and an older
OpenAPI document whose request body is ``components.schemas.Request``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SERVER = "https://api.wavespeed.ai"
"""The ``server`` the real list names; the fake never uses it."""

Entry = dict[str, Any]


def prompt(description: str, title: str = "Prompt") -> Entry:
    """A free-text property."""
    return {"type": "string", "title": title, "description": description,
            "x-ui-component": "textarea"}  # fmt: skip


def seed() -> Entry:
    """WaveSpeed's seed property: -1 draws a random seed."""
    return {
        "type": "integer",
        "title": "Seed",
        "description": "The random seed; -1 for a random one.",
        "default": -1,
        "minimum": -1,
        "x-ui-component": "number",
    }


def select(values: list[Any], default: Any, title: str, description: str = "") -> Entry:
    """A property with a list of allowed values."""
    kind = "integer" if isinstance(default, int) else "string"
    entry: Entry = {"type": kind, "title": title, "default": default, "enum": values,
                    "x-ui-component": "select"}  # fmt: skip
    if description:
        entry["description"] = description
    return entry


def slider(minimum: int, maximum: int, default: int, title: str, description: str = "") -> Entry:
    """An integer property within a range."""
    entry: Entry = {"type": "integer", "title": title, "default": default, "minimum": minimum,
                    "maximum": maximum, "x-ui-component": "slider"}  # fmt: skip
    if description:
        entry["description"] = description
    return entry


def uploader(accept: str, title: str, description: str) -> Entry:
    """A media property (a URL, or a file the web UI uploads)."""
    return {"type": "string", "title": title, "description": description,
            "x-ui-component": "uploader", "x-accept": accept}  # fmt: skip


def loras(description: str, most: int = 3) -> Entry:
    """A list of LoRA adapters, each ``{path, scale}``, at most ``most`` of them."""
    item = {
        "type": "object",
        "required": ["path", "scale"],
        "properties": {
            "path": {"type": "string", "title": "Path", "description": "The LoRA weights' URL."},
            "scale": {"type": "number", "title": "Scale", "minimum": 0, "maximum": 4},
        },
    }
    return {"type": "array", "title": "LoRAs", "description": description, "maxItems": most,
            "items": item}  # fmt: skip


def switch(title: str, description: str, default: bool) -> Entry:
    """A boolean property."""
    return {"type": "boolean", "title": title, "default": default, "description": description,
            "x-ui-component": "switch"}  # fmt: skip


def request_schema(required: list[str], properties: dict[str, Entry]) -> Entry:
    """The request body's schema, properties in the order given."""
    return {
        "type": "object",
        "required": required,
        "x-order-properties": list(properties),
        "properties": properties,
    }


def entry(
    model_id: str,
    kind: str,
    base_price: float,
    formula: str,
    description: str,
    schema: Entry,
) -> Entry:
    """An entry in the current shape: ``api_schema.api_schemas[type=model_run]``."""
    run = {
        "type": "model_run",
        "method": "POST",
        "server": SERVER,
        "api_path": f"/api/v3/{model_id}",
        "request_schema": schema,
    }
    return {
        "model_id": model_id,
        "name": model_id,
        "base_price": base_price,
        "description": description,
        "type": kind,
        "formula": formula,
        "api_schema": {"api_schemas": [run]},
    }


def openapi_entry(
    model_id: str,
    kind: str,
    base_price: float,
    formula: str,
    description: str,
    schema: Entry,
) -> Entry:
    """An entry in the older shape: ``api_schema`` is an OpenAPI document."""
    built = entry(model_id, kind, base_price, formula, description, schema)
    reference = {"$ref": "#/components/schemas/Request"}
    built["api_schema"] = {
        "openapi": "3.0.1",
        "info": {"title": model_id, "version": "1.0.0"},
        "servers": [{"url": SERVER}],
        "paths": {
            f"/api/v3/{model_id}": {
                "post": {"requestBody": {"content": {"application/json": {"schema": reference}}}}
            }
        },
        "components": {"schemas": {"Request": schema}},
    }
    return built


def accepted_keys(listed: Mapping[str, Any]) -> frozenset[str] | None:
    """The body keys the entry's request schema names, from either ``api_schema`` shape.

    ``None`` when the entry states no request schema with properties: the fake then cannot
    tell which keys the model knows, and keeps them all.
    """
    schema = _request_schema_of(listed.get("api_schema"))
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return frozenset(properties) if isinstance(properties, Mapping) else None


def _request_schema_of(api_schema: object) -> object:
    if not isinstance(api_schema, Mapping):
        return None
    runs = api_schema.get("api_schemas")
    if isinstance(runs, list):
        for run in runs:
            if isinstance(run, Mapping) and run.get("type") == "model_run":
                return run.get("request_schema")
        return None
    components = api_schema.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    return schemas.get("Request") if isinstance(schemas, Mapping) else None
