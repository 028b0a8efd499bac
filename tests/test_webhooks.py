"""wavevid.webhooks: verify and sign WaveSpeed deliveries; real deliveries from the fake."""

from __future__ import annotations

import base64
import email.message
import hashlib
import hmac
import json
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests.structures

import wavevid
from wavevid._logging import redact
from wavevid.testing import FakeWaveSpeed, JobScript
from wavevid.webhooks import sign, verify

SECRET = "whsec_c2VjcmV0LXRlc3QtdmFsdWUtMDEyMzQ1Njc4OQ=="
KEY = SECRET.removeprefix("whsec_")
NOW = 1_700_000_000
BODY = json.dumps({"id": "job-1", "status": "completed", "outputs": ["https://x/y.mp4"]}).encode()
WEBHOOK_ID = "msg_2b3c"


def expected_signature(body: bytes = BODY, key: bytes = KEY.encode(), stamp: int = NOW) -> str:
    """The documented scheme, computed independently of wavevid."""
    signed = f"{WEBHOOK_ID}.{stamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).hexdigest()


def headers_for(body: bytes = BODY, secret: str = SECRET, stamp: int = NOW) -> dict[str, str]:
    return sign(body, secret, webhook_id=WEBHOOK_ID, timestamp=stamp)


def replaced(**values: str | None) -> dict[str, str]:
    """Valid headers with some replaced (``None``: removed); keys use ``_`` for ``-``."""
    headers = headers_for()
    for name, value in values.items():
        header = name.replace("_", "-")
        if value is None:
            del headers[header]
        else:
            headers[header] = value
    return headers


# --- sign --------------------------------------------------------------------------------------


def test_sign_follows_the_documented_scheme() -> None:
    assert headers_for() == {
        "webhook-id": WEBHOOK_ID,
        "webhook-timestamp": str(NOW),
        "webhook-signature": f"v3,{expected_signature()}",
    }


def test_the_secret_is_raw_bytes_not_base64() -> None:
    decoded = base64.b64decode(KEY)  # what a Standard Webhooks verifier would use as the key
    standard = {**headers_for(), "webhook-signature": f"v3,{expected_signature(key=decoded)}"}
    with pytest.raises(wavevid.WebhookVerificationError, match="no signature"):
        verify(BODY, standard, SECRET, now=NOW)
    assert expected_signature() in headers_for()["webhook-signature"]


def test_sign_defaults_to_now_and_a_fresh_id() -> None:
    first, second = sign(BODY, SECRET), sign(BODY, SECRET)
    assert first["webhook-id"] != second["webhook-id"]
    assert verify(BODY, first, SECRET)["id"] == "job-1"


