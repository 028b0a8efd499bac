"""The newer LTX families in ``FakeWaveSpeed``'s model list: LTX-2.3 (text-to-video,
image-to-video, LoRA, video extend, lipsync), LTX-2.5, and LTX-2 19B's LoRA and lipsync.

Kept by hand from WaveSpeed's own pages, like :mod:`wavevid.testing._default_models` (whose
docstring names the page kinds), never from wavevid's catalog. ``type`` is the page's category
(``lora-support``, ``video-extend``, ``digital-human`` as WaveSpeed's llms.txt pages name them).
Where a page states no price, the formula is a placeholder that depends on an input the catalog
cannot price (the resolution, or the audio's length), marked so: the live list then gives no
simple rule, as for a price the catalog does not know.
"""

from __future__ import annotations

from wavevid.testing._model_entries import (
    Entry,
    entry,
    loras,
    prompt,
    request_schema,
    seed,
    select,
    slider,
    uploader,
)

PER_SECOND = '{"total_price": base_price * duration}'
# Placeholders (UNVERIFIED): no WaveSpeed page read states these prices.
BY_RESOLUTION = (
    '{"total_price": base_price * duration'
    ' * (resolution = "1080p" ? 2 : resolution = "480p" ? 0.5 : 1)}'
)
BY_AUDIO = '{"total_price": base_price * audio_duration}'  # the audio's length, not an input
# LTX-2.5: UNVERIFIED, $0.10/s at 720p to $0.33/s at 4k as a third party quotes WaveSpeed's.
LTX_25_PRICE = (
    '{"total_price": duration * (resolution = "4k" ? 0.33 : resolution = "2k" ? 0.2'
    ' : resolution = "1080p" ? 0.15 : base_price)}'
)

_IMAGES = "image/jpeg,image/png"
_AUDIO = "audio/mpeg,audio/wav,audio/mp4,audio/ogg"


def _ltx23() -> list[Entry]:
    # docs "Ltx 2.3 Text To Video": `prompt` required, `resolution` 480p/720p/1080p (720p),
    # `duration` 5-20, `seed` (-1). "Ltx 2.3 Image To Video": `image` (JPG/PNG) and `prompt`
    # required (the table is cut there; the rest as text-to-video, UNVERIFIED). "Ltx 2.3 Text
    # To Video LoRA": `loras` (max 3, path and scale) and the text-to-video parameters; its
    # path is read from the page's name (UNVERIFIED). UNVERIFIED: duration's default and step.
    resolution = select(["480p", "720p", "1080p"], "720p", "Resolution")
    duration = slider(5, 20, 5, "Duration", "Seconds of video.")
    text = prompt("What the video shows and sounds like.")
    t2v = {"prompt": text, "resolution": resolution, "duration": duration, "seed": seed()}
    image = uploader(_IMAGES, "Image", "The image to animate, JPG or PNG.")
    lora = {"loras": loras("LoRA adapters to apply (max 3), each with path and scale."), **t2v}
    return [
        entry("wavespeed-ai/ltx-2.3/text-to-video", "text-to-video", 0.05, BY_RESOLUTION,
              "LTX-2.3: video with synchronized audio from text.",
              request_schema(["prompt"], t2v)),
        entry("wavespeed-ai/ltx-2.3/image-to-video", "image-to-video", 0.05, BY_RESOLUTION,
              "LTX-2.3: video with synchronized audio from an image.",
              request_schema(["image", "prompt"], {"image": image, **t2v})),
        entry("wavespeed-ai/ltx-2.3/text-to-video-lora", "lora-support", 0.05, BY_RESOLUTION,
              "LTX-2.3 with up to three LoRA adapters.", request_schema(["prompt"], lora)),
    ]  # fmt: skip


def _ltx23_extend_lipsync() -> list[Entry]:
    # docs "Ltx 2.3 Video Extend": `video` required, `duration` 1-20 (6), `prompt` optional;
    # "$0.10/second" of extension. Path read from the page's name (UNVERIFIED). llms.txt of
    # ltx-2.3/lipsync: `audio` required, `image`, `prompt`, `resolution` (720p), `seed`.
    extend = request_schema(
        ["video"],
        {
            "video": uploader("video/mp4,video/quicktime", "Video", "The video to extend."),
            "prompt": prompt("How the video should continue."),
            "duration": slider(1, 20, 6, "Duration", "Seconds to add."),
        },
    )
    lipsync = request_schema(
        ["audio"],
        {
            "audio": uploader(_AUDIO, "Audio", "The speech; its length is the video's."),
            "image": uploader(_IMAGES, "Image", "The portrait (a default one without it)."),
            "prompt": prompt("The style and motion of the generation."),
            "resolution": select(["480p", "720p", "1080p"], "720p", "Resolution"),
            "seed": seed(),
        },
    )
    return [
        entry("wavespeed-ai/ltx-2.3/video-extend", "video-extend", 0.1, PER_SECOND,
              "LTX-2.3: continue a video by up to 20 seconds.", extend),
        entry("wavespeed-ai/ltx-2.3/lipsync", "digital-human", 0.03, BY_AUDIO,
              "LTX-2.3: a talking head that follows an audio track.", lipsync),
    ]  # fmt: skip


