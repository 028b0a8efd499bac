"""``VideoResult.to_dict()``: the plain dict ``generate_video`` returns, and its JSON-ready form
(``mode="json"``) that ``json.dumps`` takes as it is."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

import wavevid
from wavevid.results import VideoResult


def made(**changes: object) -> VideoResult:
    fields: dict[str, object] = {
        "job_id": "0b9d2f8e6c4a4e1f9a7b3c5d2e1f0a9b", "model_name": "ltx-2-fast",
        "model_path": "lightricks/ltx-2-fast/text-to-video",
        "url": "https://cdn.example/v.mp4?sig=1", "outputs": ["https://cdn.example/v.mp4?sig=1"],
        "parameters": {"prompt": "a fox", "duration": 8}, "estimated_cost": Decimal("0.32"),
        "elapsed_seconds": 12.5, "has_nsfw_contents": [False], "_content": b"\x00video",
    }
    return VideoResult(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_json_form_goes_through_json_dumps_as_it_is() -> None:
    result = made(parameters={"prompt": "a fox", "when": dt.datetime(2025, 6, 1, 14, 3, 27,
                                                                    tzinfo=dt.timezone.utc),
                              "ratio": Decimal("1.5"), "frames": [b"raw", Path("/tmp/x.png")]})
    record = result.to_dict(mode="json")
    assert json.loads(json.dumps(record)) == record
    assert "video_bytes" not in record
    assert record["cost"] == "0.32"
    assert record["parameters"] == {"prompt": "a fox", "when": "2025-06-01T14:03:27+00:00",
                                    "ratio": "1.5", "frames": ["/tmp/x.png"]}
    python = result.to_dict()
    assert set(python) - set(record) == {"video_bytes"}
    assert {key: value for key, value in python.items() if key not in ("video_bytes", "cost",
                                                                       "parameters")} == {
        key: value for key, value in record.items() if key not in ("cost", "parameters")
    }


def test_an_unknown_cost_stays_none_in_both_forms() -> None:
    result = made(estimated_cost=None)
    assert result.to_dict()["cost"] is None
    assert result.to_dict(mode="json")["cost"] is None


def test_the_json_form_never_reads_the_file(tmp_path: Path) -> None:
    result = made(_content=None, path=tmp_path / "gone.mp4")  # deleted since it was saved
    assert result.to_dict(mode="json")["job_id"] == result.job_id
    with pytest.raises(FileNotFoundError):
        result.to_dict()


def test_another_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode must be 'python' or 'json', not 'yaml'"):
        made().to_dict(mode="yaml")  # type: ignore[arg-type]


def test_a_generated_result_in_json(wavevid_client: wavevid.Client) -> None:
    result = wavevid_client.generate("hunyuan-video-1.5", prompt="a fox", duration=5)
    record = json.loads(json.dumps(result.to_dict(mode="json")))
    assert record["cost"] == str(result.estimated_cost)
    assert record["job_id"] == result.job_id