def test_sign_refuses_text_and_an_empty_secret() -> None:
    with pytest.raises(TypeError):
        sign("{}", SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        sign(BODY, "whsec_")


# --- verify: accepted ----------------------------------------------------------------------------


def test_verify_returns_the_payload() -> None:
    assert verify(BODY, headers_for(), SECRET, now=NOW) == json.loads(BODY)


def test_a_secret_without_its_prefix_is_the_same_key() -> None:
    assert verify(BODY, headers_for(), KEY, now=NOW)["id"] == "job-1"


class OnlyGet:
    """Case-insensitive ``get`` and nothing else (like Django's HttpHeaders for this purpose)."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = {name.lower(): value for name, value in headers.items()}

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._headers.get(name.lower(), default)


class OnlyItems:
    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self._pairs = pairs

    def items(self) -> list[tuple[Any, Any]]:
        return self._pairs


def as_message(headers: Mapping[str, str]) -> email.message.Message:
    message = email.message.Message()
    for name, value in headers.items():
        message[name] = value
    return message


def as_meta(headers: Mapping[str, str]) -> dict[str, str]:
    meta = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json"}
    return {**meta, **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}}


HEADER_KINDS: dict[str, Callable[[dict[str, str]], Any]] = {
    "lowercase dict": dict,
    "title-case dict": lambda h: {k.title(): v for k, v in h.items()},
    "uppercase dict": lambda h: {k.upper(): v for k, v in h.items()},
    "requests CaseInsensitiveDict": requests.structures.CaseInsensitiveDict,
    "email Message (http.server)": as_message,
    "Django request.META / WSGI environ": as_meta,
    "get only (Django request.headers)": OnlyGet,
    "items only, bytes": lambda h: OnlyItems([(k.encode(), v.encode()) for k, v in h.items()]),
    "padded values": lambda h: {k: f" {v} " for k, v in h.items()},
}


@pytest.mark.parametrize("kind", HEADER_KINDS)
def test_headers_of_every_kind(kind: str) -> None:
    assert verify(BODY, HEADER_KINDS[kind](headers_for()), SECRET, now=NOW)["id"] == "job-1"


@pytest.mark.parametrize("body", [bytearray(BODY), memoryview(BODY)])
def test_bytes_like_bodies(body: bytes) -> None:
    assert verify(body, headers_for(), SECRET, now=NOW)["id"] == "job-1"


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_timestamps_within_the_tolerance(offset: int) -> None:
    assert verify(BODY, headers_for(), SECRET, now=NOW + offset)["id"] == "job-1"


def test_a_custom_tolerance() -> None:
    assert verify(BODY, headers_for(), SECRET, tolerance=3600, now=NOW + 3000)["id"] == "job-1"


@pytest.mark.parametrize(
    "signature",
    [
        "v1,abc v3,{good}",
        "v3,{bad} v3,{good}",
        "garbage v3, ,v3 v3,{good}",
        "v3,{good} v2,{good}",
        "v3,{upper}",
    ],
)
def test_one_matching_v3_entry_is_enough(signature: str) -> None:
    good = expected_signature()
    value = signature.format(good=good, bad="0" * 64, upper=good.upper())
    assert verify(BODY, replaced(webhook_signature=value), SECRET, now=NOW)["id"] == "job-1"


def test_verify_registers_the_secret_for_redaction() -> None:
    secret = "plain-secret-for-redaction-test"
    verify(BODY, sign(BODY, secret), secret)
    assert secret not in redact(f"oops {secret} leaked")


# --- verify: rejected ----------------------------------------------------------------------------

GOOD = expected_signature()
# name -> (body, headers, secret, keyword arguments, a fragment of the reason)
Case = tuple[Any, Any, Any, dict[str, Any], str]
FAILURES: dict[str, Case] = {
    "tampered body": (BODY.replace(b"job-1", b"job-2"), headers_for(), SECRET, {}, "no signature"),
    "wrong secret": (BODY, headers_for(), "whsec_another-secret-value", {}, "no signature"),
    "stale": (BODY, headers_for(), SECRET, {"now": NOW + 301}, "too old"),
    "stale, custom tolerance": (BODY, headers_for(), SECRET, {"now": NOW + 61, "tolerance": 60},
                                "too old"),
    "future": (BODY, headers_for(), SECRET, {"now": NOW - 301}, "future"),
    "missing id": (BODY, replaced(webhook_id=None), SECRET, {}, "webhook-id header is missing"),
    "missing timestamp": (BODY, replaced(webhook_timestamp=None), SECRET, {},
                          "webhook-timestamp header is missing"),
    "missing signature": (BODY, replaced(webhook_signature=None), SECRET, {},
                          "webhook-signature header is missing"),
    "no headers": (BODY, {}, SECRET, {}, "missing"),
    "empty signature": (BODY, replaced(webhook_signature=""), SECRET, {}, "empty"),
    "blank signature": (BODY, replaced(webhook_signature="   "), SECRET, {}, "empty"),
    "empty id": (BODY, replaced(webhook_id=""), SECRET, {}, "empty"),
    "no comma": (BODY, replaced(webhook_signature="v3" + GOOD), SECRET, {}, "no v3 signature"),
    "version only": (BODY, replaced(webhook_signature="v3,"), SECRET, {}, "no signature"),
    "wrong version only": (BODY, replaced(webhook_signature="v1," + GOOD), SECRET, {},
                           "no v3 signature"),
    "base64 instead of hex": (BODY, replaced(webhook_signature="v3,"
                              + base64.b64encode(bytes.fromhex(GOOD)).decode()), SECRET, {},
                              "no signature"),
    "non-hex": (BODY, replaced(webhook_signature="v3,zz" + GOOD[2:]), SECRET, {}, "no signature"),
    "non-ASCII": (BODY, replaced(webhook_signature="v3,é" + GOOD[1:]), SECRET, {},
                  "no v3 signature"),
    "truncated": (BODY, replaced(webhook_signature="v3," + GOOD[:-1]), SECRET, {}, "no signature"),
    "several, none valid": (BODY, replaced(webhook_signature=f"v1,{GOOD} v3,{'0' * 64} v3,x"),
                            SECRET, {}, "no signature"),
    "fractional timestamp": (BODY, replaced(webhook_timestamp=f"{NOW}.5"), SECRET, {},
                             "whole number"),
    "negative timestamp": (BODY, replaced(webhook_timestamp=f"-{NOW}"), SECRET, {}, "whole number"),
    "word timestamp": (BODY, replaced(webhook_timestamp="yesterday"), SECRET, {}, "whole number"),
    "exponent timestamp": (BODY, replaced(webhook_timestamp="1.7e9"), SECRET, {}, "whole number"),
    "non-ASCII digits": (BODY, replaced(webhook_timestamp="١٧٠٠٠٠٠٠٠٠"), SECRET, {},
                         "whole number"),
    "huge timestamp": (BODY, replaced(webhook_timestamp="9" * 40), SECRET, {}, "whole number"),
    "str body": (BODY.decode(), headers_for(), SECRET, {}, "request.body"),
    "parsed body": (json.loads(BODY), headers_for(), SECRET, {}, "already parsed"),
    "no body": (None, headers_for(), SECRET, {}, "not bytes"),
    "headers not a mapping": (BODY, [("webhook-id", WEBHOOK_ID)], SECRET, {}, "request.META"),
    "header not text": (BODY, {**headers_for(), "webhook-id": 7}, SECRET, {}, "not text"),
    "empty secret": (BODY, headers_for(), "", {}, "no webhook secret"),
    "prefix only": (BODY, headers_for(), "whsec_", {}, "no webhook secret"),
    "secret not text": (BODY, headers_for(), KEY.encode(), {}, "must be a str"),
    "negative tolerance": (BODY, headers_for(), SECRET, {"tolerance": -1}, "tolerance"),
    "NaN tolerance": (BODY, headers_for(), SECRET, {"tolerance": float("nan")}, "tolerance"),
}


def signed_case(body: bytes, reason: str) -> Case:
    return (body, headers_for(body), SECRET, {}, reason)


FAILURES.update(
    {
        "signed, not JSON": signed_case(b"status=completed", "not JSON"),
        "signed, empty": signed_case(b"", "not JSON"),
        "signed, not UTF-8": signed_case(b'{"a": "\xff"}', "not UTF-8"),
        "signed, a JSON list": signed_case(b"[1, 2]", "a JSON list, not an object"),
        "signed, a JSON string": signed_case(b'"completed"', "not an object"),
        "signed, nested too deeply": signed_case(b"[" * 100_000 + b"]" * 100_000, "nested"),
    }
)


@pytest.mark.parametrize("name", FAILURES)
def test_rejected_with_a_reason_free_of_secrets(name: str) -> None:
    body, headers, secret, options, fragment = FAILURES[name]
    with pytest.raises(wavevid.WebhookVerificationError) as caught:
        verify(body, headers, secret, **{"now": NOW, **options})
    reason = caught.value.reason
    assert fragment in reason
    assert str(caught.value) == reason
    for forbidden in (SECRET, KEY, GOOD, "c2VjcmV0", KEY.encode().hex()):
        assert forbidden not in reason
    if isinstance(secret, str) and len(secret) > 6:
        assert secret.removeprefix("whsec_") not in reason
        expected = hmac.new(secret.removeprefix("whsec_").encode(), b"", hashlib.sha256)
        assert expected.hexdigest() not in reason
    assert caught.value.__cause__ is None


# --- real deliveries from the fake ---------------------------------------------------------------


class Receiver:
    """A webhook endpoint on 127.0.0.1: keeps each POST's raw body and headers, answers the
    planned statuses in turn, then 200."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: queue.Queue[tuple[bytes, email.message.Message]] = queue.Queue()
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.put((body, self.headers))
                with lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/wavespeed"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def get(self, timeout: float = 3.0) -> tuple[bytes, email.message.Message]:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def test_a_completed_job_is_delivered_and_verifies(
    fake_wavespeed: FakeWaveSpeed, wavevid_client: wavevid.Client, receiver: Receiver
) -> None:
    job = wavevid_client.submit(
        "ltx-2-retake",
        video="https://example.com/in.mp4",
        prompt="From 1s to 2s, a cat",
        webhook_url=receiver.url,
    )
    body, headers = receiver.get()
    payload = verify(body, headers, wavevid_client.webhook_secret())
    assert payload["id"] == job.id
    assert payload["status"] == "completed"
    assert payload["model"] == "lightricks/ltx-2-retake"
    assert payload["input"]["prompt"] == "From 1s to 2s, a cat"
    assert payload["outputs"] == [f"{fake_wavespeed.url}/outputs/{job.id}.mp4"]
    assert job.wait(timeout=5).outputs == payload["outputs"]