def _ltx2_19b_more() -> list[Entry]:
    # docs "Ltx 2 19b Text To Video LoRA": the text-to-video parameters and up to 3 LoRAs
    # (their shape as on the LTX-2.3 LoRA page; path read from the page's name, UNVERIFIED).
    # docs "Ltx 2 19b Lipsync": `audio` required, `image` (JPG/PNG), `prompt`, `resolution`
    # (720p); the table is cut there: `seed` UNVERIFIED.
    resolution = select(["480p", "720p", "1080p"], "720p", "Resolution")
    lora = request_schema(
        ["prompt"],
        {
            "prompt": prompt("What the video shows and sounds like."),
            "loras": loras("Up to 3 custom LoRA adapters."),
            "resolution": resolution,
            "aspect_ratio": select(["16:9", "9:16"], "16:9", "Aspect Ratio"),
            "duration": slider(5, 20, 5, "Duration", "Seconds of video."),
            "seed": seed(),
        },
    )
    lipsync = request_schema(
        ["audio"],
        {
            "audio": uploader(_AUDIO, "Audio", "The speech; its length is the video's."),
            "image": uploader(_IMAGES, "Image", "The portrait, JPG or PNG."),
            "prompt": prompt("The style of the generation."),
            "resolution": resolution,
            "seed": seed(),
        },
    )
    return [
        entry("wavespeed-ai/ltx-2-19b/text-to-video-lora", "lora-support", 0.05, BY_RESOLUTION,
              "LTX-2 19B with up to three LoRA adapters.", lora),
        entry("wavespeed-ai/ltx-2-19b/lipsync", "digital-human", 0.03, BY_AUDIO,
              "LTX-2 19B: a talking head that follows an audio track.", lipsync),
    ]  # fmt: skip


def _ltx25() -> list[Entry]:
    # llms.txt (text-to-video): `prompt` required, `resolution` 720p/1080p/2k/4k (720p),
    # `aspect_ratio` 16:9 or 9:16 (16:9), `duration` 5-20 (5), `seed` (-1). Model page
    # (image-to-video): a first-frame `image`, an optional `last_image`, 720p to 4k, "$0.5 per
    # run"; its other parameters are UNVERIFIED (as text-to-video, no aspect ratio). wavevid's
    # catalog ships text-to-video only: the fake's model a catalog does not know.
    resolution = select(["720p", "1080p", "2k", "4k"], "720p", "Resolution")
    duration = slider(5, 20, 5, "Duration")
    t2v = request_schema(
        ["prompt"],
        {
            "prompt": prompt("What the video shows."),
            "resolution": resolution,
            "aspect_ratio": select(["16:9", "9:16"], "16:9", "Aspect Ratio"),
            "duration": duration,
            "seed": seed(),
        },
    )
    i2v = request_schema(
        ["image"],
        {
            "image": uploader(_IMAGES, "Image", "The first frame."),
            "last_image": uploader(_IMAGES, "Last Image", "The last frame (optional)."),
            "prompt": prompt("The motion to animate."),
            "resolution": resolution,
            "duration": duration,
            "seed": seed(),
        },
    )
    return [
        entry("wavespeed-ai/ltx-2.5/text-to-video", "text-to-video", 0.1, LTX_25_PRICE,
              "LTX-2.5: text to video up to 4k.", t2v),
        entry("wavespeed-ai/ltx-2.5/image-to-video", "image-to-video", 0.1, LTX_25_PRICE,
              "LTX-2.5: animate an image, up to 4k.", i2v),
    ]  # fmt: skip


def newer_models() -> list[Entry]:
    """The newer LTX families, in the order the list gives them (fresh objects each call)."""
    return [*_ltx2_19b_more(), *_ltx23(), *_ltx23_extend_lipsync(), *_ltx25()]
