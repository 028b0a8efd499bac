"""The catalog commands: ``models``, ``show``, ``catalog validate|path|import|diff``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..catalog import Catalog, Model, load_catalog
from ..catalog import validate_catalog as find_catalog_problems
from ..catalog.files import builtin_folder, environment_folders
from . import inputs
from .exit_codes import ExitCode


def add_commands(commands: Any) -> None:
    """Add the catalog commands to an argparse subparsers object."""
    models = commands.add_parser("models", help="list the catalog's models")
    models.add_argument("--json", action="store_true", help="one JSON document, for scripts")
    models.set_defaults(run=_models)

    show = commands.add_parser("show", help="a model's parameters, and an example command")
    show.add_argument("model", help="name, alias or WaveSpeed path")
    show.set_defaults(run=_show)

    catalog = commands.add_parser("catalog", help="check the catalog, find its folders")
    actions = catalog.add_subparsers(required=True, metavar="ACTION")
    validate = actions.add_parser("validate", help="list every problem, one per line")
    validate.add_argument("folders", nargs="*", metavar="FOLDER")
    validate.set_defaults(run=_validate)
    path = actions.add_parser("path", help="the folders read, in load order")
    path.set_defaults(run=_path)
    imported = actions.add_parser(
        "import", help="catalog YAML for models of WaveSpeed's live list (needs the key)"
    )
    imported.add_argument("model_ids", nargs="+", metavar="MODEL_ID", help="WaveSpeed paths")
    imported.add_argument("--name", help="the entry's name (one model only)")
    imported.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")
    imported.add_argument("--refresh", action="store_true", help="ignore the hour-long cache")
    imported.set_defaults(run=_import)
    drift = actions.add_parser(
        "diff", help=f"local entries vs the live list; exit {int(ExitCode.DRIFT)} when they differ"
    )
    drift.add_argument("names", nargs="*", metavar="NAME", help="default: every model")
    drift.add_argument("--json", action="store_true")
    drift.add_argument("--refresh", action="store_true", help="ignore the hour-long cache")
    drift.set_defaults(run=_diff)


def _catalog(arguments: argparse.Namespace) -> Catalog:
    return load_catalog(*arguments.catalog)


def _import(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    from .. import catalog_sync

    text = catalog_sync.import_models(
        inputs.client_for(arguments), arguments.model_ids, name=arguments.name,
        refresh=arguments.refresh,
    )
    if arguments.output:
        Path(arguments.output).write_text(text, encoding="utf-8")
        out.write(f"wrote {arguments.output}\n")
    else:
        out.write(text)
    return ExitCode.OK


def _diff(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    from .. import catalog_sync

    client = inputs.client_for(arguments)
    drifts = catalog_sync.diff(client, arguments.names, refresh=arguments.refresh)
    if arguments.json:
        out.write(json.dumps([drift.to_dict() for drift in drifts], indent=2, default=str) + "\n")
    else:
        out.write("".join(f"{drift}\n" for drift in drifts) or "in sync with the live list\n")
    return ExitCode.DRIFT if drifts else ExitCode.OK


def _models(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    models = list(_catalog(arguments))
    if arguments.json:
        json.dump([_summary(model) for model in models], out, indent=2)
        out.write("\n")
        return ExitCode.OK
    rows = [("NAME", "TASK", "PRICE", "VERIFIED", "PATH")]
    rows += [
        (m.name, m.task, _price(m.pricing), _yes(m.verified), m.path + _preset_note(m))
        for m in models
    ]
    _table(rows, out)
    return ExitCode.OK


def _show(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    catalog = _catalog(arguments)
    model = catalog.get(arguments.model)
    out.write(f"{model.title} ({model.name})\n  path: {model.path}\n  task: {model.task}\n")
    if model.preset_of:
        out.write(f"  preset of: {model.preset_of} (same endpoint, price and run time)\n")
    presets = [other.name for other in catalog if other.preset_of == model.name]
    if presets:
        out.write(f"  presets: {', '.join(presets)}\n")
    out.write(f"  price: {_price(model.pricing)}\n  verified: {_yes(model.verified)}\n")
    if model.aliases:
        out.write(f"  aliases: {', '.join(model.aliases)}\n")
    rows = [("PARAMETER", "TYPE", "DEFAULT", "ALLOWED", "NOTES")]
    for name, spec in model.parameters.items():
        rows.append((name, _type_of(spec), _default(spec), _allowed(spec), _notes(model, name)))
    out.write("\n")
    _table(rows, out)
    out.write(f"\nexample:\n  {example_command(model)}\n")
    return ExitCode.OK


def example_command(model: Model) -> str:
    """A ``wavevid generate`` command line that gives every required parameter."""
    words = ["wavevid", "generate", model.name]
    for name in model.required:
        if name == "prompt":
            words += ["--prompt", "'a red fox running through fresh snow'"]
        elif name in model.media:
            kind = model.media[name]
            words += ["--file", f"{name}=./{kind}.{_EXAMPLE_SUFFIX[kind]}"]
        else:
            words += ["--param", f"{name}=VALUE"]
    return " ".join([*words, "-o", "video.mp4"])


_EXAMPLE_SUFFIX = {"image": "png", "video": "mp4", "audio": "mp3"}


def _validate(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    problems = find_catalog_problems(*arguments.catalog, *arguments.folders)
    for problem in problems:
        out.write(f"{problem}\n")
    if problems:
        return ExitCode.USAGE
    out.write("catalog OK\n")
    return ExitCode.OK


def _path(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    out.write(f"built-in: {builtin_folder()}\n")
    for folder in environment_folders():
        out.write(f"WAVEVID_CATALOG_PATH: {folder}\n")
    for folder in arguments.catalog:
        out.write(f"--catalog: {folder}\n")
    return ExitCode.OK


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _preset_note(model: Model) -> str:
    return f" (preset of {model.preset_of})" if model.preset_of else ""


def _summary(model: Model) -> dict[str, Any]:
    return {
        "name": model.name,
        "title": model.title,
        "task": model.task,
        "path": model.path,
        "preset_of": model.preset_of,
        "aliases": list(model.aliases),
        "verified": model.verified,
        "pricing": model.pricing,
    }


def _price(rule: Mapping[str, Any]) -> str:
    if "per_run" in rule:
        return f"${rule['per_run']}/run"
    per_second = rule.get("per_second")
    if isinstance(per_second, Mapping):
        rates = ", ".join(f"{value} ${rate}/s" for value, rate in per_second["rates"].items())
        return f"by {per_second['by']}: {rates}"
    if per_second is not None:
        return f"${per_second}/s"
    return "unknown"


def _type_of(spec: Mapping[str, Any]) -> str:
    kind = spec.get("type", "any")
    fields = spec.get("items", {}).get("properties") if kind == "array" else None
    if isinstance(fields, Mapping):  # a list of objects, such as LoRAs
        return "list of {" + ", ".join(fields) + "}"
    return "|".join(kind) if isinstance(kind, list) else str(kind)


def _default(spec: Mapping[str, Any]) -> str:
    return json.dumps(spec["default"]) if "default" in spec else ""


def _allowed(spec: Mapping[str, Any]) -> str:
    if "const" in spec:
        return f"only {json.dumps(spec['const'])}"
    if "enum" in spec:
        return ", ".join(str(value) for value in spec["enum"])
    limits = (("minimum", ">= {}"), ("maximum", "<= {}"), ("minItems", ">= {} items"),
              ("maxItems", "<= {} items"))
    return " ".join(form.format(spec[key]) for key, form in limits if key in spec)


def _notes(model: Model, name: str) -> str:
    notes = ["required"] if name in model.required else []
    if name in model.media:
        notes.append(f"{model.media[name]}: URL, or a local file to upload")
    return ", ".join(notes)


def _table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")
