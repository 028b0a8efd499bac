"""FakeWaveSpeed's webhook deliveries, seen from a real receiver on 127.0.0.1."""

from __future__ import annotations

import email.message
import hashlib
import hmac
import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from wavevid.testing import FakeWaveSpeed, JobScript, WebhookDelivery
from wavevid.testing.pytest_plugin import MakeFakeWaveSpeed

MODEL = "wavespeed-ai/hunyuan-video-1.5/text-to-video"
TICK = 0.02
pytestmark = pytest.mark.wavevid_fake(processing_seconds=TICK)
PAYLOAD_KEYS = ["id", "model", "input", "outputs", "urls", "has_nsfw_contents", "status",
                "created_at", "error", "timings"]  # fmt: skip
QUIET = 0.1
"""How long a test waits to be sure that something does NOT happen."""



class Receiver:
    """A webhook endpoint on 127.0.0.1: keeps each POST's raw body and headers; answers the
    planned statuses in turn (a 3xx with a Location), then 200. While ``hold`` is set, answers
    wait for ``release``."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: queue.Queue[tuple[bytes, email.message.Message]] = queue.Queue()
        self.hold = threading.Event()
        self.held = threading.Event()
        self.release = threading.Event()
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.put((body, self.headers))
                if receiver.hold.is_set():
                    receiver.held.set()
                    receiver.release.wait(5)
                with lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url + "/moved")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()

    def get(self, timeout: float = 3.0) -> tuple[bytes, email.message.Message]:
        return self.received.get(timeout=timeout)

    def payload(self) -> Any:
        return json.loads(self.get()[0])

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def submit(fake: FakeWaveSpeed, webhook: str | None, **body: Any) -> str:
    response = requests.post(
        f"{fake.url}/api/v3/{MODEL}",
        params={} if webhook is None else {"webhook": webhook},
        json={"prompt": "a red fox", **body},
        headers={"Authorization": f"Bearer {fake.api_key}"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    job_id: str = response.json()["data"]["id"]
    return job_id


def assert_no_more(fake: FakeWaveSpeed, count: int) -> None:
    """No attempt beyond ``count`` is recorded within QUIET seconds."""
    with pytest.raises(TimeoutError):
        fake.wait_for_webhooks(count + 1, timeout=QUIET)


def test_a_job_is_delivered_when_it_ends_even_unpolled(
    fake: FakeWaveSpeed, receiver: Receiver
) -> None:
    job_id = submit(fake, receiver.url)
    body, headers = receiver.get()
    [delivery] = fake.wait_for_webhooks(1)
    assert isinstance(delivery, WebhookDelivery)
    assert (delivery.url, delivery.job_id, delivery.attempt) == (receiver.url, job_id, 1)
    assert (delivery.status, delivery.error, delivery.ok) == (200, None, True)
    assert delivery.body == body
    assert delivery.payload == json.loads(body)
    assert delivery.headers["webhook-id"] == headers["webhook-id"] == delivery.webhook_id
    assert headers["Content-Type"] == "application/json"
    assert not [r for r in fake.requests if r.path.startswith("/api/v3/predictions")]
    end = fake.jobs[job_id].terminal_at()
    assert end is not None
    assert delivery.at >= end


def test_the_signature_follows_the_documented_scheme(
    fake: FakeWaveSpeed, receiver: Receiver
) -> None:
    submit(fake, receiver.url)
    body, headers = receiver.get()
    key = fake.webhook_secret.removeprefix("whsec_").encode()  # raw bytes, not base64-decoded
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = hmac.new(key, signed, hashlib.sha256).hexdigest()
    assert headers["webhook-signature"] == f"v3,{expected}"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5


def test_a_completed_payload_is_the_prediction_without_an_envelope(
    fake: FakeWaveSpeed, receiver: Receiver
) -> None:
    job_id = submit(fake, receiver.url, duration=5)
    payload = receiver.payload()
    assert list(payload) == PAYLOAD_KEYS
    assert payload["id"] == job_id
    assert payload["model"] == MODEL
    assert payload["input"] == {"prompt": "a red fox", "duration": 5}
    assert payload["outputs"] == [f"{fake.url}/outputs/{job_id}.mp4"]
    assert payload["urls"] == {"get": f"{fake.url}/api/v3/predictions/{job_id}/result"}
    assert (payload["status"], payload["error"], payload["has_nsfw_contents"]) == (
        "completed",
        "",
        [False],
    )
    assert payload["timings"] == {"inference": round(TICK * 1000)}
    assert requests.get(payload["outputs"][0], timeout=5).content == fake.video_for(job_id)


def test_a_failed_payload_has_the_error_and_no_outputs(
    fake: FakeWaveSpeed, receiver: Receiver
) -> None:
    fake.script_jobs(JobScript("failed", error="NSFW content detected"))
    submit(fake, receiver.url)
    payload = receiver.payload()
    assert list(payload) == [key for key in PAYLOAD_KEYS if key != "outputs"]
    assert (payload["status"], payload["error"]) == ("failed", "NSFW content detected")


@pytest.mark.parametrize("outcome", ["cancelled", "timeout", "deleted"])
def test_only_completed_and_failed_jobs_are_delivered_by_default(
    fake: FakeWaveSpeed, receiver: Receiver, outcome: Any
) -> None:
    fake.script_jobs(JobScript(outcome, processing_seconds=0, times=1))
    other = submit(fake, receiver.url)
    completed = submit(fake, receiver.url)  # ends after the other one
    assert receiver.payload()["id"] == completed
    assert [d.job_id for d in fake.wait_for_webhooks(1)] == [completed]
    assert fake.jobs[other].status == outcome


@pytest.mark.parametrize(
    ("options", "outcome"),
    [
        ({"webhook_statuses": {"completed", "cancelled"}}, "cancelled"),
        ({"strict": False}, "timeout"),
        ({"strict": False}, "deleted"),
    ],
)
def test_webhook_statuses_asks_for_more(
    make_fake_wavespeed: MakeFakeWaveSpeed, receiver: Receiver,
    options: dict[str, Any], outcome: Any
) -> None:
    fake = make_fake_wavespeed(**options)
    fake.script_jobs(JobScript(outcome))
    submit(fake, receiver.url)
    assert receiver.payload()["status"] == outcome


def test_jobs_without_a_webhook_start_no_delivery_threads(fake: FakeWaveSpeed) -> None:
    submit(fake, None)
    assert not [t for t in threading.enumerate() if t.name.startswith("FakeWaveSpeed webhooks")]
    assert fake.webhook_deliveries == []


def test_a_never_job_is_delivered_once_finished(
    fake: FakeWaveSpeed, receiver: Receiver
) -> None:
    fake.script_jobs(JobScript("never", times=1))
    job_id = submit(fake, receiver.url)
    assert receiver.received.empty()
    fake.finish(job_id)
    fake.finish(job_id)  # already terminal: nothing more
    assert receiver.payload()["id"] == job_id
    later = submit(fake, receiver.url)
    assert receiver.payload()["id"] == later
    assert [d.job_id for d in fake.wait_for_webhooks(2)] == [job_id, later]


def test_finish_delivers_a_slow_job_now_and_only_once(
    fake: FakeWaveSpeed, receiver: Receiver
) -> None:
    fake.script_jobs(JobScript(processing_seconds=0.05, times=1))
    job_id = submit(fake, receiver.url)
    fake.finish(job_id)
    assert receiver.payload()["id"] == job_id
    assert_no_more(fake, 1)  # the job's original end passes meanwhile


def test_a_job_that_waited_for_a_slot_is_delivered_when_it_ends(
    make_fake_wavespeed: MakeFakeWaveSpeed, receiver: Receiver
) -> None:
    fake = make_fake_wavespeed(max_concurrency=1)
    fake.script_jobs(JobScript("never", times=1))
    running = submit(fake, None)
    waiting = submit(fake, receiver.url)  # no end is known while the slot is taken
    assert fake.jobs[waiting].terminal_at() is None
    fake.finish(running)
    assert receiver.payload()["id"] == waiting


def test_retries_back_off_keep_the_id_and_stop_at_the_limit(
    make_fake_wavespeed: MakeFakeWaveSpeed, receiver: Receiver
) -> None:
    fake = make_fake_wavespeed(webhook_attempts=3, webhook_retry_seconds=0.01)
    receiver.statuses = [500, 302, 503, 200]
    job_id = submit(fake, receiver.url)
    attempts = fake.wait_for_webhooks(3)
    assert [(d.attempt, d.status, d.ok) for d in attempts] == [
        (1, 500, False),
        (2, 302, False),  # redirects are not followed
        (3, 503, False),
    ]
    assert {d.job_id for d in attempts} == {job_id}
    assert len({d.webhook_id for d in attempts}) == 1
    assert attempts[1].at - attempts[0].at >= 0.01
    assert attempts[2].at - attempts[1].at >= 0.02
    assert_no_more(fake, 3)
    assert receiver.received.qsize() == 3


def test_connection_failures_are_recorded_and_retried(
    make_fake_wavespeed: MakeFakeWaveSpeed
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake = make_fake_wavespeed(webhook_attempts=2, webhook_retry_seconds=0.01)
    submit(fake, f"http://127.0.0.1:{port}/hook")
    attempts = fake.wait_for_webhooks(2)
    assert [(d.attempt, d.status) for d in attempts] == [(1, None), (2, None)]
    assert all(d.error and "refused" in d.error.lower() for d in attempts)


def test_other_hosts_are_never_contacted(make_fake_wavespeed: MakeFakeWaveSpeed) -> None:
    fake = make_fake_wavespeed(webhook_retry_seconds=0.01)
    submit(fake, "https://example.com/hook?token=abc")
    [attempt] = fake.wait_for_webhooks(1)
    assert attempt.status is None
    assert attempt.error is not None
    assert attempt.error.startswith("not sent")
    assert_no_more(fake, 1)


def test_duplicates_are_separate_deliveries_of_the_same_job(
    make_fake_wavespeed: MakeFakeWaveSpeed, receiver: Receiver
) -> None:
    fake = make_fake_wavespeed(webhook_retry_seconds=0.01)
    fake.webhook_duplicates = 2
    job_id = submit(fake, receiver.url)
    copies = [receiver.get() for _ in range(3)]
    assert {json.loads(body)["id"] for body, _ in copies} == {job_id}
    assert len({headers["webhook-id"] for _, headers in copies}) == 3
    assert len({body for body, _ in copies}) == 1
    assert [d.attempt for d in fake.wait_for_webhooks(3)] == [1, 1, 1]


def test_a_delay_makes_the_delivery_late(fake: FakeWaveSpeed, receiver: Receiver) -> None:
    fake.webhook_delay = 0.05
    job_id = submit(fake, receiver.url)
    [delivery] = fake.wait_for_webhooks(1)
    end = fake.jobs[job_id].terminal_at()
    assert end is not None
    assert delivery.at - end >= 0.05


def test_dropped_deliveries_are_neither_sent_nor_recorded(
    fake: FakeWaveSpeed, receiver: Receiver
) -> None:
    fake.webhook_drop = True
    assert fake.webhook_drop
    submit(fake, receiver.url)
    assert_no_more(fake, 0)
    assert receiver.received.empty()


def test_stop_is_prompt_with_a_hung_receiver_and_cancels_retries(
    make_fake_wavespeed: MakeFakeWaveSpeed, receiver: Receiver
) -> None:
    fake = make_fake_wavespeed(webhook_retry_seconds=0.01)
    receiver.hold.set()
    receiver.statuses = [500]
    submit(fake, receiver.url)
    assert receiver.held.wait(3)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 1.5
    receiver.release.set()
    assert receiver.received.qsize() == 1
    assert len(fake.webhook_deliveries) <= 1


def test_reset_forgets_deliveries(fake: FakeWaveSpeed, receiver: Receiver) -> None:
    submit(fake, receiver.url)
    fake.wait_for_webhooks(1)
    fake.reset()
    assert fake.webhook_deliveries == []


@pytest.mark.parametrize(
    "options",
    [
        {"webhook_attempts": 0},
        {"webhook_retry_seconds": -1},
        {"webhook_timeout": 0},
        {"webhook_statuses": {"processing"}},
    ],
)
def test_meaningless_webhook_options_are_rejected(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="webhook_"):
        FakeWaveSpeed(**options)
