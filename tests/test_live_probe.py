"""tools/live_probe.py, run offline against FakeWaveSpeed: it refuses to spend without consent,
and the fixtures it writes are well formed and redacted. Only what holds for the lenient fake
and for the strict one is asserted (unknown paths, history items and poll paths differ)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from wavevid.testing import FakeWaveSpeed, JobScript

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-live-probe-test-0123456789abcdef"
SIGNED = "https://cdn.example.com/out.mp4?X-Amz-Signature=abc123&X-Amz-Credential=me%40corp"
PROBES = {"webhook_secret", "unknown_model", "submit", "poll_paths", "history", "rate_limit",
          "error_shapes", "created_at"}
QUERY = re.compile(r"https?://[^\s\"]*\?(?!<redacted>\")")
WHSEC = re.compile(r"whsec_[A-Za-z0-9]")


def _load_probe():
    spec = importlib.util.spec_from_file_location("live_probe", ROOT / "tools" / "live_probe.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


probe = _load_probe()


def test_refuses_without_a_key(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("WAVESPEED_API_KEY", raising=False)
    assert probe.main(["--yes-spend", "--out", str(tmp_path)]) == 2
    assert "WAVESPEED_API_KEY" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_refuses_without_yes_spend_after_printing_the_cost(monkeypatch, tmp_path, capsys):
    with FakeWaveSpeed(api_key=KEY) as fake:
        monkeypatch.setenv("WAVESPEED_API_KEY", fake.api_key)
        assert probe.main(["--base-url", fake.url, "--out", str(tmp_path)]) == 2
        assert fake.requests == []
    printed = capsys.readouterr()
    assert "estimated $0.10" in printed.out
    assert "--yes-spend" in printed.err
    assert not list(tmp_path.iterdir())


def test_a_dry_run_writes_redacted_well_formed_fixtures(monkeypatch, tmp_path, capsys):
    with FakeWaveSpeed(api_key=KEY, processing_seconds=0.05) as fake:
        fake.script_jobs(JobScript(outputs=[SIGNED]))
        fake.balance = 0.01  # below the estimate: the insufficient-balance branch is taken
        monkeypatch.setenv("WAVESPEED_API_KEY", fake.api_key)
        argv = ["--base-url", fake.url, "--yes-spend", "--out", str(tmp_path), "--probe-rate-limit"]
        assert probe.main(argv) == 0
        secret, jobs = fake.webhook_secret, dict(fake.jobs)
    files = {path.stem: path for path in tmp_path.glob("*.json")}
    assert set(files) == PROBES
    for name, path in files.items():
        text = path.read_text("utf-8")
        assert KEY not in text, name
        assert secret not in text, name
        assert not WHSEC.search(text), name
        assert "X-Amz" not in text, name
        assert not QUERY.search(text), name
        _check_well_formed(json.loads(text), name)
    fixtures = {name: json.loads(path.read_text("utf-8")) for name, path in files.items()}
    submit = fixtures["submit"]["facts"]
    assert submit["job_id"] in jobs
    assert submit["balance_low"]
    assert fixtures["poll_paths"]["facts"]["final_status"] == "completed"
    assert fixtures["history"]["facts"]["probe_job_listed"]
    assert any(shape.startswith("401: ") for shape in fixtures["error_shapes"]["facts"]["shapes"])
    assert fixtures["created_at"]["facts"]["fraction_digits"]
    assert fixtures["rate_limit"]["facts"]["burst"] == probe.BURST
    table = capsys.readouterr().out
    assert all(f"| {name}.json |" in table for name in PROBES)
    assert KEY not in table


def _check_well_formed(fixture: dict, name: str) -> None:
    assert fixture["format"] == probe.FORMAT
    assert fixture["probe"] == name
    assert fixture["recorded_at"].endswith("Z")
    assert isinstance(fixture["facts"], dict)
    assert fixture["questions"]
    for item in fixture["questions"]:
        assert isinstance(item["question"], str)
        assert isinstance(item["answer"], str)
    for exchange in fixture["exchanges"]:
        assert exchange["request"]["method"] in ("GET", "POST")
        assert exchange["request"]["path"].startswith("/api/v3/")
        assert ("response" in exchange) != ("error" in exchange)
        response = exchange.get("response", {"status": 0, "headers": {}, "text": ""})
        assert isinstance(response["status"], int)
        assert "json" in response or "text" in response
        assert all(h == h.lower() for h in response["headers"])
        assert not {"set-cookie", "authorization"} & set(response["headers"])


@pytest.mark.parametrize(
    "text",
    [
        f"key {KEY} in a message",
        "Authorization: Bearer abc.def-123",
        "the secret whsec_c2VjcmV0LXZhbHVl",
        SIGNED,
        "write to ops.team+wavespeed@example.co.uk",
    ],
)
def test_redact_removes_every_kind_of_secret(text):
    clean = json.dumps(probe.redact({"data": {"note": text, "items": [text]}}, [KEY]))
    for leaked in (KEY, "abc.def-123", "c2VjcmV0", "X-Amz", "ops.team", "example.co.uk"):
        assert leaked not in clean


def test_redact_keeps_the_shape_and_hides_account_values():
    body = {"data": {"secret": "s3cr3t-value", "email": "x", "account_id": 7, "balance": 12.5,
                     "id": "job1", "outputs": ["https://cdn.example.com/a.mp4"]}}
    assert probe.redact(body) == {"data": {
        "secret": "<redacted>", "email": "<redacted>", "account_id": "<redacted>",
        "balance": "<redacted>", "id": "job1", "outputs": ["https://cdn.example.com/a.mp4"]}}
