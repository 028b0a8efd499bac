"""FakeWaveSpeed over real HTTP, with ``requests`` as the client."""

from __future__ import annotations

import dataclasses
import http.client
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from wavevid.testing import FakeWaveSpeed, Fault, JobScript
from wavevid.testing.pytest_plugin import MakeFakeWaveSpeed

MODEL = "wavespeed-ai/hunyuan-video-1.5/text-to-video"
TICK = 0.05
pytestmark = pytest.mark.wavevid_fake(processing_seconds=TICK)
TERMINAL = {"completed", "failed", "cancelled", "timeout"}
RANDOM_VIDEO = os.urandom(512 * 1024)

Json = dict[str, Any]



def submit(
    fake: FakeWaveSpeed,
    api: requests.Session,
    body: object = None,
    *,
    model: str = MODEL,
    **options: Any,
) -> requests.Response:
    body = {"prompt": "a red fox in snow"} if body is None else body
    return api.post(f"{fake.url}/api/v3/{model}", json=body, **{"timeout": 5, **options})


def submitted_id(fake: FakeWaveSpeed, api: requests.Session, body: object = None) -> str:
    response = submit(fake, api, body)
    assert response.status_code == 200, response.text
    job_id: str = response.json()["data"]["id"]
    return job_id


def poll(fake: FakeWaveSpeed, api: requests.Session, job_id: str) -> requests.Response:
    return api.get(f"{fake.url}/api/v3/predictions/{job_id}/result", timeout=5)


def wait_terminal(fake: FakeWaveSpeed, api: requests.Session, job_id: str) -> list[Json]:
    """Poll every few milliseconds (for at most 3 s); return every result seen, the last one
    terminal."""
    deadline = time.monotonic() + 3
    seen: list[Json] = []
    while not seen or seen[-1]["status"] not in TERMINAL:
        assert time.monotonic() < deadline, f"job {job_id} did not end: {seen[-1:]}"
        if seen:
            time.sleep(0.005)
        seen.append(poll(fake, api, job_id).json()["data"])
    return seen


def run_job(fake: FakeWaveSpeed, api: requests.Session, body: object = None) -> Json:
    return wait_terminal(fake, api, submitted_id(fake, api, body))[-1]


