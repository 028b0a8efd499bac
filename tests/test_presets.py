"""Presets: several catalog names for one WaveSpeed path (``preset_of``)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid.cli import main
from wavevid.testing import FakeWaveSpeed

PRO_PATH = "lightricks/ltx-2-pro/text-to-video"

PRESETS = """
    version: 1
    models:
      pro-10s:
        preset_of: ltx-2-pro
        title: LTX-2 Pro, ten seconds
        description: Our product's only length.
        aliases: [pro-ten]
        input:
          properties:
            duration: {type: integer, const: 10}
      fast-short:
        preset_of: ltx-2-fast
        input:
          properties:
            duration: {type: integer, enum: [6, 8], default: 8}
            generate_audio: {type: boolean, default: false}
      lora-short:
        preset_of: ltx-2-19b
        input:
          properties:
            duration: {type: integer, minimum: 5, maximum: 8, default: 6}
"""


@pytest.fixture
def presets(write_catalog: WriteCatalog) -> Path:
    return write_catalog(PRESETS)


def problems(write_catalog: WriteCatalog, text: str) -> list[tuple[str | None, str | None, str]]:
    folder = write_catalog(text, folder="bad")
    return [(p.entry, p.key, p.problem) for p in wavevid.validate_catalog(folder)]


def test_a_preset_shares_its_owners_path_price_and_run_time(presets: Path) -> None:
    catalog = wavevid.load_catalog(presets)
    pro, preset = catalog.get("ltx-2-pro"), catalog.get("pro-ten")
    assert (preset.name, preset.path, preset.preset_of) == ("pro-10s", PRO_PATH, "ltx-2-pro")
    assert (preset.title, preset.description, preset.aliases) == (
        "LTX-2 Pro, ten seconds", "Our product's only length.", ("pro-ten",)
    )
    assert (preset.task, preset.pricing, preset.timing, preset.verified) == (
        pro.task, pro.pricing, pro.timing, pro.verified
    )
    assert pro.preset_of is None
    assert preset.estimate_cost() == Decimal("0.60")  # the const is the default: 10 s
    assert preset.expected_seconds() == pro.expected_seconds({"duration": 10})


def test_a_const_is_the_default_and_any_other_value_is_refused(presets: Path) -> None:
    preset = wavevid.load_catalog(presets).get("pro-10s")
    assert preset.defaults["duration"] == 10
    assert preset.build_payload({"prompt": "x"})["duration"] == 10
    assert preset.build_payload({"prompt": "x", "duration": 10})["duration"] == 10
    with pytest.raises(wavevid.InvalidParametersError) as raised:
        preset.build_payload({"prompt": "x", "duration": 6})
    assert raised.value.errors == [wavevid.ParameterProblem("duration", "must be 10")]


def test_a_narrowed_enum_and_range_refuse_what_the_owner_takes(presets: Path) -> None:
    catalog = wavevid.load_catalog(presets)
    fast = catalog.get("fast-short")
    assert fast.build_payload({"prompt": "x"}) == {
        "prompt": "x", "duration": 8, "generate_audio": False,
    }
    with pytest.raises(wavevid.InvalidParametersError) as raised:
        fast.build_payload({"prompt": "x", "duration": 10})  # ltx-2-fast takes 10
    assert raised.value.errors[0].message == "10 is not one of 6, 8"
    with pytest.raises(wavevid.InvalidParametersError) as raised:
        catalog.get("lora-short").build_payload({"prompt": "x", "duration": 12})
    assert raised.value.errors[0].message == "12 is above the maximum 8"


def test_a_lookup_by_path_finds_the_owner_never_a_preset(presets: Path) -> None:
    catalog = wavevid.load_catalog(presets)
    assert catalog.get(PRO_PATH).name == "ltx-2-pro"
    assert catalog.find(PRO_PATH.upper()) is catalog.get("ltx-2-pro")
    assert catalog.find("lightricks/ltx-2-fast/text-to-video") is catalog.get("ltx-2-fast")


def test_jobs_of_a_preset_are_looked_up_as_the_owners(
    presets: Path, fake_wavespeed: FakeWaveSpeed
) -> None:
    with fake_wavespeed.client(catalog_paths=[presets]) as client:
        job = client.submit("pro-10s", prompt="a fox")
        assert fake_wavespeed.jobs[job.id].model == PRO_PATH
        assert fake_wavespeed.jobs[job.id].input == {
            "prompt": "a fox", "duration": 10, "generate_audio": True,
        }
        assert job.model_name == "pro-10s"  # this client knows what it sent
        fetched = client.get_job(job.id)  # as from another process: only the path is known
        assert (fetched.model, fetched.model_name) == (PRO_PATH, "ltx-2-pro")
        (listed,) = client.list_jobs(model="pro-ten")  # the endpoint's jobs
        assert (listed.id, listed.model_name) == (job.id, "ltx-2-pro")


@pytest.mark.parametrize(("entry", "key", "words"), [
    ("preset_of: ltx-2-pro\n    path: lightricks/ltx-2-fast/text-to-video", "path",
     "a preset sends to the path of 'ltx-2-pro'"),
    ("preset_of: ltx-2-pro\n    pricing: {per_second: 0.01}", "pricing",
     "a preset keeps the pricing of 'ltx-2-pro'"),
    ("preset_of: ltx-2-pro\n    expected_seconds: 5", "expected_seconds",
     "a preset keeps the expected_seconds of 'ltx-2-pro'"),
    ("preset_of: ltx-2-pro\n    task: image-to-video", "task", "keeps the task"),
    ("preset_of: ltx-2-pro\n    extends: ltx-2-fast", "extends", "remove extends"),
    ("preset_of: ltx-2-pro\n    input: {additionalProperties: true}",
     "input.additionalProperties", "keeps input.additionalProperties"),
    ("preset_of: ltx-2-pro\n    input: {properties: {seed: {type: integer}}}",
     "input.properties.seed", "'ltx-2-pro' does not take it"),
    ("preset_of: ltx-2-pro\n    input: {properties: {duration: {type: integer, const: 7}}}",
     "input.properties.duration.const", "7 is not a value 'ltx-2-pro' takes"),
    ("preset_of: ltx-2-pro\n    input:\n      properties:\n"
     "        duration: {type: integer, enum: [6, 12], default: 6}",
     "input.properties.duration.enum", "12 is not a value 'ltx-2-pro' takes"),
    ("preset_of: ltx-2-pro\n    input:\n      properties:\n"
     "        duration: {type: integer, default: 6}",
     "input.properties.duration.enum", "its enum differs from that of 'ltx-2-pro'"),
    ("preset_of: ltx-2-19b\n    input:\n      properties:\n"
     "        duration: {type: integer, minimum: 5, maximum: 30, default: 5}",
     "input.properties.duration.maximum", "30 widens the maximum of 'ltx-2-19b' (20)"),
    ("preset_of: ltx-2-19b\n    input:\n      properties:\n"
     "        duration: {type: integer, maximum: 10, default: 5}",
     "input.properties.duration.minimum", "drops the minimum of 'ltx-2-19b' (5)"),
    ("preset_of: ltx-2-pro\n    input:\n      required: []", "input.required",
     "'ltx-2-pro' requires 'prompt'"),
    ("preset_of: ltx-2-pro\n    input:\n      properties:\n"
     "        duration: {type: integer, const: 10, x-wavevid-media: video}",
     "input.properties.duration.x-wavevid-media", "keeps x-wavevid-media"),
])
def test_a_preset_never_widens_or_changes_the_endpoint(
    write_catalog: WriteCatalog, entry: str, key: str, words: str
) -> None:
    text = f"version: 1\nmodels:\n  mine:\n    {entry}\n"
    [(name, found_key, problem)] = problems(write_catalog, text)
    assert (name, found_key) == ("mine", key)
    assert words in problem
    with pytest.raises(wavevid.CatalogError):
        wavevid.load_catalog(write_catalog(text, folder="bad"))


def test_a_preset_of_a_preset_names_the_owner(write_catalog: WriteCatalog) -> None:
    found = problems(write_catalog, PRESETS + "      again:\n        preset_of: pro-10s\n")
    assert found == [("again", "preset_of",
                      "'pro-10s' is a preset of 'ltx-2-pro': name the entry that owns the path")]


def test_an_extends_variant_without_a_path_is_still_an_error(write_catalog: WriteCatalog) -> None:
    # It must never bill its parent's endpoint by accident: only preset_of shares a path.
    found = problems(write_catalog, "version: 1\nmodels:\n  mine:\n    extends: ltx-2-pro\n")
    assert [(name, key) for name, key, _ in found] == [("mine", None)]
    assert "'path' is a required property" in found[0][2]


def test_two_entries_on_one_path_without_preset_of_clash(write_catalog: WriteCatalog) -> None:
    found = problems(write_catalog, f"""
        version: 1
        models:
          mine:
            extends: ltx-2-pro
            path: {PRO_PATH.upper()}
    """)
    assert [(name, key) for name, key, _ in found] == [("mine", "path")]
    assert found[0][2].endswith(
        "to give one endpoint another name, make it a preset: `preset_of: ltx-2-pro` instead of"
        " a path"
    )


def test_names_and_aliases_stay_unique(write_catalog: WriteCatalog) -> None:
    found = problems(write_catalog, """
        version: 1
        models:
          mine:
            preset_of: ltx-2-pro
            aliases: [ltx2-fast]
    """)
    assert [(name, key) for name, key, _ in found] == [("mine", "aliases")]


def test_an_amended_owner_is_followed_and_checked_again(write_catalog: WriteCatalog) -> None:
    write_catalog(PRESETS)
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-pro: {extends: ltx-2-pro, pricing: {per_second: 0.05}}
          ltx-2-fast:
            extends: ltx-2-fast
            input: {properties: {duration: {type: integer, enum: [10, 20], default: 10}}}
    """, file="z-amend.yaml")
    found = [(p.entry, p.key, p.problem[0]) for p in wavevid.validate_catalog(folder)]
    assert found == [("fast-short", "input.properties.duration.enum", value) for value in "68"]
    without = folder / "models.yaml"
    without.write_text(without.read_text().split("  fast-short:")[0])
    preset = wavevid.load_catalog(folder).get("pro-10s")
    assert preset.pricing == {"per_second": 0.05}  # follows its owner's amended price
    assert preset.estimate_cost() == Decimal("0.50")