def test_a_failed_job_is_delivered_and_verifies(
    fake_wavespeed: FakeWaveSpeed, wavevid_client: wavevid.Client, receiver: Receiver
) -> None:
    fake_wavespeed.script_jobs(JobScript("failed", error="content policy", times=1))
    job = wavevid_client.submit("ltx-2-pro", prompt="a fox", webhook_url=receiver.url)
    body, headers = receiver.get()
    payload = verify(body, headers, fake_wavespeed.webhook_secret)
    assert (payload["id"], payload["status"]) == (job.id, "failed")
    assert payload["error"] == "content policy"
    assert "outputs" not in payload


def test_a_delivery_checked_late_is_stale(
    fake_wavespeed: FakeWaveSpeed, wavevid_client: wavevid.Client, receiver: Receiver
) -> None:
    wavevid_client.submit("ltx-2-pro", prompt="a fox", webhook_url=receiver.url)
    body, headers = receiver.get()
    stamp = int(headers["webhook-timestamp"])
    with pytest.raises(wavevid.WebhookVerificationError, match="too old"):
        verify(body, headers, fake_wavespeed.webhook_secret, now=stamp + 301)


def test_a_failing_receiver_gets_retries(
    fake_wavespeed: FakeWaveSpeed, wavevid_client: wavevid.Client, receiver: Receiver
) -> None:
    receiver.statuses = [500, 500]
    job = wavevid_client.submit("ltx-2-pro", prompt="a fox", webhook_url=receiver.url)
    attempts = fake_wavespeed.wait_for_webhooks(3)
    assert [(a.attempt, a.status) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert {a.job_id for a in attempts} == {job.id}
    assert len({a.webhook_id for a in attempts}) == 1
    for _ in attempts:
        body, headers = receiver.get()
        assert verify(body, headers, fake_wavespeed.webhook_secret)["id"] == job.id
    assert len(fake_wavespeed.webhook_deliveries) == 3
