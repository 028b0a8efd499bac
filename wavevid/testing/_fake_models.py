"""What ``FakeWaveSpeed`` answers to ``GET /api/v3/models``: the live model list, by hand.

The entries are shaped like WaveSpeed's real list (``model_id``, ``name``, ``base_price``,
``description``, ``type``, a JSONata-like ``formula`` and ``api_schema``), NOT like wavevid's
YAML catalog, so that code comparing the two (a catalog diff) meets the real shape. They are
written by hand to mirror the built-in catalog (``catalog/*.yaml``): the same paths, parameters,
enums, defaults and per-second prices. Where the catalog says a price is unknown, the number here
is a placeholder of the fake's, marked so. One model wavevid does not ship is listed
(``wavespeed-ai/ltx-2.5/text-to-video``), and one entry (``wavespeed-ai/ltx-2-19b/image-to-video``)
uses the older OpenAPI-style ``api_schema`` (``components.schemas.Request``): both shapes exist.

``default_models()`` returns a fresh list each call; tests may change it freely and hand it to
``FakeWaveSpeed(models=...)`` or assign it to ``fake.models``.
"""

from __future__ import annotations

import copy
from typing import Any

SERVER = "https://api.wavespeed.ai"
"""The ``server`` the real list names; the fake never uses it."""

Entry = dict[str, Any]

# JSONata-like price formulas, as strings (the real list's form).
PER_SECOND = '{"total_price": base_price * duration}'
HUNYUAN_PRICE = '{"total_price": base_price * duration / 5 * (resolution = "480p" ? 0.5 : 1)}'
# A guess of the fake's: the retake is priced by the length of the input clip, which the service
# measures; `video_duration` is not a request parameter.
RETAKE_PRICE = '{"total_price": base_price * video_duration}'
LTX_25_PRICE = (
    '{"total_price": duration * (resolution = "4k" ? 0.33 : resolution = "2k" ? 0.2'
    ' : resolution = "1080p" ? 0.15 : base_price)}'
)

_IMAGES = "image/jpeg,image/png,image/webp"


def _prompt(description: str, title: str = "Prompt") -> Entry:
    return {"type": "string", "title": title, "description": description,
            "x-ui-component": "textarea"}  # fmt: skip


def _seed() -> Entry:
    return {
        "type": "integer",
        "title": "Seed",
        "description": "The random seed; -1 for a random one.",
        "default": -1,
        "minimum": -1,
        "x-ui-component": "number",
    }


def _select(values: list[Any], default: Any, title: str, description: str = "") -> Entry:
    kind = "integer" if isinstance(default, int) else "string"
    entry: Entry = {"type": kind, "title": title, "default": default, "enum": values,
                    "x-ui-component": "select"}  # fmt: skip
    if description:
        entry["description"] = description
    return entry


def _uploader(accept: str, title: str, description: str) -> Entry:
    return {"type": "string", "title": title, "description": description,
            "x-ui-component": "uploader", "x-accept": accept}  # fmt: skip


def _generate_audio() -> Entry:
    return {"type": "boolean", "title": "Generate Audio", "default": True,
            "description": "Whether to generate audio.", "x-ui-component": "switch"}  # fmt: skip


def _request_schema(required: list[str], properties: dict[str, Entry]) -> Entry:
    return {
        "type": "object",
        "required": required,
        "x-order-properties": list(properties),
        "properties": properties,
    }


def _entry(
    model_id: str,
    kind: str,
    base_price: float,
    formula: str,
    description: str,
    request_schema: Entry,
) -> Entry:
    """An entry in the current shape: ``api_schema.api_schemas[type=model_run]``."""
    run = {
        "type": "model_run",
        "method": "POST",
        "server": SERVER,
        "api_path": f"/api/v3/{model_id}",
        "request_schema": request_schema,
    }
    return {
        "model_id": model_id,
        "name": model_id,
        "base_price": base_price,
        "description": description,
        "type": kind,
        "formula": formula,
        "api_schema": {"api_schemas": [run]},
    }


def _openapi_entry(
    model_id: str,
    kind: str,
    base_price: float,
    formula: str,
    description: str,
    request_schema: Entry,
) -> Entry:
    """An entry in the older shape: ``api_schema`` is an OpenAPI document."""
    entry = _entry(model_id, kind, base_price, formula, description, request_schema)
    reference = {"$ref": "#/components/schemas/Request"}
    entry["api_schema"] = {
        "openapi": "3.0.1",
        "info": {"title": model_id, "version": "1.0.0"},
        "servers": [{"url": SERVER}],
        "paths": {
            f"/api/v3/{model_id}": {
                "post": {"requestBody": {"content": {"application/json": {"schema": reference}}}}
            }
        },
        "components": {"schemas": {"Request": request_schema}},
    }
    return entry


def _hunyuan() -> list[Entry]:
    resolution = _select(["480p", "720p"], "720p", "Resolution")
    t2v = _request_schema(
        ["prompt"],
        {
            "prompt": _prompt("What the video shows."),
            "negative_prompt": _prompt("What the video should avoid.", "Negative Prompt"),
            "resolution": resolution,
            "duration": _select([5, 8, 10], 5, "Duration", "Seconds of video."),
            "seed": _seed(),
        },
    )
    i2v = _request_schema(
        ["image"],
        {
            "image": _uploader(_IMAGES, "Image", "The first frame (URL or base64)."),
            "prompt": _prompt("The motion or action to animate."),
            "resolution": resolution,
            "duration": _select([5, 8], 5, "Duration", "Seconds of video."),
            "seed": _seed(),
        },
    )
    return [
        _entry(
            "wavespeed-ai/hunyuan-video-1.5/text-to-video",
            "text-to-video",
            0.2,
            HUNYUAN_PRICE,
            "HunyuanVideo-1.5 (8.3B): text to video at 480p or 720p.",
            t2v,
        ),
        # The catalog says this price is unknown; the fake uses the text-to-video rates.
        _entry(
            "wavespeed-ai/hunyuan-video-1.5/image-to-video",
            "image-to-video",
            0.2,
            HUNYUAN_PRICE,
            "HunyuanVideo-1.5 (8.3B): animate an image at 480p or 720p.",
            i2v,
        ),
    ]