def test_models_and_show_mark_presets_and_their_owner(
    presets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--catalog", str(presets), "models"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert rows["pro-10s"].endswith(f"{PRO_PATH} (preset of ltx-2-pro)")
    assert rows["ltx-2-pro"].endswith(PRO_PATH)
    assert main(["--catalog", str(presets), "models", "--json"]) == 0
    listed = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert (listed["pro-10s"]["preset_of"], listed["ltx-2-pro"]["preset_of"]) == ("ltx-2-pro", None)
    assert main(["--catalog", str(presets), "show", "pro-ten"]) == 0
    out = capsys.readouterr().out
    assert "  preset of: ltx-2-pro (same endpoint, price and run time)\n" in out
    duration = next(line for line in out.splitlines() if line.startswith("duration"))
    assert duration.split() == ["duration", "integer", "only", "10"]
    assert main(["--catalog", str(presets), "show", "ltx-2-pro"]) == 0
    assert "  presets: pro-10s\n" in capsys.readouterr().out


def test_a_preset_generates_from_the_command_line(
    presets: Path, fake_wavespeed: FakeWaveSpeed, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake_wavespeed.url)
    monkeypatch.setenv("WAVEVID_POLL_INTERVAL", "0.01")
    output = tmp_path / "fox.mp4"
    assert main(["--catalog", str(presets), "generate", "fast-short", "--prompt", "a fox",
                 "-o", str(output), "--quiet"]) == 0
    (job,) = fake_wavespeed.jobs.values()
    assert (job.model, job.input["duration"]) == ("lightricks/ltx-2-fast/text-to-video", 8)
    assert "estimated cost: $0.32" in capsys.readouterr().out
    assert main(["--catalog", str(presets), "generate", "fast-short", "--prompt", "a fox",
                 "--param", "duration=10", "-o", str(output), "--quiet"]) == 2
    assert "duration: 10 is not one of 6, 8" in capsys.readouterr().err


def test_diff_of_the_whole_catalog_compares_each_endpoint_once(presets: Path) -> None:
    from wavevid import catalog_sync
    from wavevid.testing import models_from_catalog

    builtin = wavevid.load_catalog()
    listed = {entry["model_id"]: entry for entry in models_from_catalog(builtin)}
    with_presets = wavevid.load_catalog(presets)
    assert catalog_sync.compare(with_presets, listed) == catalog_sync.compare(builtin, listed)
    # Named, a preset is compared as it is: its narrowing shows.
    drifts = catalog_sync.compare(with_presets, listed, ["pro-10s"])
    assert {(drift.model, drift.parameter) for drift in drifts} == {("pro-10s", "duration")}
