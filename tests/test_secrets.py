"""The API key never appears in a log record (at DEBUG, urllib3's included), an exception's
text, or a repr; the redaction rules themselves."""

from __future__ import annotations

import logging

import pytest

import wavevid
from wavevid import errors
from wavevid._deadline import Deadline
from wavevid._logging import configure_from_environment, redact, register_secret
from wavevid._payload import fingerprint
from wavevid.testing import FakeWaveSpeed, Fault

KEY = "sk-live-0123456789abcdefSECRET"
MODEL = "lightricks/ltx-2-fast/text-to-video"
BODY = {"prompt": "x"}
pytestmark = pytest.mark.wavevid_fake(api_key=KEY, processing_seconds=0.01)


def every_flow(fake: FakeWaveSpeed) -> list[BaseException]:
    """Successes and failures of every kind the transport has; returns the errors raised."""
    raised: list[BaseException] = []
    client = wavevid.Client(api_key=KEY, base_url=fake.url, request_timeout=0.3, max_retries=1)
    transport = client._transport
    transport.sleep = lambda seconds: None
    job = transport.submit(MODEL, BODY, deadline=Deadline(5), fingerprint=fingerprint(BODY))
    fake.finish(job["id"])
    done = transport.call("GET", f"predictions/{job['id']}/result", deadline=Deadline(5))
    with transport.open_stream(done["outputs"][0], deadline=Deadline(5)) as response:
        response.content  # noqa: B018 - read the body
    client.balance()
    faults = [
        Fault("submit", drop=True), Fault("submit", delay=1.0), Fault("submit", status=500),
        Fault("any", status=503, times=None),
    ]
    for fault in faults:
        fake.add_fault(fault)
        try:
            transport.submit(MODEL, BODY, deadline=Deadline(5), fingerprint=fingerprint(BODY))
        except errors.WavevidError as error:
            raised.append(error)
        try:
            client.balance()
        except errors.WavevidError as error:
            raised.append(error)
        fake.reset()
    wrong = wavevid.Client(api_key=KEY + "-revoked", base_url=fake.url)
    for call in (wrong.balance, lambda: wavevid.Client(base_url=fake.url).balance()):
        try:
            call()
        except errors.WavevidError as error:
            raised.append(error)
    client.close()
    return raised


def test_no_key_in_logs_errors_or_reprs(
    fake: FakeWaveSpeed, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        raised = every_flow(fake)
    kinds = {type(error).__name__ for error in raised}
    assert kinds >= {
        "SubmissionUncertainError", "ServerError", "AuthenticationError", "ConfigurationError"
    }
    assert any(record.name.startswith("urllib3") for record in caplog.records)
    assert any(record.name.startswith("wavevid") for record in caplog.records)
    texts = [record.getMessage() for record in caplog.records]
    texts += [str(error) for error in raised] + [repr(error) for error in raised]
    texts += [repr(wavevid.Client(api_key=KEY, base_url=fake.url))]
    leaks = [text for text in texts if KEY in text or "0123456789abcdef" in text]
    assert leaks == []


def test_wavevid_log_debug_writes_redacted_records_to_stderr(
    fake: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger("wavevid")
    handlers, level = list(root.handlers), root.level
    monkeypatch.setenv("WAVEVID_LOG", "debug")
    configure_from_environment()
    configure_from_environment()  # idempotent: one handler
    try:
        assert len(root.handlers) == len(handlers) + 1
        every_flow(fake)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    written = capsys.readouterr().err
    assert "wavevid.transport" in written
    assert "may have been accepted" in written
    assert KEY not in written


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
        ("secret whsec_c2VjcmV0IGtleQ== here", "secret whsec_*** here"),
        (
            "GET https://cdn.example.com/out/1.mp4?X-Amz-Signature=abc&X-Amz-Credential=d ok",
            "GET https://cdn.example.com/out/1.mp4?*** ok",
        ),
        (
            'http://127.0.0.1:80 "PUT /upload/t?X-Amz-Signature=abc HTTP/1.1" 200 0',
            'http://127.0.0.1:80 "PUT /upload/t?*** HTTP/1.1" 200 0',
        ),
        ("nothing secret in here? no", "nothing secret in here? no"),
    ],
)
def test_redaction_patterns(text: str, clean: str) -> None:
    assert redact(text) == clean


def test_registered_secrets_are_redacted_but_short_strings_are_not() -> None:
    register_secret("my-registered-secret-value")
    register_secret("abc")  # too short to redact without mangling ordinary text
    assert redact("key=my-registered-secret-value;") == "key=***;"
    assert redact("abc") == "abc"
