"""Every way a user catalog can be wrong gives a CatalogError naming file, entry and key."""

from __future__ import annotations

from pathlib import Path

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid import CatalogError

MODEL = """
version: 1
models:
  mine:
    path: me/mine
    task: text-to-video
    pricing: {per_second: 0.1}
    input:
      type: object
      required: [prompt]
      properties:
        prompt: {type: string}
        duration: {type: integer, enum: [5, 10], default: 5}
"""


def error_for(folder: Path) -> CatalogError:
    with pytest.raises(CatalogError) as raised:
        wavevid.load_catalog(folder)
    return raised.value


def test_the_template_itself_loads(write_catalog: WriteCatalog) -> None:
    assert wavevid.load_catalog(write_catalog(MODEL)).get("mine").path == "me/mine"


def test_yaml_syntax_error_names_the_line(write_catalog: WriteCatalog) -> None:
    folder = write_catalog(MODEL.replace("task: text-to-video", "task: [text-to-video"))
    error = error_for(folder)
    assert error.file == str(folder / "models.yaml")
    assert error.line == 7
    assert error.problem.startswith("invalid YAML")
    assert str(error).startswith(f"{folder / 'models.yaml'}:7: invalid YAML")


def test_unsafe_yaml_tags_are_refused(write_catalog: WriteCatalog) -> None:
    folder = write_catalog(MODEL.replace("me/mine", "!!python/object/apply:os.getcwd []"))
    assert "YAML" in error_for(folder).problem


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"version: 1\nmodels: {\xff: 1}\n")
    assert error_for(tmp_path).file == str(tmp_path / "bad.yaml")


# (a change to MODEL, the entry named, the key named, words in the problem)
CASES = [
    ("version: 1", "version: 2", None, "version", "format version 2 is newer"),
    ("version: 1", "version: 0", None, "version", "1 was expected"),
    ("models:", "modelz:", None, "modelz", "unknown key modelz; allowed: version, models"),
    ("  mine:", "  Mine:", None, "models", "does not match"),
    ("    task: text-to-video", "    taks: text-to-video", "mine", "taks", "unknown key taks"),
    ("me/mine", "mine", "mine", "path", "does not match"),
    ("    task: text-to-video\n", "", "mine", None, "'task' is a required property"),
    ("type: string}", "type: strin}", "mine", "input.properties.prompt.type",
     "not a valid JSON Schema"),
    ("default: 5}", "default: 6}", "mine", "input.properties.duration.default",
     "the default breaks its own schema: 6 is not one of [5, 10]"),
    ("required: [prompt]", "required: [prompt, image]", "mine", "input.required",
     "'image' is required but is not in input.properties"),
    ("pricing: {per_second: 0.1}", "pricing: {per_second: 0.1, per_run: 1}", "mine", "pricing",
     "has too many properties (Exactly one rule: per_second"),
    ("pricing: {per_second: 0.1}", "pricing: {per_second: -1}", "mine", "pricing.per_second",
     "-1"),
    ("pricing: {per_second: 0.1}", "pricing: {per_second: {by: size, rates: {a: 1}}}", "mine",
     "pricing.per_second.by", "'size' is not an input parameter"),
    ("pricing: {per_second: 0.1}", "pricing: {per_second: {by: duration, rates: {'7': 1}}}",
     "mine", "pricing.per_second.rates.7", "'7' is not a value of duration (5, 10)"),
    ("prompt: {type: string}", "prompt: {type: string, x-wavevid-media: picture}", "mine",
     "input.properties.prompt.x-wavevid-media", "'picture' is not one of"),
    ("input:", "expected_seconds: 0\n    input:", "mine", "expected_seconds", "fits none"),
    ("    task: text-to-video", "    task: text-to-video\n    extends: nothing-like-it",
     "mine", "extends", "extends 'nothing-like-it', which is not in the catalog"),
    ("    task: text-to-video", "    task: text-to-video\n    extends: ltx-2-fsat", "mine",
     "extends", "did you mean 'ltx-2-fast' or"),
]


@pytest.mark.parametrize(("old", "new", "entry", "key", "words"), CASES)
def test_bad_entry(
    write_catalog: WriteCatalog, old: str, new: str, entry: str | None, key: str, words: str
) -> None:
    assert old in MODEL
    folder = write_catalog(MODEL.replace(old, new, 1))
    error = error_for(folder)
    assert error.file == str(folder / "models.yaml")
    assert error.entry == entry
    assert (error.key or "") == (key or "")
    assert words in error.problem


