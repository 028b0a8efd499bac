"""Input -> request body: defaults, every problem at once, and the media rule."""

from __future__ import annotations

import inspect
import io
from pathlib import Path
from typing import Any

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid import InvalidParametersError, ParameterProblem
from wavevid._payload import SDK_OPTIONS


@pytest.fixture(scope="module")
def catalog() -> wavevid.Catalog:
    return wavevid.load_catalog(environment=False)


def problems(model: wavevid.Model, input: Any) -> list[ParameterProblem]:
    with pytest.raises(InvalidParametersError) as raised:
        model.build_payload(input)
    return raised.value.errors


def test_none_means_not_given_so_the_default_applies(catalog: wavevid.Catalog) -> None:
    model = catalog.get("hunyuan-video-1.5")
    payload = model.build_payload({"prompt": "fox", "seed": None, "negative_prompt": None})
    assert payload == {"prompt": "fox", "resolution": "720p", "duration": 5, "seed": -1}


def test_defaults_are_copies(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          listy:
            path: me/listy
            task: text-to-video
            input:
              type: object
              properties:
                tags: {type: array, items: {type: string}, default: [a]}
    """)
    model = wavevid.load_catalog(folder).get("listy")
    model.build_payload()["tags"].append("b")
    assert model.build_payload() == {"tags": ["a"]}


def test_the_input_must_be_a_mapping(catalog: wavevid.Catalog) -> None:
    assert problems(catalog.get("ltx-2-pro"), ["prompt"]) == [
        ParameterProblem("", "the input must map names to values, not list")
    ]


def test_parameter_names_must_be_strings(catalog: wavevid.Catalog) -> None:
    found = problems(catalog.get("ltx-2-pro"), {"prompt": "x", 3: "y"})
    assert ParameterProblem("3", "parameter names must be strings") in found


def test_nested_values_are_named_by_their_path(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          lora:
            path: me/lora
            task: text-to-video
            input:
              type: object
              properties:
                loras:
                  type: array
                  maxItems: 3
                  items:
                    type: object
                    properties:
                      path: {type: string}
                      scale: {type: number, minimum: 0, maximum: 2}
    """)
    model = wavevid.load_catalog(folder).get("lora")
    found = problems(model, {"loras": [{"path": "a", "scale": 3}, {"path": 1}]})
    assert found == [
        ParameterProblem("loras[0].scale", "3 is above the maximum 2"),
        ParameterProblem("loras[1].path", "expected a string, got int 1"),
    ]


def test_long_values_are_shortened_in_messages(catalog: wavevid.Catalog) -> None:
    huge = "x" * 100_000
    (problem,) = problems(catalog.get("ltx-2-pro"), {"prompt": "ok", "duration": huge})
    assert len(problem.message) < 200
    assert "(100002 characters)" in problem.message


def test_messages_are_one_line_each_in_str(catalog: wavevid.Catalog) -> None:
    with pytest.raises(InvalidParametersError) as raised:
        catalog.get("ltx-2-fast").build_payload({"duration": 5})
    assert str(raised.value) == (
        "invalid parameters for ltx-2-fast: prompt: is required; "
        "duration: 5 is not one of 6, 8, 10, 12, 14, 16, 18, 20"
    )
    assert isinstance(raised.value, ValueError)


# --- the media rule ----------------------------------------------------------------------------


@pytest.fixture
def i2v(catalog: wavevid.Catalog) -> wavevid.Model:
    return catalog.get("ltx-2-fast-i2v")


@pytest.mark.parametrize(
    "url",
    ["https://cdn.example.com/cat.png", "http://localhost:8000/cat.png",
     "data:image/png;base64,iVBORw0KGgo="],
)
def test_a_url_is_sent_as_is(i2v: wavevid.Model, url: str) -> None:
    assert i2v.build_payload({"prompt": "x", "image": url})["image"] == url


@pytest.mark.parametrize(
    "text", ["cat.png", "/etc/passwd", "file:///etc/passwd", "https://", "C:\\cat.png", ""]
)
def test_a_str_that_is_not_a_url_is_refused_never_read(i2v: wavevid.Model, text: str) -> None:
    (problem,) = problems(i2v, {"prompt": "x", "image": text})
    assert problem.parameter == "image"
    assert "is not an http(s) URL or data: URI" in problem.message
    assert "pathlib.Path(" in problem.message


def test_a_path_to_a_file_is_kept_for_upload(i2v: wavevid.Model, tmp_path: Path) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG")
    assert i2v.build_payload({"prompt": "x", "image": image})["image"] is image


