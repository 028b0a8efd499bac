"""The catalog commands (wavevid.cli.catalog): models, show, catalog validate, catalog path
(catalog import and diff: tests/test_catalog_sync.py)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import WriteCatalog
from wavevid.cli import main

from .conftest import Run


def test_models_json_lists_every_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    fast = next(entry for entry in listed if entry["name"] == "ltx-2-fast")
    assert fast == {
        "name": "ltx-2-fast",
        "title": "LTX-2 Fast",
        "task": "text-to-video",
        "path": "lightricks/ltx-2-fast/text-to-video",
        "preset_of": None,
        "aliases": ["ltx2-fast"],
        "verified": False,
        "pricing": {"per_second": 0.04},
    }
    assert len(listed) == 17


def test_models_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "TASK", "PRICE", "VERIFIED", "PATH"]
    assert any(line.startswith("ltx-2-retake ") and "$0.1/s" in line for line in lines)


def test_show_lists_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "hunyuan-1.5"]) == 0
    out = capsys.readouterr().out
    assert "path: wavespeed-ai/hunyuan-video-1.5/text-to-video" in out
    assert "price: by resolution: 480p $0.02/s, 720p $0.04/s" in out
    duration = next(line for line in out.splitlines() if line.startswith("duration"))
    assert duration.split() == ["duration", "integer", "5", "5,", "8,", "10"]


def test_show_prints_an_example_command(run: Run) -> None:
    code, out, _ = run("show", "ltx-2-retake")
    assert code == 0
    assert out.splitlines()[-1].strip() == (
        "wavevid generate ltx-2-retake --file video=./video.mp4 --prompt"
        " 'a red fox running through fresh snow' -o video.mp4"
    )


def test_show_unknown_model_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "ltx-2-fsat"]) == 2
    assert "did you mean 'ltx-2-fast'" in capsys.readouterr().err


def test_catalog_validate_prints_one_line_per_problem(
    write_catalog: WriteCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_catalog("""
        version: 1
        models:
          broken:
            path: me/broken
            task: text-to-video
            input:
              type: object
              required: [image]
              properties:
                duration: {type: integer, enum: [5], default: 6}
    """)
    assert main(["catalog", "validate", str(folder)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{folder / 'models.yaml'}, entry 'broken', key ") for line in lines)


def test_catalog_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "validate"]) == 0
    assert capsys.readouterr().out == "catalog OK\n"


def test_a_bad_user_catalog_exits_2(
    write_catalog: WriteCatalog, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_catalog("version: 1\nmodels: {x: {pathh: a/b}}\n")
    assert main(["--catalog", str(folder), "models"]) == 2
    assert "unknown key pathh" in capsys.readouterr().err


def test_catalog_path_names_every_folder(
    write_catalog: WriteCatalog,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = write_catalog("version: 1\nmodels: {}\n")
    monkeypatch.setenv("WAVEVID_CATALOG_PATH", str(folder))
    assert main(["catalog", "path"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("built-in: ")
    assert lines[1] == f"WAVEVID_CATALOG_PATH: {folder}"