def test_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    error = error_for(tmp_path / "nowhere")
    assert error.file == str(tmp_path / "nowhere")
    assert error.problem == "no such catalog folder"


def test_a_file_that_is_not_a_mapping(write_catalog: WriteCatalog) -> None:
    error = error_for(write_catalog("- just\n- a list\n"))
    assert "is not of type 'object'" in error.problem


def test_an_extends_cycle(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          a: {extends: b, path: x/a}
          b: {extends: a, path: x/b}
    """)
    error = error_for(folder)
    assert error.key == "extends"
    assert "extends cycle: a -> b -> a" in error.problem


def test_self_extension_needs_an_earlier_entry(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          brand-new: {extends: brand-new, pricing: {per_run: 1}}
    """)
    error = error_for(folder)
    assert (error.entry, error.key) == ("brand-new", "extends")
    assert "no earlier catalog defines it" in error.problem


def test_validate_catalog_lists_every_problem(write_catalog: WriteCatalog) -> None:
    write_catalog("version: 1\nmodels: [\n", file="a-broken.yaml")
    folder = write_catalog(
        MODEL.replace("default: 5}", "default: 6}").replace("me/mine", "m"), file="b.yaml"
    )
    problems = wavevid.validate_catalog(folder)
    assert [(Path(p.file or "").name, p.entry, p.key) for p in problems] == [
        ("a-broken.yaml", None, None),
        ("b.yaml", "mine", "path"),
    ]
    fixed = folder / "b.yaml"
    fixed.write_text(fixed.read_text().replace("path: m\n", "path: me/mine\n"))
    keys = [p.key for p in wavevid.validate_catalog(folder)]
    assert keys == [None, "input.properties.duration.default"]


def test_catalog_error_pickles_with_its_location() -> None:
    import pickle

    error = CatalogError("bad", file="f.yaml", entry="e", key="k", line=3)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.file, copy.entry, copy.key, copy.line, str(copy)) == (
        "f.yaml", "e", "k", 3, "f.yaml:3, entry 'e', key 'k': bad"
    )


def test_a_key_given_twice_is_refused_with_its_line(write_catalog: WriteCatalog) -> None:
    folder = write_catalog(MODEL + "  mine:\n    path: me/again\n")
    error = error_for(folder)
    assert "'mine' is given twice" in error.problem
    assert error.line == 14


def test_a_parameter_needs_a_type(write_catalog: WriteCatalog) -> None:
    # The trap: naming a parameter replaces it whole, so a bare new default loses type and enum.
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-fast:
            extends: ltx-2-fast
            input:
              properties:
                duration: {default: 8}
    """)
    error = error_for(folder)
    assert (error.entry, error.key) == ("ltx-2-fast", "input.properties.duration")
    assert "restate its type and enum" in error.problem


def test_builtin_children_of_an_amended_parent_are_checked(write_catalog: WriteCatalog) -> None:
    # ltx-2-pro-i2v requires `prompt`; removing it from its built-in parent breaks the child.
    folder = write_catalog("""
        version: 1
        models:
          ltx-2-pro:
            extends: ltx-2-pro
            input:
              required: []
              properties:
                prompt: null
    """)
    error = error_for(folder)
    assert error.entry == "ltx-2-pro-i2v"
    assert "'prompt' is required but is not in input.properties" in error.problem


def test_validate_catalog_lists_every_file_problem_and_every_clash(
    write_catalog: WriteCatalog,
) -> None:
    folder = write_catalog("""
        version: 1
        models:
          one: {pathh: a/b}
          two: {taks: x}
    """, file="a.yaml")
    write_catalog("""
        version: 1
        models:
          three:
            path: lightricks/ltx-2-pro/text-to-video
            task: text-to-video
            input: {type: object, properties: {}}
          four:
            path: me/four
            aliases: [ltx2-fast]
            task: text-to-video
            input: {type: object, properties: {}}
    """, file="b.yaml")
    problems = [(p.entry, p.key) for p in wavevid.validate_catalog(folder)]
    assert problems == [("one", "pathh"), ("two", "taks"), ("three", "path"), ("four", "aliases")]