def test_a_path_that_is_not_a_file_is_refused(i2v: wavevid.Model, tmp_path: Path) -> None:
    assert problems(i2v, {"prompt": "x", "image": tmp_path / "missing.png"}) == [
        ParameterProblem("image", f"no such file: {str(tmp_path / 'missing.png')!r}")
    ]
    assert problems(i2v, {"prompt": "x", "image": tmp_path})[0].message.startswith("no such file")


@pytest.mark.parametrize("value", [b"\x89PNG", bytearray(b"\x89PNG"), memoryview(b"\x89PNG")])
def test_bytes_are_kept_for_upload(i2v: wavevid.Model, value: Any) -> None:
    assert i2v.build_payload({"prompt": "x", "image": value})["image"] is value


def test_a_binary_file_is_kept_for_upload(i2v: wavevid.Model) -> None:
    stream = io.BytesIO(b"\x89PNG")
    assert i2v.build_payload({"prompt": "x", "image": stream})["image"] is stream


def test_a_text_file_is_refused(i2v: wavevid.Model) -> None:
    assert problems(i2v, {"prompt": "x", "image": io.StringIO("png")}) == [
        ParameterProblem("image", "a image file must be opened in binary mode ('rb')")
    ]


def test_media_problems_come_with_the_others(i2v: wavevid.Model) -> None:
    assert problems(i2v, {"image": "cat.png", "duration": 7}) == [
        ParameterProblem("prompt", "is required"),
        ParameterProblem("duration", "7 is not one of 6, 8, 10, 12, 14, 16, 18, 20"),
        ParameterProblem("image", problems(i2v, {"prompt": "x", "image": "cat.png"})[0].message),
    ]


def test_a_local_file_does_not_excuse_a_missing_required_one(i2v: wavevid.Model) -> None:
    assert problems(i2v, {"prompt": "x"}) == [ParameterProblem("image", "is required")]


def test_an_integral_float_is_sent_as_an_integer(catalog: wavevid.Catalog) -> None:
    payload = catalog.get("ltx-2-fast").build_payload({"prompt": "x", "duration": 8.0})
    assert payload["duration"] == 8
    assert isinstance(payload["duration"], int)
    (problem,) = problems(catalog.get("ltx-2-fast"), {"prompt": "x", "duration": 8.5})
    assert problem.parameter == "duration"


def test_values_json_cannot_carry_are_named(catalog: wavevid.Catalog) -> None:
    import decimal

    found = problems(catalog.get("hunyuan-video-1.5"),
                     {"prompt": "x", "seed": 1j, "negative_prompt": float("nan")})
    assert [p.parameter for p in found] == ["negative_prompt", "seed"]
    assert all(p.message.startswith("cannot be sent as JSON") for p in found)
    (nan,) = problems(catalog.get("hunyuan-video-1.5"),
                      {"prompt": "x", "seed": decimal.Decimal("NaN")})
    assert nan.message == "cannot be sent as JSON (Decimal)"


@pytest.mark.parametrize(
    ("name", "option"),
    [("timout", "timeout"), ("timeout", "timeout"), ("webhook", "webhook_url"),
     ("output", "output_path")],
)
def test_an_unknown_parameter_named_like_an_option_says_so(
    catalog: wavevid.Catalog, name: str, option: str
) -> None:
    (problem,) = problems(catalog.get("ltx-2-fast"), {"prompt": "x", name: 3})
    assert problem.parameter == name
    assert problem.message.startswith(
        f"unknown parameter; did you mean the option `{option}`? Options are keyword arguments"
        f" of the call (generate(..., {option}=...)), not model input"
    )


def test_a_close_parameter_of_the_model_wins_over_an_option(write_catalog: WriteCatalog) -> None:
    folder = write_catalog("""
        version: 1
        models:
          patient:
            path: me/patient
            task: text-to-video
            input:
              type: object
              properties:
                timeouts: {type: integer}
              additionalProperties: false
    """)
    model = wavevid.load_catalog(folder).get("patient")
    (problem,) = problems(model, {"timout": 8})  # close to `timeouts` and to `timeout`
    assert problem.message == "unknown parameter; did you mean 'timeouts'?"
    (problem,) = problems(model, {"timeout": 8})  # the option itself
    assert "did you mean the option `timeout`?" in problem.message


def test_the_options_are_those_of_generate_and_submit() -> None:
    options = {
        name
        for method in (wavevid.Client.generate, wavevid.Client.submit)
        for name, parameter in inspect.signature(method).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert set(SDK_OPTIONS) == options
