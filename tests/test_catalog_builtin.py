"""The built-in catalog: every entry valid, looked up, turned into payloads, priced."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import wavevid
from wavevid import InvalidParametersError, ParameterProblem, UnknownModelError


@pytest.fixture(scope="module")
def catalog() -> wavevid.Catalog:
    return wavevid.load_catalog(environment=False)


def test_every_builtin_file_and_entry_passes_meta_validation() -> None:
    assert wavevid.validate_catalog(environment=False) == []


# name, path, a valid input, the payload it must give, an invalid input, every problem it has
BUILTIN = [
    (
        "hunyuan-video-1.5",
        "wavespeed-ai/hunyuan-video-1.5/text-to-video",
        {"prompt": "a red fox in snow"},
        {"prompt": "a red fox in snow", "resolution": "720p", "duration": 5, "seed": -1},
        {"prompt": "", "resolution": "1080p", "duration": 6, "seed": "7"},
        [
            ("prompt", "is empty"),
            ("resolution", "'1080p' is not one of '480p', '720p'"),
            ("duration", "6 is not one of 5, 8, 10"),
            ("seed", "expected an integer, got str '7'"),
        ],
    ),
    (
        "hunyuan-video-1.5-i2v",
        "wavespeed-ai/hunyuan-video-1.5/image-to-video",
        {"image": "https://example.com/cat.png"},
        {"image": "https://example.com/cat.png", "resolution": "720p", "duration": 5, "seed": -1},
        {"duration": 10, "negative_prompt": "blur"},
        [
            ("duration", "10 is not one of 5, 8"),
            ("image", "is required"),
            ("negative_prompt", "unknown parameter (this model takes: prompt, resolution, "
             "duration, seed, image)"),
        ],
    ),
    (
        "ltx-2-pro",
        "lightricks/ltx-2-pro/text-to-video",
        {"prompt": "waves", "duration": 8},
        {"prompt": "waves", "duration": 8, "generate_audio": True},
        {"duration": 5, "generate_audio": "yes"},
        [
            ("prompt", "is required"),
            ("duration", "5 is not one of 6, 8, 10"),
            ("generate_audio", "expected true or false, got str 'yes'"),
        ],
    ),
    (
        "ltx-2-fast",
        "lightricks/ltx-2-fast/text-to-video",
        {"prompt": "waves", "duration": 20, "generate_audio": False},
        {"prompt": "waves", "duration": 20, "generate_audio": False},
        {"prompt": 3, "duration": 7},
        [
            ("prompt", "expected a string, got int 3"),
            ("duration", "7 is not one of 6, 8, 10, 12, 14, 16, 18, 20"),
        ],
    ),
    (
        "ltx-2-pro-i2v",
        "lightricks/ltx-2-pro/image-to-video",
        {"prompt": "waves", "image": "data:image/png;base64,iVBORw0KGgo="},
        {"prompt": "waves", "image": "data:image/png;base64,iVBORw0KGgo=", "duration": 6,
         "generate_audio": True},
        {"image": "cat.png"},
        [
            ("prompt", "is required"),
            ("image", "'cat.png' is not an http(s) URL or data: URI. A str is always sent as a "
             "URL; to upload a local image, pass pathlib.Path('cat.png')"),
        ],
    ),
    (
        "ltx-2-fast-i2v",
        "lightricks/ltx-2-fast/image-to-video",
        {"prompt": "waves", "image": "https://example.com/a.jpg", "duration": 14},
        {"prompt": "waves", "image": "https://example.com/a.jpg", "duration": 14,
         "generate_audio": True},
        {"prompt": "waves", "image": 42},
        [
            ("image", "expected a URL (str), a pathlib.Path, bytes or a binary file for this "
             "image, not int"),
        ],
    ),
    (
        "ltx-2-retake",
        "lightricks/ltx-2-retake",
        {"video": "https://example.com/clip.mp4", "prompt": "From 2s to 4s. Make it rain."},
        {"video": "https://example.com/clip.mp4", "prompt": "From 2s to 4s. Make it rain.",
         "mode": "replace_audio_and_video"},
        {"video": "ftp://example.com/clip.mp4", "mode": "replace_all", "start_time": 2},
        [
            ("video", "'ftp://example.com/clip.mp4' is not an http(s) URL or data: URI. A str is "
             "always sent as a URL; to upload a local video, pass "
             "pathlib.Path('ftp://example.com/clip.mp4')"),
            ("prompt", "is required"),
            ("mode", "'replace_all' is not one of 'replace_audio_and_video', 'replace_audio', "
             "'replace_video'"),
            ("start_time", "unknown parameter (this model takes: video, prompt, mode)"),
        ],
    ),
    (
        "ltx-2-19b",
        "wavespeed-ai/ltx-2-19b/text-to-video",
        {"prompt": "a city at night", "aspect_ratio": "9:16", "duration": 12},
        {"prompt": "a city at night", "resolution": "720p", "aspect_ratio": "9:16",
         "duration": 12, "seed": -1},
        {"prompt": "x", "duration": 21, "seed": -2, "aspect_ratio": "4:3"},
        [
            ("aspect_ratio", "'4:3' is not one of '16:9', '9:16'"),
            ("duration", "21 is above the maximum 20"),
            ("seed", "-2 is below the minimum -1"),
        ],
    ),
    (
        "ltx-2-19b-i2v",
        "wavespeed-ai/ltx-2-19b/image-to-video",
        {"prompt": "zoom in", "image": "https://example.com/a.png", "resolution": "1080p"},
        {"prompt": "zoom in", "image": "https://example.com/a.png", "resolution": "1080p",
         "duration": 5, "seed": -1},
        {"prompt": "zoom in", "image": "https://example.com/a.png", "aspect_ratio": "16:9"},
        [
            ("aspect_ratio", "unknown parameter (this model takes: prompt, resolution, "
             "duration, seed, image)"),
        ],
    ),
    (
        "ltx-2-19b-lora",
        "wavespeed-ai/ltx-2-19b/text-to-video-lora",
        {"prompt": "neon city", "loras": [{"path": "https://example.com/ink.safetensors",
                                           "scale": 0.8}]},
        {"prompt": "neon city", "resolution": "720p", "aspect_ratio": "16:9", "duration": 5,
         "seed": -1, "loras": [{"path": "https://example.com/ink.safetensors", "scale": 0.8}]},
        {"prompt": "x", "aspect_ratio": "4:3", "loras": [
            {"path": "https://a.test/1", "scale": 1}, {"path": "ink.safetensors", "scale": 5},
            {"path": "https://a.test/3", "scale": 1}, {"path": "https://a.test/4", "scale": 1}]},
        [
            ("aspect_ratio", "'4:3' is not one of '16:9', '9:16'"),
            ("loras", "takes at most 3 items"),
            ("loras[1].path", "'ink.safetensors' is not a URL"),
            ("loras[1].scale", "5 is above the maximum 4"),
        ],
    ),
    (
        "ltx-2-19b-lipsync",
        "wavespeed-ai/ltx-2-19b/lipsync",
        {"audio": "https://example.com/voice.mp3"},
        {"audio": "https://example.com/voice.mp3", "resolution": "720p", "seed": -1},
        {"audio": "voice.mp3", "image": 7, "resolution": "4k"},
        [
            ("audio", "'voice.mp3' is not an http(s) URL or data: URI. A str is always sent as a "
             "URL; to upload a local audio, pass pathlib.Path('voice.mp3')"),
            ("image", "expected a URL (str), a pathlib.Path, bytes or a binary file for this "
             "image, not int"),
            ("resolution", "'4k' is not one of '480p', '720p', '1080p'"),
        ],
    ),
    (
        "ltx-2.3",
        "wavespeed-ai/ltx-2.3/text-to-video",
        {"prompt": "a lighthouse", "duration": 20},
        {"prompt": "a lighthouse", "resolution": "720p", "duration": 20, "seed": -1},
        {"prompt": "a lighthouse", "duration": 4, "aspect_ratio": "16:9"},
        [
            ("duration", "4 is below the minimum 5"),
            ("aspect_ratio", "unknown parameter (this model takes: prompt, resolution, "
             "duration, seed)"),
        ],
    ),
    (
        "ltx-2.3-i2v",
        "wavespeed-ai/ltx-2.3/image-to-video",
        {"prompt": "zoom in", "image": "https://example.com/a.png", "resolution": "1080p"},
        {"prompt": "zoom in", "image": "https://example.com/a.png", "resolution": "1080p",
         "duration": 5, "seed": -1},
        {"image": "https://example.com/a.png", "resolution": "2k"},
        [
            ("prompt", "is required"),
            ("resolution", "'2k' is not one of '480p', '720p', '1080p'"),
        ],
    ),
    (
        "ltx-2.3-lora",
        "wavespeed-ai/ltx-2.3/text-to-video-lora",
        {"prompt": "x", "loras": [{"path": "https://example.com/a.safetensors", "scale": 1.5}]},
        {"prompt": "x", "resolution": "720p", "duration": 5, "seed": -1,
         "loras": [{"path": "https://example.com/a.safetensors", "scale": 1.5}]},
        {"prompt": "x", "loras": [{"path": "https://example.com/a.safetensors"},
                                  {"scale": "high", "path": "https://e.test/b", "weight": 1}]},
        [
            ("loras[0].scale", "is required"),
            ("loras[1].scale", "expected a number, got str 'high'"),
            ("loras[1].weight", "unknown field (it takes: path, scale)"),
        ],
    ),
    (
        "ltx-2.3-extend",
        "wavespeed-ai/ltx-2.3/video-extend",
        {"video": "https://example.com/clip.mp4"},
        {"video": "https://example.com/clip.mp4", "duration": 6},
        {"duration": 21, "prompt": 5},
        [
            ("video", "is required"),
            ("prompt", "expected a string, got int 5"),
            ("duration", "21 is above the maximum 20"),
        ],
    ),
    (
        "ltx-2.3-lipsync",
        "wavespeed-ai/ltx-2.3/lipsync",
        {"audio": "data:audio/mpeg;base64,SUQz", "prompt": "calm"},
        {"audio": "data:audio/mpeg;base64,SUQz", "prompt": "calm", "resolution": "720p",
         "seed": -1},
        {"image": "https://example.com/face.png", "seed": -3},
        [("audio", "is required"), ("seed", "-3 is below the minimum -1")],
    ),
    (
        "ltx-2.5",
        "wavespeed-ai/ltx-2.5/text-to-video",
        {"prompt": "a storm", "resolution": "4k", "duration": 20},
        {"prompt": "a storm", "resolution": "4k", "aspect_ratio": "16:9", "duration": 20,
         "seed": -1},
        {"prompt": "a storm", "resolution": "480p", "duration": 25},
        [
            ("resolution", "'480p' is not one of '720p', '1080p', '2k', '4k'"),
            ("duration", "25 is above the maximum 20"),
        ],
    ),
]


def test_the_table_covers_every_builtin_model(catalog: wavevid.Catalog) -> None:
    assert sorted(row[0] for row in BUILTIN) == sorted(catalog.names())


@pytest.mark.parametrize(
    ("name", "path", "valid", "payload", "invalid", "problems"),
    BUILTIN,
    ids=[row[0] for row in BUILTIN],
)
def test_builtin_model(
    catalog: wavevid.Catalog,
    name: str,
    path: str,
    valid: dict[str, Any],
    payload: dict[str, Any],
    invalid: dict[str, Any],
    problems: list[tuple[str, str]],
) -> None:
    model = catalog.get(name)
    assert model.path == path
    assert catalog.get(path) is model
    assert model.build_payload(valid) == payload
    with pytest.raises(InvalidParametersError) as raised:
        model.build_payload(invalid)
    assert raised.value.errors == [ParameterProblem(*problem) for problem in problems]
    assert raised.value.model == name


def test_lookup_by_alias_and_any_case(catalog: wavevid.Catalog) -> None:
    fast = catalog.get("ltx-2-fast")
    assert catalog.get("ltx2-fast") is fast
    assert catalog.get(" LTX-2-Fast ") is fast
    assert "ltx2-fast" in catalog
    assert "ltx-3" not in catalog


def test_aliases_are_not_inherited(catalog: wavevid.Catalog) -> None:
    assert catalog.get("ltx-2-pro").aliases == ("ltx2-pro",)
    assert catalog.get("ltx-2-pro-i2v").aliases == ()


def test_unknown_model_suggests_close_matches(catalog: wavevid.Catalog) -> None:
    with pytest.raises(UnknownModelError) as raised:
        catalog.get("ltx-2-fst")
    assert raised.value.suggestions[0] == "ltx-2-fast"
    assert isinstance(raised.value, LookupError)
    assert "did you mean 'ltx-2-fast'" in str(raised.value)


@pytest.mark.parametrize("typo", ["ltx2-fst", "ltx-2-fst", "ltx2-prp", "hunyuan-1.5-iv"])
def test_suggestions_name_each_model_once(catalog: wavevid.Catalog, typo: str) -> None:
    """A model close under its name and its alias is suggested once, by the closer one."""
    with pytest.raises(UnknownModelError) as raised:
        catalog.get(typo)
    models = [catalog.get(suggestion).name for suggestion in raised.value.suggestions]
    assert len(models) == len(set(models)) >= 2


def test_unknown_model_without_close_matches(catalog: wavevid.Catalog) -> None:
    with pytest.raises(UnknownModelError) as raised:
        catalog.get("stable-diffusion")
    assert raised.value.suggestions == []
    assert str(raised.value) == (
        "unknown model 'stable-diffusion' (`wavevid models` lists them all)"
    )


@pytest.mark.parametrize(
    ("name", "input", "output_seconds", "cost"),
    [
        ("hunyuan-video-1.5", {"duration": 5, "resolution": "720p"}, None, Decimal("0.20")),
        ("hunyuan-video-1.5", {}, None, Decimal("0.20")),
        ("hunyuan-video-1.5", {"duration": 8, "resolution": "480p"}, None, Decimal("0.16")),
        ("ltx-2-fast", {"duration": 10}, None, Decimal("0.40")),
        ("ltx-2-fast", {}, None, Decimal("0.24")),
        ("ltx-2-pro", {"duration": 10}, None, Decimal("0.60")),
        ("ltx-2-pro-i2v", {"duration": 8}, None, Decimal("0.48")),
        ("ltx-2-retake", {}, None, None),
        ("ltx-2-retake", {}, 12.5, Decimal("1.25")),
        ("ltx-2-19b", {"duration": 10}, None, None),
        ("hunyuan-video-1.5-i2v", {"duration": 5}, None, None),
        ("ltx-2.3-extend", {}, None, Decimal("0.60")),  # $0.10/s, 6 s by default
        ("ltx-2.3-extend", {"duration": 20}, None, Decimal("2.00")),
        ("ltx-2.3", {"duration": 10}, None, None),
        ("ltx-2.3-i2v", {}, None, None),
        ("ltx-2.3-lora", {}, None, None),
        ("ltx-2.3-lipsync", {}, 8, None),
        ("ltx-2.5", {"resolution": "4k", "duration": 5}, None, None),
        ("ltx-2-19b-lora", {}, None, None),
        ("ltx-2-19b-lipsync", {}, 8, None),
    ],
)
def test_cost_estimates(
    catalog: wavevid.Catalog,
    name: str,
    input: dict[str, Any],
    output_seconds: float | None,
    cost: Decimal | None,
) -> None:
    assert catalog.get(name).estimate_cost(input, output_seconds=output_seconds) == cost


def test_cost_is_exact_decimal(catalog: wavevid.Catalog) -> None:
    cost = catalog.get("hunyuan-video-1.5").estimate_cost({"duration": 5})
    assert str(cost) == "0.20"


def test_expected_seconds_follow_the_output_length(catalog: wavevid.Catalog) -> None:
    pro = catalog.get("ltx-2-pro")
    assert pro.expected_seconds({"duration": 10}) == 45 + 15 * 10
    assert pro.expected_seconds() == 45 + 15 * 6
    retake = catalog.get("ltx-2-retake")
    assert retake.expected_seconds(output_seconds=5) == 45 + 15 * 5
    assert retake.expected_seconds() == 45 + 15 * 10  # the assumed length when none is known


def test_media_parameters_are_marked(catalog: wavevid.Catalog) -> None:
    media = {model.name: dict(model.media) for model in catalog if model.media}
    assert media == {
        "hunyuan-video-1.5-i2v": {"image": "image"},
        "ltx-2-19b-i2v": {"image": "image"},
        "ltx-2-pro-i2v": {"image": "image"},
        "ltx-2-fast-i2v": {"image": "image"},
        "ltx-2-retake": {"video": "video"},
        "ltx-2-19b-lipsync": {"audio": "audio", "image": "image"},
        "ltx-2.3-i2v": {"image": "image"},
        "ltx-2.3-extend": {"video": "video"},
        "ltx-2.3-lipsync": {"audio": "audio", "image": "image"},
    }


def test_builtin_folder_is_the_repository_catalog_in_a_source_checkout() -> None:
    from wavevid.catalog.files import builtin_folder

    names = sorted(path.name for path in builtin_folder().glob("*.yaml"))
    repository = Path(__file__).resolve().parents[1] / "catalog"
    assert names == sorted(path.name for path in repository.glob("*.yaml"))


@pytest.mark.parametrize(
    "rates",
    ["{true: 0.1, false: 0.05}", "{'true': 0.1, 'false': 0.05}"],
)
def test_rates_by_a_boolean(write_catalog: Any, rates: str) -> None:
    folder = write_catalog(f"""
        version: 1
        models:
          ltx-2-fast:
            extends: ltx-2-fast
            pricing: {{per_second: {{by: generate_audio, rates: {rates}}}}}
    """)
    fast = wavevid.load_catalog(folder).get("ltx-2-fast")
    assert fast.estimate_cost({"duration": 10}) == Decimal("1.0")
    assert fast.estimate_cost({"duration": 10, "generate_audio": False}) == Decimal("0.50")


@pytest.mark.parametrize("rates", ["{6: 0.1, 8: 0.2}", "{'6': 0.1, '8': 0.2}"])
def test_rates_by_an_integer(write_catalog: Any, rates: str) -> None:
    folder = write_catalog(f"""
        version: 1
        models:
          ltx-2-pro:
            extends: ltx-2-pro
            pricing: {{per_second: {{by: duration, rates: {rates}}}}}
    """)
    pro = wavevid.load_catalog(folder).get("ltx-2-pro")
    assert pro.estimate_cost({"duration": 8}) == Decimal("1.6")
    assert pro.estimate_cost({"duration": 10}) is None  # no rate for 10: unknown, not zero