def _ltx2(tier: str, rate: float, durations: list[int]) -> list[Entry]:
    title = tier.capitalize()
    duration = _select(durations, 6, "Duration", "Seconds of video.")
    prompt = _prompt("What the video shows and sounds like.")
    t2v = _request_schema(
        ["prompt"],
        {"prompt": prompt, "duration": duration, "generate_audio": _generate_audio()},
    )
    image = _uploader(_IMAGES, "Image", "The first frame.")
    i2v = _request_schema(
        ["image", "prompt"],
        {
            "image": image,
            "prompt": prompt,
            "duration": duration,
            "generate_audio": _generate_audio(),
        },
    )
    return [
        _entry(
            f"lightricks/ltx-2-{tier}/text-to-video",
            "text-to-video",
            rate,
            PER_SECOND,
            f"LTX-2 {title}: 1080p video with synchronized audio from text.",
            t2v,
        ),
        _entry(
            f"lightricks/ltx-2-{tier}/image-to-video",
            "image-to-video",
            rate,
            PER_SECOND,
            f"LTX-2 {title}: 1080p video with synchronized audio from an image.",
            i2v,
        ),
    ]


def _ltx2_retake() -> Entry:
    schema = _request_schema(
        ["video", "prompt"],
        {
            "video": _uploader("video/mp4,video/quicktime", "Video", "The clip to edit."),
            "prompt": _prompt("What to change, and when (e.g. 'From 2s to 8s. ...')."),
            "mode": _select(
                ["replace_audio_and_video", "replace_audio", "replace_video"],
                "replace_audio_and_video",
                "Mode",
                "What the retake regenerates.",
            ),
        },
    )
    return _entry(
        "lightricks/ltx-2-retake",
        "video-to-video",
        0.1,
        RETAKE_PRICE,
        "LTX-2 Retake: regenerate a time window of a video.",
        schema,
    )


def _ltx2_19b() -> list[Entry]:
    resolution = _select(["480p", "720p", "1080p"], "720p", "Resolution")
    duration = {
        "type": "integer",
        "title": "Duration",
        "description": "Seconds of video.",
        "default": 5,
        "minimum": 5,
        "maximum": 20,
        "step": 1,
        "x-ui-component": "slider",
    }
    t2v = _request_schema(
        ["prompt"],
        {
            "prompt": _prompt("What the video shows and sounds like."),
            "resolution": resolution,
            "aspect_ratio": _select(["16:9", "9:16"], "16:9", "Aspect Ratio"),
            "duration": duration,
            "seed": _seed(),
        },
    )
    i2v = _request_schema(
        ["image", "prompt"],
        {
            "image": _uploader("image/jpeg,image/png", "Image", "The first frame, JPG or PNG."),
            "prompt": _prompt("What the video shows and sounds like."),
            "resolution": resolution,
            "duration": duration,
            "seed": _seed(),
        },
    )
    # Prices: placeholders of the fake (the catalog says unknown).
    return [
        _entry(
            "wavespeed-ai/ltx-2-19b/text-to-video",
            "text-to-video",
            0.05,
            PER_SECOND,
            "LTX-2 19B (open weights): video with synchronized audio from text.",
            t2v,
        ),
        _openapi_entry(
            "wavespeed-ai/ltx-2-19b/image-to-video",
            "image-to-video",
            0.05,
            PER_SECOND,
            "LTX-2 19B (open weights): video with synchronized audio from an image.",
            i2v,
        ),
    ]


def _ltx25() -> Entry:
    """A model wavevid does not ship (reference 4.6); prices per third-party quotes."""
    schema = _request_schema(
        ["prompt"],
        {
            "prompt": _prompt("What the video shows."),
            "resolution": _select(["720p", "1080p", "2k", "4k"], "720p", "Resolution"),
            "aspect_ratio": _select(["16:9", "9:16"], "16:9", "Aspect Ratio"),
            "duration": {
                "type": "integer",
                "title": "Duration",
                "default": 5,
                "minimum": 5,
                "maximum": 20,
                "x-ui-component": "slider",
            },
            "seed": _seed(),
        },
    )
    return _entry(
        "wavespeed-ai/ltx-2.5/text-to-video",
        "text-to-video",
        0.1,
        LTX_25_PRICE,
        "LTX-2.5: text to video up to 4k.",
        schema,
    )


def default_models() -> list[Entry]:
    """Return a new copy of the fake's model list (no two entries share an object)."""
    models = [
        *_hunyuan(),
        *_ltx2("pro", 0.06, [6, 8, 10]),
        *_ltx2("fast", 0.04, [6, 8, 10, 12, 14, 16, 18, 20]),
        _ltx2_retake(),
        *_ltx2_19b(),
        _ltx25(),
    ]
    return [copy.deepcopy(entry) for entry in models]
