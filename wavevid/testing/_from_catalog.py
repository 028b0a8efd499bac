"""Catalog entries as live-list entries, for a fake that should serve a user's own models."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from wavevid.testing._model_entries import Entry, entry

_RUN_PRICE = '{"total_price": base_price}'
_SECOND_PRICE = '{"total_price": base_price * duration}'


class CatalogModel(Protocol):
    """What ``models_from_catalog`` reads of a ``wavevid.Model``."""

    @property
    def path(self) -> str: ...
    @property
    def task(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def input_schema(self) -> Mapping[str, Any]: ...
    @property
    def pricing(self) -> Mapping[str, Any]: ...


def models_from_catalog(catalog: Iterable[CatalogModel]) -> list[Entry]:
    """Return live-list entries (the shape of ``FakeWaveSpeed.models``) for catalog models.

    ``catalog`` is a ``wavevid.Catalog`` or any iterable of ``wavevid.Model``; entries sharing a
    path (presets) give one entry, the first's. Each entry's request schema is the model's input
    schema without wavevid's own ``x-wavevid-*`` keywords, with a UI component per property as
    the live list has them; its price is the model's rule as a formula (``base_price`` 0 when
    the catalog does not know it)::

        fake = FakeWaveSpeed(models=models_from_catalog(wavevid.load_catalog("my_models")))
        fake.add_model(models_from_catalog([client.catalog.get("my-model")])[0])
    """
    entries: dict[str, Entry] = {}
    for model in catalog:
        if model.path not in entries:
            base_price, formula = _price(model.pricing)
            entries[model.path] = entry(
                model.path, model.task, base_price, formula, model.description,
                _request_schema(model.input_schema),
            )  # fmt: skip
    return list(entries.values())


def _request_schema(schema: Mapping[str, Any]) -> Entry:
    properties = {
        name: _property(spec) for name, spec in dict(schema.get("properties", {})).items()
    }
    return {
        "type": "object",
        "required": list(schema.get("required", [])),
        "x-order-properties": list(properties),
        "properties": properties,
    }


def _property(spec: Mapping[str, Any]) -> Entry:
    plain = json.loads(json.dumps(dict(spec), default=str))  # a deep copy of JSON values
    converted: Entry = _unmarked(plain)
    media = plain.get("x-wavevid-media")
    if media:
        converted.update({"x-ui-component": "uploader", "x-accept": f"{media}/*"})
    else:
        converted["x-ui-component"] = _component(converted)
    return converted


def _unmarked(schema: Any) -> Any:
    """``schema`` without wavevid's ``x-wavevid-*`` keywords, at any depth."""
    if isinstance(schema, dict):
        return {key: _unmarked(value) for key, value in schema.items()
                if not key.startswith("x-wavevid-")}
    if isinstance(schema, list):
        return [_unmarked(item) for item in schema]
    return schema


def _component(spec: Mapping[str, Any]) -> str:
    if "enum" in spec:
        return "select"
    kind = spec.get("type")
    if kind == "boolean":
        return "switch"
    if kind in ("integer", "number"):
        return "slider" if "minimum" in spec and "maximum" in spec else "number"
    return "textarea"


def _price(pricing: Mapping[str, Any]) -> tuple[float, str]:
    """``(base_price, formula)`` for a catalog ``pricing`` rule."""
    if "per_run" in pricing:
        return float(pricing["per_run"]), _RUN_PRICE
    rule = pricing.get("per_second")
    if isinstance(rule, Mapping):
        parameter, rates = rule["by"], list(dict(rule["rates"]).items())
        choices = "".join(f'{parameter} = "{value}" ? {float(rate)} : ' for value, rate in rates)
        return float(rates[-1][1]), f'{{"total_price": duration * ({choices}base_price)}}'
    if rule is not None:
        return float(rule), _SECOND_PRICE
    return 0.0, _RUN_PRICE
