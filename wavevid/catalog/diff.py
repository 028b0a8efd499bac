"""Comparing local catalog entries with WaveSpeed's live model list, as data: what
``wavevid.catalog_sync.diff`` reports. Parameters are compared keyword by keyword, and so are
the items of a list and the fields of an object (``loras[].scale``); prices are compared when
the live formula is a simple rule."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .._media_slots import MediaSlots

if TYPE_CHECKING:
    from .collection import Catalog
    from .model import Model

#: Keywords ``diff`` compares, per parameter and per field of a list's items or an object
#: (named like ``loras[].scale``).
COMPARED_KEYWORDS = (
    "type", "enum", "default", "minimum", "maximum", "minItems", "maxItems", "x-wavevid-media",
)


@dataclass(frozen=True)
class Drift:
    """One difference between a local entry and the live list."""

    model: str
    """The local name."""
    parameter: str | None
    """The parameter concerned; None for the model itself (its price, its presence)."""
    change: str
    """``added``, ``removed``, ``required``, a compared keyword, ``price`` or ``missing``."""
    local: Any = None
    live: Any = None

    def __str__(self) -> str:
        where = f"{self.model}: {self.parameter}" if self.parameter else self.model
        phrase = _PHRASES.get(self.change)
        if phrase:
            return f"{where}: {phrase}"
        return f"{where}: {self.change} {self.local!r} here, {self.live!r} live"

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "parameter": self.parameter, "change": self.change,
                "local": self.local, "live": self.live}


_PHRASES = {
    "added": "in the live list, not in the catalog",
    "removed": "in the catalog, gone from the live list",
    "missing": "not in the live list",
}


def compare(
    catalog: Catalog,
    listed: Mapping[Any, Mapping[str, Any]],
    names: Iterable[str] = (),
    *,
    convert: Callable[[Mapping[str, Any]], Mapping[str, Any]],
) -> list[Drift]:
    """``diff`` on data: local models against live entries keyed by model id, each made a
    catalog entry by ``convert`` (``catalog_sync.entry_from_live``). Without ``names``, each
    endpoint once, through its owner: a preset narrows its owner's parameters on purpose."""
    models = [catalog.get(name) for name in names] or [m for m in catalog if not m.preset_of]
    drifts: list[Drift] = []
    for model in models:
        live = listed.get(model.path)
        if live is None:
            drifts.append(Drift(model.name, None, "missing"))
            continue
        drifts += _model_drifts(model, convert(live))
    return drifts


def _model_drifts(model: Model, live: Mapping[str, Any]) -> list[Drift]:
    slots = MediaSlots(model.input_schema)  # follows a local entry's $ref to its $defs
    drifts = _fields_drifts(model.name, "", model.input_schema, live["input"], slots)
    live_price = live["pricing"]
    if "unknown" not in live_price and _price(model.pricing) != _price(live_price):
        drifts.append(Drift(model.name, None, "price", dict(model.pricing), live_price))
    return drifts


def _fields_drifts(
    model: str, prefix: str, local: Mapping[str, Any], live: Mapping[str, Any], slots: MediaSlots
) -> list[Drift]:
    """Drifts between the ``properties`` (and ``required``) of two object schemas, each field
    named ``prefix`` + its name."""
    local_fields, live_fields = local.get("properties") or {}, live.get("properties") or {}
    drifts = [Drift(model, prefix + name, "added") for name in live_fields
              if name not in local_fields]
    for name, spec in local_fields.items():
        other = live_fields.get(name)
        if other is None:
            drifts.append(Drift(model, prefix + name, "removed"))
            continue
        drifts += _spec_drifts(model, prefix + name, slots.resolve(spec) or {}, other, slots)
        required = (name in local.get("required", ()), name in live.get("required", ()))
        if required[0] != required[1]:
            drifts.append(Drift(model, prefix + name, "required", *required))
    return drifts


def _spec_drifts(
    model: str, name: str, spec: Mapping[str, Any], other: Mapping[str, Any], slots: MediaSlots
) -> list[Drift]:
    """Drifts of one parameter or field, and of its items' and fields' (``loras[].scale``)."""
    drifts = [Drift(model, name, key, spec.get(key), other.get(key))
              for key in COMPARED_KEYWORDS if spec.get(key) != other.get(key)]
    items, other_items = slots.resolve(spec.get("items")), other.get("items")
    if items is not None and isinstance(other_items, Mapping):
        drifts += _spec_drifts(model, f"{name}[]", items, other_items, slots)
    if "properties" in spec or "properties" in other:
        drifts += _fields_drifts(model, f"{name}.", spec, other, slots)
    return drifts


def _price(rule: Mapping[str, Any]) -> Any:
    """A pricing rule with numbers as Decimals, so that 0.1 and 0.10 compare equal."""
    return json.loads(json.dumps(rule), parse_float=Decimal, parse_int=Decimal)
