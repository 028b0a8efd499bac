"""The merge rules of docs/catalog.md, through user folders as users write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid import CatalogError


def load(*folders: object) -> wavevid.Catalog:
    return wavevid.load_catalog(*folders)  # type: ignore[arg-type]


def test_extends_copies_the_parent_and_applies_the_child(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-fast-portrait:
            extends: ltx-2-fast
            path: lightricks/ltx-2-fast-portrait/text-to-video
            title: LTX-2 Fast portrait
    """)
    model = load(folder).get("ltx-2-fast-portrait")
    fast = load().get("ltx-2-fast")
    assert model.path == "lightricks/ltx-2-fast-portrait/text-to-video"
    assert model.title == "LTX-2 Fast portrait"
    assert model.input_schema == fast.input_schema
    assert model.pricing == fast.pricing
    assert model.aliases == ()  # aliases are never inherited


def test_path_is_not_inherited(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          my-fast:
            extends: ltx-2-fast
    """)
    with pytest.raises(CatalogError) as raised:
        load(folder)
    assert raised.value.entry == "my-fast"
    assert "'path' is a required property" in raised.value.problem


def test_self_extension_changes_only_what_it_names(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-pro:
            extends: ltx-2-pro
            pricing: {per_second: 0.05}
    """)
    catalog = load(folder)
    pro = catalog.get("ltx-2-pro")
    assert pro.estimate_cost({"duration": 6}) == Decimal("0.30")
    assert pro.path == "lightricks/ltx-2-pro/text-to-video"  # kept from the earlier entry
    assert catalog.get("ltx2-pro") is pro  # and so are the aliases
    assert pro.source == folder / "models.yaml"


def test_same_name_without_extends_replaces_whole(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-pro:
            path: lightricks/ltx-2-pro/text-to-video
            task: text-to-video
            input:
              type: object
              properties:
                prompt: {type: string}
    """)
    pro = load(folder).get("ltx-2-pro")
    assert list(pro.parameters) == ["prompt"]
    assert pro.aliases == ()
    assert pro.estimate_cost() is None  # no pricing given


def test_a_child_sees_its_parents_final_definition(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-pro:
            extends: ltx-2-pro
            input:
              properties:
                seed: {type: integer, default: -1}
    """)
    fast = load(folder).get("ltx-2-fast")
    assert fast.defaults["seed"] == -1
    assert fast.build_payload({"prompt": "x"})["seed"] == -1


def test_null_removes_a_parameter_and_a_key(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          quiet-fast:
            extends: ltx-2-fast
            path: vendor/quiet-fast
            title: null
            input:
              properties:
                generate_audio: null
    """)
    model = load(folder).get("quiet-fast")
    assert "generate_audio" not in model.parameters
    assert model.title == "quiet-fast"  # no title: the name stands in


def test_null_in_a_self_extension_removes_an_inherited_parameter(
    write_catalog: WriteCatalog,
) -> None:
    # ltx-2-fast-i2v inherits generate_audio from ltx-2-pro through ltx-2-fast: the null must
    # survive the amendment to act when extends is resolved.
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-fast-i2v:
            extends: ltx-2-fast-i2v
            input:
              properties:
                generate_audio: null
    """)
    model = load(folder).get("ltx-2-fast-i2v")
    assert list(model.parameters) == ["prompt", "duration", "image"]
    assert model.path == "lightricks/ltx-2-fast/image-to-video"


def test_lists_replace(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-fast:
            extends: ltx-2-fast
            aliases: [speedy]
            input:
              required: []
    """)
    catalog = load(folder)
    fast = catalog.get("speedy")
    assert fast.aliases == ("speedy",)
    assert "ltx2-fast" not in catalog
    assert fast.required == ()


def test_a_named_parameter_is_replaced_whole(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-fast:
            extends: ltx-2-fast
            input:
              properties:
                duration: {type: integer, enum: [6, 8]}
    """)
    fast = load(folder).get("ltx-2-fast")
    assert fast.parameters["duration"] == {"type": "integer", "enum": [6, 8]}
    assert "duration" not in fast.defaults  # the old default went with the old definition