def read_short_body(url: str) -> tuple[int, bytes]:
    """GET ``url`` with http.client, which keeps every byte of a body cut short (urllib3 drops
    its last partial read); return the announced Content-Length and the bytes received."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=5)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        return int(response.headers["Content-Length"]), cut.value.partial
    finally:
        connection.close()


def assert_error(response: requests.Response, status: int) -> str:
    """Check the published error shape; return the detail (``data.error``)."""
    assert response.status_code == status
    body = response.json()
    assert (body["code"], body["message"]) == (status, HTTPStatus(status).phrase)
    assert set(body["data"]) == {"error"}
    assert response.headers["X-Request-Id"]
    detail: str = body["data"]["error"]
    assert detail
    return detail


# Lifecycle, auth, routing


def test_job_goes_created_then_processing_then_completed(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(queue_seconds=0.1, processing_seconds=0.1)
    envelope = submit(fake, api).json()
    data = envelope["data"]
    assert (envelope["code"], envelope["message"]) == (200, "success")
    assert re.fullmatch("[0-9a-f]{32}", data["id"])
    assert (data["status"], data["outputs"], data["model"]) == ("created", [], MODEL)
    assert data["urls"]["get"] == f"{fake.url}/api/v3/predictions/{data['id']}/result"
    assert data["created_at"].endswith("Z")

    seen = wait_terminal(fake, api, data["id"])
    statuses = [result["status"] for result in seen]
    assert sorted(set(statuses), key=statuses.index) == ["created", "processing", "completed"]
    done = seen[-1]
    assert done["outputs"] == [f"{fake.url}/outputs/{data['id']}.mp4"]
    assert done["has_nsfw_contents"] == [False]
    assert done["executionTime"] == done["timings"]["inference"] == 100
    job = fake.jobs[data["id"]]
    assert (job.model, job.input, job.webhook, job.status) == (
        MODEL,
        {"prompt": "a red fox in snow"},
        None,
        "completed",
    )
    assert job.completed_monotonic == pytest.approx(job.created_monotonic + 0.2)
    same = api.get(f"{fake.url}/api/v3/predictions/{data['id']}", timeout=5).json()["data"]
    assert same["status"] == "completed"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", "test-key"])
def test_api_requests_without_the_key_get_401(
    fake: FakeWaveSpeed, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for response in (
        requests.post(
            f"{fake.url}/api/v3/{MODEL}", json={"prompt": "x"}, headers=headers, timeout=5
        ),
        requests.get(f"{fake.url}/api/v3/balance", headers=headers, timeout=5),
    ):
        assert assert_error(response, 401) == "Invalid API key"
    assert fake.jobs == {}


def test_unknown_jobs_and_routes_get_404(fake: FakeWaveSpeed, api: requests.Session) -> None:
    assert_error(poll(fake, api, "0" * 32), 404)
    assert_error(api.get(f"{fake.url}/api/v3/no/such/thing", timeout=5), 404)
    assert_error(api.post(f"{fake.url}/api/v3/predictions/delete", json={}, timeout=5), 404)
    assert_error(api.get(f"{fake.url}/elsewhere", timeout=5), 404)
    assert fake.jobs == {}


@pytest.mark.parametrize("body", [[1, 2], "text"])
def test_a_submit_body_must_be_a_json_object(
    fake: FakeWaveSpeed, api: requests.Session, body: object
) -> None:
    assert_error(submit(fake, api, body), 400)
    assert_error(api.post(f"{fake.url}/api/v3/{MODEL}", data=b"{not json", timeout=5), 400)
    assert fake.jobs == {}


def test_the_webhook_query_is_stored_on_the_job(fake: FakeWaveSpeed, api: requests.Session) -> None:
    response = submit(fake, api, params={"webhook": "https://example.com/hook?a=1"})
    job = fake.jobs[response.json()["data"]["id"]]
    assert job.webhook == "https://example.com/hook?a=1"
    assert fake.requests[-1].query == {"webhook": "https://example.com/hook?a=1"}
    assert fake.requests[-1].job_id == job.id


# Faults


@pytest.mark.parametrize(("retry_after", "header"), [(2, "2"), (0.5, "0.5")])
def test_a_status_fault_answers_an_error_and_creates_no_job(
    fake: FakeWaveSpeed, api: requests.Session, retry_after: float, header: str
) -> None:
    fault = fake.add_fault(Fault("submit", status=429, retry_after=retry_after))
    response = submit(fake, api)
    assert_error(response, 429)
    assert response.headers["Retry-After"] == header
    assert response.json()["message"] == "Too Many Requests"
    assert (fake.jobs, fault.hits) == ({}, 1)
    assert submit(fake, api).status_code == 200


def test_faults_are_consumed_in_order_up_to_their_times(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    job_id = submitted_id(fake, api)
    first = fake.add_fault(Fault("poll", status=503, times=2))
    second = fake.add_fault(Fault("poll", status=500))
    codes = [poll(fake, api, job_id).status_code for _ in range(4)]
    assert codes == [503, 503, 500, 200]
    assert (first.hits, second.hits) == (2, 1)


def test_a_fault_without_times_affects_every_match(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    fake.add_fault(Fault("any", status=502, times=None))
    balance = f"{fake.url}/api/v3/balance"
    assert [api.get(balance, timeout=5).status_code for _ in range(3)] == [502] * 3


def test_rejected_keys_do_not_consume_faults(fake: FakeWaveSpeed, api: requests.Session) -> None:
    fault = fake.add_fault(Fault("any", status=503))
    assert requests.get(f"{fake.url}/api/v3/balance", timeout=5).status_code == 401
    assert fault.hits == 0
    assert api.get(f"{fake.url}/api/v3/balance", timeout=5).status_code == 503


def test_a_dropped_submit_has_created_its_job(fake: FakeWaveSpeed, api: requests.Session) -> None:
    fake.add_fault(Fault("submit", drop=True))
    with pytest.raises(requests.ConnectionError):
        submit(fake, api)
    (job_id,) = fake.jobs
    assert fake.requests[-1].job_id == job_id
    assert submit(fake, api).status_code == 200


def test_a_delayed_submit_times_the_client_out_with_the_job_created(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    fake.add_fault(Fault("submit", delay=0.3))
    with pytest.raises(requests.ReadTimeout):
        submit(fake, api, timeout=0.1)
    (job_id,) = fake.jobs
    assert fake.requests[-1].job_id == job_id


def test_trickle_sends_headers_at_once_and_the_body_slowly(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(video_bytes=bytes(range(256)) * 16)
    done = run_job(fake, api)
    fake.add_fault(Fault("download", trickle=0.03))
    started = time.monotonic()
    response = requests.get(done["outputs"][0], timeout=(1, 0.1))
    assert response.content == fake.video_bytes
    assert time.monotonic() - started >= 4 * 0.03

    fake.add_fault(Fault("poll", status=503, trickle=0.001))
    started = time.monotonic()
    response = poll(fake, api, done["id"])
    assert response.json()["code"] == 503
    assert time.monotonic() - started >= len(response.content) * 0.001


@pytest.mark.parametrize(
    ("fault", "received"),
    [
        (Fault("download", cut_after=1000), 1000),
        (Fault("download", short_by=100), len(RANDOM_VIDEO) - 100),
    ],
)
def test_a_download_can_end_before_its_content_length(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session, fault: Fault, received: int
) -> None:
    fake = make_fake_wavespeed(video_bytes=RANDOM_VIDEO)
    done = run_job(fake, api)
    fake.add_fault(fault)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(done["outputs"][0], timeout=5)
    fake.add_fault(dataclasses.replace(fault))
    assert read_short_body(done["outputs"][0]) == (len(RANDOM_VIDEO), RANDOM_VIDEO[:received])


def test_when_matches_a_subset_of_the_submit_body(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    fault = fake.add_fault(Fault("submit", status=400, when={"prompt": "boom"}))
    assert submit(fake, api, {"prompt": "fine"}).status_code == 200
    assert submit(fake, api, {"prompt": "boom", "seed": 3}).status_code == 400
    assert fault.hits == 1


def test_poll_faults_match_the_submitted_body_or_the_job_id(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    first = submitted_id(fake, api, {"prompt": "a", "seed": 1, "duration": 8})
    second = submitted_id(fake, api, {"prompt": "b", "seed": 1})
    fake.add_fault(Fault("poll", status=500, when={"seed": 1, "duration": 8}))
    fake.add_fault(Fault("poll", status=502, job_id=second))
    assert poll(fake, api, second).status_code == 502
    assert poll(fake, api, first).status_code == 500
    assert poll(fake, api, first).status_code == 200


def test_a_fault_on_any_target_can_drop_a_poll(fake: FakeWaveSpeed, api: requests.Session) -> None:
    job_id = submitted_id(fake, api)
    fake.add_fault(Fault("any", drop=True, job_id=job_id))
    with pytest.raises(requests.ConnectionError):
        poll(fake, api, job_id)
    assert poll(fake, api, job_id).status_code == 200


@pytest.mark.parametrize(
    "fault",
    [
        lambda: Fault("nowhere"),  # type: ignore[arg-type]
        lambda: Fault("poll", times=0),
        lambda: Fault("submit", drop=True, status=500),
        lambda: Fault("download", cut_after=1, short_by=1),
        lambda: Fault("poll", status=200),
        lambda: Fault("poll", delay=-1),
        lambda: JobScript("maybe"),  # type: ignore[arg-type]
        lambda: JobScript(times=0),
    ],
)
def test_meaningless_rules_are_rejected(fault: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=r"must|exclude"):
        fault()


# Job scripts


@pytest.mark.parametrize(
    ("script", "code", "error"),
    [
        (
            JobScript("failed", code=1402, error="Failed to download image"),
            1402,
            "Failed to download image",
        ),
        (JobScript("cancelled"), 1405, "The task was cancelled."),
        (JobScript("timeout", code=5003, error="Service unavailable"), 5003, "Service unavailable"),
    ],
)
def test_scripted_failures_end_with_a_code_and_an_error(
    fake: FakeWaveSpeed, api: requests.Session, script: JobScript, code: int, error: str
) -> None:
    fake.script_jobs(script)
    done = run_job(fake, api)
    assert (done["status"], done["code"], done["error"]) == (script.outcome, code, error)
    assert done["outputs"] == []
    assert requests.get(f"{fake.url}/outputs/{done['id']}.mp4", timeout=5).status_code == 404


def test_scripts_match_by_body_and_apply_their_times_and_overrides(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    failing = fake.script_jobs(JobScript("failed", when={"prompt": "bad"}, times=1))
    custom = fake.script_jobs(
        JobScript(outputs=["https://cdn.example/v.mp4"], processing_seconds=0)
    )
    assert run_job(fake, api, {"prompt": "bad"})["status"] == "failed"
    done = run_job(fake, api, {"prompt": "bad"})
    assert (done["status"], done["outputs"], done["executionTime"]) == (
        "completed",
        ["https://cdn.example/v.mp4"],
        0,
    )
    assert (failing.hits, custom.hits) == (1, 1)


def test_a_never_job_runs_until_finished(fake: FakeWaveSpeed, api: requests.Session) -> None:
    fake.script_jobs(JobScript("never"))
    job_id = submitted_id(fake, api)
    time.sleep(2 * TICK)
    assert poll(fake, api, job_id).json()["data"]["status"] == "processing"
    assert fake.jobs[job_id].completed_monotonic is None

    fake.finish(job_id)
    ended = fake.jobs[job_id].completed_monotonic
    assert poll(fake, api, job_id).json()["data"]["status"] == "completed"
    assert requests.get(f"{fake.url}/outputs/{job_id}.mp4", timeout=5).status_code == 200
    fake.finish(job_id)
    assert fake.jobs[job_id].completed_monotonic == ended
    with pytest.raises(KeyError):
        fake.finish("f" * 32)


# Downloads


def test_the_default_video_is_the_small_sample_mp4_tagged_with_the_job(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    done = run_job(fake, api)
    response = requests.get(done["outputs"][0], timeout=5)
    assert response.content == fake.video_for(done["id"])
    assert response.content.startswith(fake.video_bytes)
    assert response.content[4:8] == b"ftyp"
    assert len(response.content) < 100_000
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert not fake.requests[-1].had_authorization


@pytest.mark.parametrize(
    ("header", "expected", "content_range"),
    [
        ("bytes=1000-", slice(1000, None), "bytes 1000-524287/524288"),
        ("bytes=10-19", slice(10, 20), "bytes 10-19/524288"),
        ("bytes=524000-999999", slice(524000, None), "bytes 524000-524287/524288"),
        ("bytes=-100", slice(-100, None), "bytes 524188-524287/524288"),
    ],
)
def test_ranges_are_answered_with_206(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session,
    header: str, expected: slice, content_range: str
) -> None:
    fake = make_fake_wavespeed(video_bytes=RANDOM_VIDEO)
    response = requests.get(run_job(fake, api)["outputs"][0], headers={"Range": header}, timeout=5)
    assert response.status_code == 206
    assert response.content == RANDOM_VIDEO[expected]
    assert response.headers["Content-Range"] == content_range


def test_unsatisfiable_ranges_and_unfinished_jobs(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(video_bytes=RANDOM_VIDEO)
    url = run_job(fake, api)["outputs"][0]
    response = requests.get(url, headers={"Range": f"bytes={len(RANDOM_VIDEO)}-"}, timeout=5)
    assert_error(response, 416)
    assert response.headers["Content-Range"] == f"bytes */{len(RANDOM_VIDEO)}"
    fake.script_jobs(JobScript("never"))
    running = submitted_id(fake, api)
    assert_error(requests.get(f"{fake.url}/outputs/{running}.mp4", timeout=5), 404)
    assert_error(requests.get(f"{fake.url}/outputs/{'0' * 32}.mp4", timeout=5), 404)


# Uploads


def test_the_ticket_upload_flow(fake: FakeWaveSpeed, api: requests.Session) -> None:
    payload = b"\x00\x01video" * 100
    announce = {"filename": "clip one.mp4", "size": len(payload), "content_type": "video/mp4"}
    ticket = api.post(f"{fake.url}/api/v3/media/uploads", json=announce, timeout=5).json()["data"]
    assert (ticket["type"], ticket["filename"], ticket["size"]) == (
        "video",
        "clip one.mp4",
        len(payload),
    )
    upload = ticket["upload"]
    assert upload["method"] == "PUT"
    assert upload["url"].startswith(f"{fake.url}/upload/")
    assert upload["headers"] == {"Content-Type": "video/mp4"}

    put = upload["url"]
    keyed = {**upload["headers"], "Authorization": "Bearer test-key"}
    assert_error(requests.put(put, data=payload, headers=keyed, timeout=5), 400)
    assert_error(requests.put(put, data=payload[1:], headers=upload["headers"], timeout=5), 400)
    assert_error(
        requests.put(put, data=payload, headers={"Content-Type": "image/png"}, timeout=5), 400
    )
    assert_error(requests.get(ticket["download_url"], timeout=5), 404)

    assert requests.put(put, data=payload, headers=upload["headers"], timeout=5).status_code == 200
    assert requests.get(ticket["download_url"], timeout=5).content == payload
    chunked = iter([payload[:7], payload[7:]])
    assert requests.put(put, data=chunked, headers=upload["headers"], timeout=5).status_code == 200
    assert fake.requests[-1].header("transfer-encoding") == "chunked"
    assert fake.requests[-1].body == payload


def test_upload_faults_hit_the_ticket_and_the_put(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    announce = {"filename": "face.png", "size": 3}
    fake.add_fault(Fault("upload", status=503))
    assert_error(api.post(f"{fake.url}/api/v3/media/uploads", json=announce, timeout=5), 503)
    ticket = api.post(f"{fake.url}/api/v3/media/uploads", json=announce, timeout=5).json()["data"]
    fake.add_fault(Fault("upload", drop=True))
    with pytest.raises(requests.ConnectionError):
        requests.put(
            ticket["upload"]["url"], data=b"abc", headers=ticket["upload"]["headers"], timeout=5
        )
    # Like a submit, the PUT took effect before its connection was dropped.
    assert requests.get(ticket["download_url"], timeout=5).content == b"abc"


@pytest.mark.parametrize(
    ("announce", "kind"),
    [
        ({"filename": "face.png", "size": 3}, "image"),
        ({"filename": "voice.wav", "size": 3}, "audio"),
        ({"filename": "blob", "size": 3, "content_type": "video/webm"}, "video"),
        ({"filename": "notes.txt", "size": 3}, None),
        ({"filename": "face.png"}, None),
        ({"filename": "face.png", "size": -1}, None),
    ],
)
def test_upload_tickets_classify_or_reject_files(
    fake: FakeWaveSpeed, api: requests.Session, announce: Json, kind: str | None
) -> None:
    response = api.post(f"{fake.url}/api/v3/media/uploads", json=announce, timeout=5)
    if kind is None:
        assert_error(response, 400)
    else:
        assert response.json()["data"]["type"] == kind


def test_the_multipart_upload(fake: FakeWaveSpeed, api: requests.Session) -> None:
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)
    url = f"{fake.url}/api/v3/media/upload/binary"
    data = api.post(url, files={"file": ("face.png", png, "image/png")}, timeout=5).json()["data"]
    assert (data["type"], data["filename"], data["size"]) == ("image", "face.png", len(png))
    served = requests.get(data["download_url"], timeout=5)
    assert (served.content, served.headers["Content-Type"]) == (png, "image/png")
    assert_error(api.post(url, files={"other": ("face.png", png)}, timeout=5), 400)


# Account endpoints


def test_balance_and_webhook_secret(fake: FakeWaveSpeed, api: requests.Session) -> None:
    assert api.get(f"{fake.url}/api/v3/balance", timeout=5).json()["data"] == {"balance": 100.0}
    fake.balance = 12.5
    assert api.get(f"{fake.url}/api/v3/balance", timeout=5).json()["data"] == {"balance": 12.5}
    secret = api.get(f"{fake.url}/api/v3/webhook/secret", timeout=5).json()["data"]["secret"]
    assert secret == fake.webhook_secret
    assert secret.startswith("whsec_")


def test_history_pages_and_filters_newest_first(fake: FakeWaveSpeed, api: requests.Session) -> None:
    fake.script_jobs(JobScript("never", when={"prompt": "slow"}))
    oldest = submitted_id(fake, api, {"prompt": "one"})
    middle = submit(fake, api, {"prompt": "slow"}, model="lightricks/ltx-2-retake").json()["data"]
    newest = submitted_id(fake, api, {"prompt": "three"})
    wait_terminal(fake, api, newest)

    def history(**query: Any) -> requests.Response:
        return api.post(f"{fake.url}/api/v3/predictions", json=query, timeout=5)

    def ids(**query: Any) -> list[str]:
        return [
            item["id"] for item in history(page=1, page_size=10, **query).json()["data"]["items"]
        ]

    first = history(page=1, page_size=2).json()["data"]
    assert set(first) == {"page", "items"}  # the newer page: no total
    assert first["page"] == 1
    assert [item["id"] for item in first["items"]] == [newest, middle["id"]]
    assert set(first["items"][1]) == {
        "id", "model", "status", "outputs", "created_at", "has_nsfw_contents"
    }  # fmt: skip
    assert [item["id"] for item in history(page=2, page_size=2).json()["data"]["items"]] == [oldest]
    assert ids(model=MODEL) == [newest, oldest]
    assert ids(status="processing") == [middle["id"]]
    assert ids(created_after=middle["created_at"]) == [newest, middle["id"]]
    assert ids(created_before=fake.jobs[middle["id"]].created_at.isoformat()) == [oldest]
    for bad in ({"page": 0, "page_size": 2}, {"page": 1, "page_size": 101}, {"page": 1}):
        assert_error(history(**bad), 400)
    assert_error(history(page=1, page_size=2, created_after="yesterday"), 400)


# Sync mode


def test_sync_mode_holds_the_answer_until_the_job_ends(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    data = submit(fake, api, {"prompt": "x", "enable_sync_mode": True}).json()["data"]
    assert data["status"] == "completed"
    assert data["outputs"] == [f"{fake.url}/outputs/{data['id']}.mp4"]


def test_sync_mode_is_released_by_finish(fake: FakeWaveSpeed, api: requests.Session) -> None:
    fake.script_jobs(JobScript("never"))

    def finish_when_submitted() -> None:
        deadline = time.monotonic() + 3
        while not fake.jobs and time.monotonic() < deadline:
            time.sleep(0.005)
        fake.finish(next(iter(fake.jobs)))

    finisher = threading.Thread(target=finish_when_submitted)
    finisher.start()
    data = submit(fake, api, {"prompt": "x", "enable_sync_mode": True}).json()["data"]
    finisher.join()
    assert data["status"] == "completed"


def test_sync_mode_times_out_into_processing(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(sync_timeout_seconds=0.1)
    fake.script_jobs(JobScript("never"))
    data = submit(fake, api, {"prompt": "x", "enable_sync_mode": True}).json()["data"]
    assert (data["status"], data["code"]) == ("processing", 5004)
    assert data["error"] == (
        "Sync mode timed out after 0.1 seconds. The prediction is still processing asynchronously."
    )
    assert data["urls"]["get"] == f"{fake.url}/api/v3/predictions/{data['id']}/result"


# Connections and records


def test_idle_timeout_closes_pooled_connections(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(idle_timeout=0.1)
    balance = f"{fake.url}/api/v3/balance"
    api.get(balance, timeout=5)
    api.get(balance, timeout=5)
    time.sleep(0.25)
    api.get(balance, timeout=5)
    first, reused, after_idle = (record.connection_id for record in fake.requests)
    assert first == reused != after_idle
    assert fake.connections_accepted == 2


def test_keep_alive_connections_are_reused_without_idle_timeout(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    balance = f"{fake.url}/api/v3/balance"
    api.get(balance, timeout=5)
    time.sleep(0.1)
    api.get(balance, timeout=5)
    requests.get(balance, timeout=5)
    assert [record.connection_id for record in fake.requests] == [1, 1, 2]
    assert fake.connections_accepted == 2


def test_no_record_holds_the_key(fake: FakeWaveSpeed, api: requests.Session) -> None:
    done = run_job(fake, api)
    requests.get(done["outputs"][0], timeout=5)
    requests.get(
        f"{fake.url}/api/v3/balance", headers={"Authorization": "Bearer other-secret"}, timeout=5
    )
    for record in fake.requests:
        assert "authorization" not in {name.lower() for name in record.headers}
        assert "test-key" not in repr(record)
        assert "other-secret" not in repr(record)
    flags = [record.had_authorization for record in fake.requests]
    assert (flags[0], flags[-2], flags[-1]) == (True, False, True)


def test_reset_forgets_requests_jobs_and_rules(fake: FakeWaveSpeed, api: requests.Session) -> None:
    fake.add_fault(Fault("submit", status=500))
    fake.script_jobs(JobScript("failed"))
    submit(fake, api)
    submitted_id(fake, api)
    fake.reset()
    assert (fake.requests, fake.jobs) == ([], {})
    assert run_job(fake, api)["status"] == "completed"


def test_stop_closes_open_connections(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed()
    api.get(f"{fake.url}/api/v3/balance", timeout=5)
    fake.stop()
    fake.stop()
    with pytest.raises(requests.ConnectionError):
        api.get(f"{fake.url}/api/v3/balance", timeout=5)


def test_start_once_and_url_only_when_started() -> None:
    fake = FakeWaveSpeed()
    with pytest.raises(RuntimeError):
        _ = fake.url
    with fake, pytest.raises(RuntimeError):
        fake.start()


# Packaging contract


def test_the_fake_loads_and_answers_with_only_the_standard_library() -> None:
    """In a new process where every other import is refused, wavevid's own included (see
    stdlib_only.py), every module of the fake loads and each kind of request is answered."""
    script = Path(__file__).with_name("stdlib_only.py")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_running_a_fake_imports_no_http_client_library() -> None:
    code = (
        "import sys\nfrom wavevid.testing import FakeWaveSpeed\n"
        "with FakeWaveSpeed() as fake: pass\n"
        "sys.exit(any(name in sys.modules for name in ('requests', 'urllib3')))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0


def test_importing_wavevid_testing_does_not_import_pytest() -> None:
    code = "import sys, wavevid.testing; sys.exit('pytest' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0
