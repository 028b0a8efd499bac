"""The models ``FakeWaveSpeed`` serves, as WaveSpeed's live list (``GET /api/v3/models``) shows
them: the fake accepts a submit only to these paths, and keeps only the body keys their request
schemas name.

Maintained by hand from WaveSpeed's own pages, NOT from wavevid's catalog (``catalog/*.yaml``),
so that the suite can see where our catalog guessed: each model cites its page (``docs`` is
https://wavespeed.ai/docs/docs-api/<path>, ``llms.txt`` is
https://wavespeed.ai/models/<path>/llms.txt, ``model page`` is https://wavespeed.ai/models/<path>),
and what those pages do not settle is marked UNVERIFIED. Parameters only third-party code uses
are left out (e.g. Hunyuan's ``negative_prompt``). The ``title``, ``x-ui-component`` and
``description`` texts are the fake's; prices the pages do not state are placeholders, marked so.
When a live probe or a maintainer with a key sees the real list, this file follows it. The
newer LTX families (LTX-2.3, LTX-2.5, LTX-2 19B LoRA and lipsync) are in
:mod:`wavevid.testing._newer_models`.

``default_models()`` returns a fresh list each call; tests may change it freely and hand it to
``FakeWaveSpeed(models=...)`` or assign it to ``fake.models``.
"""

from __future__ import annotations

import copy

from wavevid.testing._model_entries import (
    Entry,
    entry,
    openapi_entry,
    prompt,
    request_schema,
    seed,
    select,
    slider,
    switch,
    uploader,
)
from wavevid.testing._newer_models import newer_models

# JSONata price formulas, in the live list's form. The formula texts are UNVERIFIED: each
# reproduces the prices its page states.
PER_SECOND = '{"total_price": base_price * duration}'
HUNYUAN_PRICE = '{"total_price": base_price * duration / 5 * (resolution = "480p" ? 0.5 : 1)}'
RETAKE_PRICE = '{"total_price": base_price * video_duration}'  # the input clip's length

_IMAGES = "image/jpeg,image/png,image/webp"


def _hunyuan() -> list[Entry]:
    # docs (text-to-video): `prompt` required; 5, 8 or 10 s; $0.02/s at 480p, $0.04/s at 720p.
    # UNVERIFIED: the parameter's name `resolution` (the docs price by 480p/720p and the
    # image-to-video sibling names it so; third-party code sends `size`), the default duration,
    # and `seed` (WaveSpeed's convention on its other models).
    resolution = select(["480p", "720p"], "720p", "Resolution")
    t2v = request_schema(
        ["prompt"],
        {
            "prompt": prompt("What the video shows."),
            "resolution": resolution,
            "duration": select([5, 8, 10], 5, "Duration", "Seconds of video."),
            "seed": seed(),
        },
    )
    # llms.txt (image-to-video): `image` required, `prompt`, `resolution` 480p/720p (720p),
    # `duration` 5 or 8 (5), `seed`; the page's list is cut after `seed` (more may exist).
    i2v = request_schema(
        ["image"],
        {
            "image": uploader(_IMAGES, "Image", "The first frame (URL or base64)."),
            "prompt": prompt("The motion or action to animate."),
            "resolution": resolution,
            "duration": select([5, 8], 5, "Duration", "Seconds of video."),
            "seed": seed(),
        },
    )
    return [
        entry("wavespeed-ai/hunyuan-video-1.5/text-to-video", "text-to-video", 0.2,
              HUNYUAN_PRICE, "HunyuanVideo-1.5 (8.3B): text to video at 480p or 720p.", t2v),
        # Price UNVERIFIED (not on the page): a placeholder, the text-to-video rates.
        entry("wavespeed-ai/hunyuan-video-1.5/image-to-video", "image-to-video", 0.2,
              HUNYUAN_PRICE, "HunyuanVideo-1.5 (8.3B): animate an image at 480p or 720p.", i2v),
    ]  # fmt: skip


