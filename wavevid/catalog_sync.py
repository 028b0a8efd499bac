"""Keeping the catalog true: import entries from WaveSpeed's live model list, and diff the
local catalog against it.

The live list (``GET /api/v3/models``) gives each model's request schema and a price formula.
``import_models`` turns entries into catalog YAML (JSON Schema keywords kept, UI extensions
dropped, parameters in the list's order, uploaders marked as media, ``verified: true``);
``diff`` reports where local entries and the live list disagree. The list is cached on disk for
an hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ._constants import CACHE_DIR_ENV, CATALOG_PATTERN_MAX_LENGTH, LIVE_MODELS_MAX_AGE
from ._logging import get_logger
from .catalog import Catalog, Model
from .catalog import diff as catalog_diff
from .catalog.diff import COMPARED_KEYWORDS, Drift
from .errors import CatalogSyncError

if TYPE_CHECKING:
    from .client import Client

logger = get_logger("wavevid.catalog_sync")

__all__ = [
    "COMPARED_KEYWORDS", "KEPT_KEYWORDS", "Drift", "SyncError", "compare", "default_name", "diff",
    "entry_from_live", "import_models", "live_models", "parameter", "pricing_rule", "render",
    "request_schema",
]

#: JSON Schema keywords an imported parameter keeps; everything else (``x-ui-component``,
#: ``x-accept``, ``step``, ``title``, ...) is presentation and is dropped.
KEPT_KEYWORDS = (
    "type", "enum", "const", "default", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "format", "items",
    "minItems", "maxItems", "properties", "required", "description",
)
_UPLOADERS = frozenset({"uploader", "upload", "file"})
_MEDIA_KINDS = ("image", "video", "audio")
# {"total_price": base_price [* duration] [/ N]}, whitespace anywhere.
_SIMPLE_FORMULA = re.compile(
    r'^\{\s*"total_price"\s*:\s*base_price\s*(?P<per_second>\*\s*duration\s*)?'
    r"(?:/\s*(?P<divisor>\d+(?:\.\d+)?)\s*)?\}$"
)


#: The error of this module: :class:`wavevid.CatalogSyncError` (its name before 0.2).
SyncError = CatalogSyncError


# --- the live list -------------------------------------------------------------------------------


def live_models(
    client: Client, *, refresh: bool = False, cache_dir: str | os.PathLike[str] | None = None
) -> list[dict[str, Any]]:
    """The live model list, from the disk cache when it is under an hour old.

    Args:
        refresh: fetch even when the cache is fresh.
        cache_dir: default ``WAVEVID_CACHE_DIR`` or ``~/.cache/wavevid``.
    """
    path = _cache_path(client.base_url, cache_dir)
    if not refresh and path.is_file() and time.time() - path.stat().st_mtime < LIVE_MODELS_MAX_AGE:
        cached: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))
        return cached
    models = client.live_models()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    part.write_text(json.dumps(models), "utf-8")
    part.replace(path)
    logger.info("fetched %d models from %s", len(models), client.base_url)
    return models


def _cache_path(base_url: str, cache_dir: str | os.PathLike[str] | None) -> Path:
    folder = Path(cache_dir or os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "wavevid")
    host = hashlib.sha256(base_url.encode()).hexdigest()[:12]
    return folder / f"models-{host}.json"


# --- import --------------------------------------------------------------------------------------


def import_models(
    client: Client,
    model_ids: Sequence[str],
    *,
    name: str | None = None,
    refresh: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
) -> str:
    """Catalog YAML for ``model_ids`` (WaveSpeed paths) from the live list.

    An entry takes the local name of a model with the same path (so that the file, in a user
    folder, replaces it), else ``name`` (one model only), else a name made from the path.

    Raises:
        SyncError: a model is not in the live list, or ``name`` is given for several.
    """
    if name and len(model_ids) != 1:
        raise SyncError("--name names one model; give one MODEL_ID with it")
    listed = {entry.get("model_id"): entry for entry in live_models(client, refresh=refresh,
                                                                    cache_dir=cache_dir)}
    entries = {}
    for model_id in model_ids:
        live = listed.get(model_id)
        if live is None:
            raise SyncError(f"{model_id} is not in the live model list of {client.base_url}")
        local = client.catalog.find(model_id)
        entry = entry_from_live(live)
        if local is not None:
            entry = _with_local_metadata(entry, local)
        entries[name or (local.name if local else default_name(model_id))] = entry
    return render(entries, source=client.base_url)


def _with_local_metadata(entry: Mapping[str, Any], local: Model) -> dict[str, Any]:
    """The imported entry, keeping what the live list does not say: the local title, aliases
    and expected run time (the imported entry replaces the local one)."""
    kept: dict[str, Any] = {"path": entry["path"], "task": entry["task"], "title": local.title}
    if local.aliases:
        kept["aliases"] = list(local.aliases)
    kept["expected_seconds"] = (
        dict(local.timing) if isinstance(local.timing, Mapping) else local.timing
    )
    return {**kept, **{key: value for key, value in entry.items() if key not in kept}}


def entry_from_live(live: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog entry (as YAML data) for one entry of the live list."""
    schema = request_schema(live)
    order = schema.get("x-order-properties") or []
    properties = schema.get("properties") or {}
    names = [*[n for n in order if n in properties], *[n for n in properties if n not in order]]
    entry: dict[str, Any] = {
        "path": live["model_id"],
        "task": str(live.get("type") or "unknown"),
        "verified": True,
        "pricing": pricing_rule(live),
        "input": {
            "type": "object",
            "required": [n for n in schema.get("required", []) if n in properties],
            "additionalProperties": False,
            "properties": {n: parameter(properties[n], n) for n in names},
        },
    }
    if live.get("description"):
        entry["description"] = str(live["description"])
    return entry


