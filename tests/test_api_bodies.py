"""API answers within bounded memory, over real sockets: wavevid asks for ``identity``, decodes
an answer encoded anyway within MAX_JSON_BYTES (a small gzip bomb never becomes a large body),
refuses a coding it cannot decode with a typed error, and never reads a redirect's body whole
(requests would, even with redirects off)."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from hostile_http import Hostile, bomb, gzipped

import wavevid
from wavevid import errors
from wavevid._constants import MAX_JSON_BYTES
from wavevid.testing import FakeWaveSpeed

MIB = 1024 * 1024
BALANCE = json.dumps({"code": 200, "message": "success", "data": {"balance": 12.5}}).encode()


@pytest.fixture
def host() -> Iterator[Hostile]:
    with Hostile() as server:
        yield server


@pytest.fixture
def client(host: Hostile) -> Iterator[wavevid.Client]:
    with wavevid.Client(api_key="sk-test", base_url=host.url(""), max_retries=0) as made:
        yield made


def test_api_calls_ask_for_identity() -> None:
    with FakeWaveSpeed(processing_seconds=0.05) as fake, fake.client() as client:
        client.balance()
        job = client.submit("ltx-2-fast", prompt="a fox")
        client.get_job(job.id)
        assert len(fake.requests) == 3
        assert all(r.header("Accept-Encoding") == "identity" for r in fake.requests)


def test_an_answer_encoded_anyway_is_decoded(host: Hostile, client: wavevid.Client) -> None:
    host.answer("/api/v3/balance", gzipped(BALANCE), headers={"Content-Encoding": "gzip"})
    assert str(client.balance()) == "12.5"
    assert host.seen[0].header("Accept-Encoding") == "identity"


def test_a_gzip_bomb_answer_stops_at_the_json_limit(host: Hostile, client: wavevid.Client) -> None:
    host.answer("/api/v3/balance", bomb(256), headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with pytest.raises(errors.APIConnectionError, match=f"larger than {MAX_JSON_BYTES}"):
            client.balance(timeout=5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_JSON_BYTES  # 256 MiB once decoded


def test_an_answer_in_a_coding_that_cannot_be_decoded_is_typed(
    host: Hostile, client: wavevid.Client
) -> None:
    host.answer("/api/v3/balance", BALANCE, headers={"Content-Encoding": "x-wavevid-unknown"})
    with pytest.raises(errors.APIConnectionError, match="'x-wavevid-unknown', which cannot be"):
        client.balance(timeout=5)


@pytest.mark.parametrize("call", ["balance", "submit"])
def test_a_redirect_with_a_huge_body_is_refused_without_reading_it(
    host: Hostile, client: wavevid.Client, call: str
) -> None:
    size = 256 * MIB
    path = "/api/v3/balance" if call == "balance" else "/api/v3/vendor/model"
    host.redirect(path, "https://elsewhere.example/", status=302, body_bytes=size)
    calls = {
        "balance": lambda: client.balance(timeout=5),
        "submit": lambda: client.submit("vendor/model", prompt="a fox", timeout=5),
    }
    started = time.monotonic()
    with pytest.raises(errors.APIError) as raised:
        calls[call]()
    assert raised.value.status_code == 302  # refused: nothing was created
    assert time.monotonic() - started < 2.0
    assert len(host.seen) == 1
    host.wait_idle()
    assert host.sent[path] < MAX_JSON_BYTES + 32 * MIB  # at most the JSON limit, and buffers