def _ltx2(tier: str, rate: float, durations: list[int]) -> list[Entry]:
    # docs (text-to-video): `prompt` required; model page: "Whether to generate audio.", base
    # price `rate` per output second at 1080p (Lightricks' price list agrees). Durations: Pro
    # 6/8/10 (Lightricks' API), Fast up to 20 s (model page; a measured error lists 6, 8, 10...).
    # UNVERIFIED: the duration defaults, generate_audio's default, and both image-to-video
    # schemas (the paths are WaveSpeed's model URLs; the parameters are the text-to-video ones
    # plus a required `image`).
    title = tier.capitalize()
    duration = select(durations, 6, "Duration", "Seconds of video.")
    audio = switch("Generate Audio", "Whether to generate audio.", True)
    text = prompt("What the video shows and sounds like.")
    t2v = request_schema(
        ["prompt"], {"prompt": text, "duration": duration, "generate_audio": audio}
    )
    image = uploader(_IMAGES, "Image", "The first frame.")
    i2v = request_schema(
        ["image", "prompt"],
        {"image": image, "prompt": text, "duration": duration, "generate_audio": audio},
    )
    return [
        entry(f"lightricks/ltx-2-{tier}/text-to-video", "text-to-video", rate, PER_SECOND,
              f"LTX-2 {title}: 1080p video with synchronized audio from text.", t2v),
        entry(f"lightricks/ltx-2-{tier}/image-to-video", "image-to-video", rate, PER_SECOND,
              f"LTX-2 {title}: 1080p video with synchronized audio from an image.", i2v),
    ]  # fmt: skip


def _ltx2_retake() -> Entry:
    # llms.txt: exactly `video`, `prompt` (the time window is written in it) and `mode`; docs:
    # $0.10 per output second. The formula's `video_duration` is UNVERIFIED: the service
    # measures the input clip, which the request does not state.
    schema = request_schema(
        ["video", "prompt"],
        {
            "video": uploader("video/mp4,video/quicktime", "Video", "The clip to edit."),
            "prompt": prompt("What to change, and when (e.g. 'From 2s to 8s. ...')."),
            "mode": select(
                ["replace_audio_and_video", "replace_audio", "replace_video"],
                "replace_audio_and_video",
                "Mode",
                "What the retake regenerates.",
            ),
        },
    )
    return entry("lightricks/ltx-2-retake", "video-to-video", 0.1, RETAKE_PRICE,
                 "LTX-2 Retake: regenerate a time window of a video.", schema)  # fmt: skip


def _ltx2_19b() -> list[Entry]:
    # docs (text-to-video): `prompt` required, `resolution` 480p/720p/1080p (720p),
    # `aspect_ratio` 16:9 or 9:16 (16:9), `duration` 5-20 s, `seed` (-1). Image-to-video: `image`
    # (JPG/PNG) and `prompt` required, no aspect ratio (the image's). UNVERIFIED: the duration's
    # default and step, `seed` on image-to-video, and both prices (placeholders: $0.05/s).
    resolution = select(["480p", "720p", "1080p"], "720p", "Resolution")
    duration = {**slider(5, 20, 5, "Duration", "Seconds of video."), "step": 1}
    t2v = request_schema(
        ["prompt"],
        {
            "prompt": prompt("What the video shows and sounds like."),
            "resolution": resolution,
            "aspect_ratio": select(["16:9", "9:16"], "16:9", "Aspect Ratio"),
            "duration": duration,
            "seed": seed(),
        },
    )
    i2v = request_schema(
        ["image", "prompt"],
        {
            "image": uploader("image/jpeg,image/png", "Image", "The first frame, JPG or PNG."),
            "prompt": prompt("What the video shows and sounds like."),
            "resolution": resolution,
            "duration": duration,
            "seed": seed(),
        },
    )
    # The older OpenAPI-shaped `api_schema` on image-to-video is the fake's choice, so that
    # code reading the list meets both shapes (both exist; which models use which is unknown).
    return [
        entry("wavespeed-ai/ltx-2-19b/text-to-video", "text-to-video", 0.05, PER_SECOND,
              "LTX-2 19B (open weights): video with synchronized audio from text.", t2v),
        openapi_entry("wavespeed-ai/ltx-2-19b/image-to-video", "image-to-video", 0.05, PER_SECOND,
                      "LTX-2 19B (open weights): video with synchronized audio from an image.",
                      i2v),
    ]  # fmt: skip


def default_models() -> list[Entry]:
    """Return a new copy of the fake's model list (no two entries share an object)."""
    models = [
        *_hunyuan(),
        *_ltx2("pro", 0.06, [6, 8, 10]),
        *_ltx2("fast", 0.04, [6, 8, 10, 12, 14, 16, 18, 20]),
        _ltx2_retake(),
        *_ltx2_19b(),
        *newer_models(),
    ]
    return [copy.deepcopy(listed) for listed in models]