def request_schema(live: Mapping[str, Any]) -> Mapping[str, Any]:
    """The request schema of a live entry: ``api_schema.api_schemas[type=model_run]``, or the
    older OpenAPI shape's ``components.schemas.Request``. Raises SyncError when it has none."""
    api_schema = live.get("api_schema") or {}
    for run in api_schema.get("api_schemas") or []:
        if run.get("type") == "model_run" and isinstance(run.get("request_schema"), Mapping):
            return dict(run["request_schema"])
    older = (api_schema.get("components") or {}).get("schemas", {}).get("Request")
    if isinstance(older, Mapping):
        return dict(older)
    raise SyncError(f"{live.get('model_id')}: the live entry has no request schema")


def parameter(spec: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A parameter's schema with only JSON Schema keywords, media marked from its uploader."""
    kept = {key: spec[key] for key in KEPT_KEYWORDS if key in spec}
    if "items" in kept and isinstance(kept["items"], Mapping):
        kept["items"] = parameter(kept["items"], name)
    if isinstance(kept.get("properties"), Mapping):  # the fields of an object, e.g. a LoRA's
        kept["properties"] = {
            field: parameter(inner, field) if isinstance(inner, Mapping) else inner
            for field, inner in kept["properties"].items()
        }
    if "pattern" in kept:  # the catalog bounds every pattern's input (CATALOG_PATTERN_MAX_LENGTH)
        limit = kept.get("maxLength")
        if not isinstance(limit, int) or limit > CATALOG_PATTERN_MAX_LENGTH:
            kept["maxLength"] = CATALOG_PATTERN_MAX_LENGTH
    kind = _media_kind(spec, name)
    if kind:
        kept["x-wavevid-media"] = kind
    return kept


def _media_kind(spec: Mapping[str, Any], name: str) -> str | None:
    if spec.get("x-ui-component") not in _UPLOADERS or spec.get("type") != "string":
        return None
    accept = str(spec.get("x-accept") or "")
    for kind in _MEDIA_KINDS:
        if f"{kind}/" in accept or kind in name:
            return kind
    return None


def pricing_rule(live: Mapping[str, Any]) -> dict[str, Any]:
    """Our pricing rule for a live ``base_price`` and ``formula``: per second, per N seconds
    (as per second) or per run when the formula is that simple; else ``unknown`` with it."""
    formula = str(live.get("formula") or "").strip()
    base = live.get("base_price")
    match = _SIMPLE_FORMULA.match(formula)
    if match is None or not isinstance(base, (int, float)):
        why = f"the live formula is not a simple rule: {formula}" if formula else "no formula"
        return {"unknown": why}
    price = Decimal(str(base)) / Decimal(match["divisor"] or 1)
    number = float(round(price, 6))
    return {"per_second": number} if match["per_second"] else {"per_run": number}


def default_name(model_id: str) -> str:
    """A catalog name for a path: ``vendor/ltx-2.5/text-to-video`` -> ``ltx-2.5``,
    ``.../image-to-video`` -> ``...-i2v``, other suffixes kept."""
    parts = model_id.strip("/").split("/")[1:] or [model_id]
    suffixes = {"text-to-video": "", "image-to-video": "-i2v"}
    if len(parts) > 1 and parts[-1] in suffixes:
        return (parts[0] + suffixes[parts[-1]]).lower()
    return "-".join(parts).lower()


def render(entries: Mapping[str, Mapping[str, Any]], *, source: str) -> str:
    """Catalog YAML, headed by where and when it was imported."""
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"# Imported by `wavevid catalog import` from {source}/api/v3/models on {when}.\n"
        "# verified: true means these parameters are the live schema as of that date.\n"
    )
    document = {"version": 1, "models": {name: dict(entry) for name, entry in entries.items()}}
    body = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )
    return header + body


# --- diff ----------------------------------------------------------------------------------------


def diff(
    client: Client,
    names: Iterable[str] = (),
    *,
    refresh: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
) -> list[Drift]:
    """Every difference between local entries (``names``, or the whole catalog) and the live
    list; empty when in sync."""
    listed = {entry.get("model_id"): entry for entry in live_models(client, refresh=refresh,
                                                                    cache_dir=cache_dir)}
    return compare(client.catalog, listed, names)


def compare(
    catalog: Catalog, listed: Mapping[Any, Mapping[str, Any]], names: Iterable[str] = ()
) -> list[Drift]:
    """``diff`` on data: local models against live entries keyed by model id."""
    return catalog_diff.compare(catalog, listed, names, convert=entry_from_live)