def test_pricing_is_replaced_whole(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-fast:
            extends: ltx-2-fast
            pricing: {per_run: 0.2}
    """)
    fast = load(folder).get("ltx-2-fast")
    assert fast.pricing == {"per_run": 0.2}
    assert fast.estimate_cost({"duration": 20}) == Decimal("0.2")


def test_other_mappings_merge_key_by_key(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-fast:
            extends: ltx-2-fast
            input:
              additionalProperties: true
    """)
    fast = load(folder).get("ltx-2-fast")
    assert fast.input_schema["additionalProperties"] is True
    assert fast.input_schema["required"] == ["prompt"]
    assert fast.build_payload({"prompt": "x", "extra": 1})["extra"] == 1


def test_loading_never_changes_the_builtin_definitions(write_catalog: WriteCatalog) -> None:
    before = load().get("ltx-2-fast").input_schema
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-fast:
            extends: ltx-2-fast
            input:
              properties:
                generate_audio: null
    """)
    load(folder)
    assert load().get("ltx-2-fast").input_schema == before
    assert "generate_audio" in before["properties"]


def test_folders_load_in_order_env_before_arguments(
    write_catalog: WriteCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    price = """
        version: 1
        models:
          ltx-2-pro:
            extends: ltx-2-pro
            pricing: {per_second: %s}
    """
    env_a = write_catalog(price % "0.01", folder="env-a")
    env_b = write_catalog(price % "0.02", folder="env-b")
    argument = write_catalog(price % "0.03", folder="argument")
    monkeypatch.setenv("WAVEVID_CATALOG_PATH", f"{env_a}:{env_b}")
    assert load().get("ltx-2-pro").estimate_cost({"duration": 10}) == Decimal("0.20")
    assert load(argument).get("ltx-2-pro").estimate_cost({"duration": 10}) == Decimal("0.30")
    catalog = load(argument)
    assert catalog.folders[1:] == (env_a, env_b, argument)
    monkeypatch.setenv("WAVEVID_CATALOG_PATH", "")
    assert load().get("ltx-2-pro").estimate_cost({"duration": 10}) == Decimal("0.60")


def test_files_in_a_folder_load_in_name_order(write_catalog: WriteCatalog) -> None:
    entry = """
        version: 1
        models:
          ltx-2-pro:
            extends: ltx-2-pro
            title: %s
    """
    write_catalog(entry % "from b", file="b.yml")
    folder = write_catalog(entry % "from a", file="a.yaml")
    write_catalog(entry % "ignored", file="notes.txt")
    write_catalog(entry % "ignored", file=".hidden.yaml")
    assert load(folder).get("ltx-2-pro").title == "from b"


def test_without_the_builtin_catalog(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          mine:
            path: me/mine
            task: text-to-video
            input: {type: object, properties: {prompt: {type: string}}}
    """)
    catalog = wavevid.load_catalog(folder, builtin=False)
    assert catalog.names() == ["mine"]
    assert catalog.get("me/mine").verified is False


@pytest.mark.parametrize(
    ("path", "aliases", "clash"),
    [
        ("me/mine", "[ltx2-pro]", "alias 'ltx2-pro' is also a name, alias or path of 'ltx-2-pro'"),
        ("me/mine", "[ltx-2-fast]", "alias 'ltx-2-fast' is also a name, alias or path of"),
        ("lightricks/ltx-2-pro/text-to-video", "[]", "path 'lightricks/ltx-2-pro/text-to-video'"),
        ("Lightricks/LTX-2-Pro/text-to-video", "[]", "path 'Lightricks/LTX-2-Pro/text-to-video'"),
    ],
)
def test_names_aliases_and_paths_are_unique(
    write_catalog: WriteCatalog, path: str, aliases: str, clash: str
) -> None:
    folder = write_catalog(f"""
        version: 1
        models:
          mine:
            path: {path}
            aliases: {aliases}
            task: text-to-video
            input: {{type: object, properties: {{}}}}
    """)
    with pytest.raises(CatalogError) as raised:
        load(folder)
    assert raised.value.problem.startswith(clash)
    assert raised.value.entry == "mine"
    assert raised.value.file == str(folder / "models.yaml")
