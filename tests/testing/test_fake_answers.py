"""FakeWaveSpeed's answers that a real gateway, job or bucket gives: submits that create their
job and then fail, the ``deleted`` status, ``If-None-Match`` upload tickets, per-job videos,
and a client bound to the fake."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

import wavevid
from wavevid.testing import FakeWaveSpeed, Fault, JobScript
from wavevid.testing._sample_video import JOB_TAG, sample_video
from wavevid.testing.pytest_plugin import MakeFakeWaveSpeed

MODEL = "lightricks/ltx-2-fast/text-to-video"
TICK = 0.05
pytestmark = pytest.mark.wavevid_fake(processing_seconds=TICK)
HTML = b"<html><body>502 Bad Gateway</body></html>"
NO_ID = b'{"code": 200, "message": "success", "data": {}}'

Json = dict[str, Any]



def submit(fake: FakeWaveSpeed, api: requests.Session, **body: Any) -> requests.Response:
    body = {"prompt": "a fox", **body}
    return api.post(f"{fake.url}/api/v3/{MODEL}", json=body, timeout=5)


def boxes(mp4: bytes) -> list[tuple[bytes, bytes]]:
    """The top-level boxes of an MP4 as (type, payload); asserts they tile the file."""
    found, offset = [], 0
    while offset < len(mp4):
        size = int.from_bytes(mp4[offset : offset + 4], "big")
        assert size >= 8, offset
        found.append((mp4[offset + 4 : offset + 8], mp4[offset + 8 : offset + size]))
        offset += size
    assert offset == len(mp4)
    return found


# Faults that create the job, then answer an error


@pytest.mark.parametrize(
    ("fault", "content_type"),
    [
        (Fault("submit", status=504, create=True), "application/json"),
        (Fault("submit", status=502, body=HTML, create=True), "text/html; charset=utf-8"),
        (Fault("submit", status=200, body=HTML, create=True), "text/html; charset=utf-8"),
        (Fault("submit", status=200, body=NO_ID, create=True), "application/json"),
    ],
)
def test_a_creating_fault_answers_its_error_with_the_job_created(
    fake: FakeWaveSpeed, api: requests.Session, fault: Fault, content_type: str
) -> None:
    fake.add_fault(fault)
    response = submit(fake, api)
    assert (response.status_code, response.headers["Content-Type"]) == (fault.status, content_type)
    if fault.body is not None:
        assert response.content == fault.body
    (job_id,) = fake.jobs
    assert fake.requests[-1].job_id == job_id
    assert fault.hits == 1
    assert fake.jobs[job_id].input == {"prompt": "a fox"}


def test_a_creating_fault_answers_a_sync_submit_at_once(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    fake.script_jobs(JobScript("never"))
    fake.add_fault(Fault("submit", status=503, create=True))
    started = time.monotonic()
    assert submit(fake, api, enable_sync_mode=True).status_code == 503
    assert time.monotonic() - started < 1  # the job runs on; the gateway gave up
    (job,) = fake.jobs.values()
    assert job.status == "processing"


@pytest.mark.parametrize(
    "fault",
    [Fault("submit", status=500), Fault("submit", status=403, body=b"<html>WAF</html>")],
)
def test_a_status_fault_creates_no_job_by_default(
    fake: FakeWaveSpeed, api: requests.Session, fault: Fault
) -> None:
    fake.add_fault(fault)
    assert submit(fake, api).status_code == fault.status
    assert fake.jobs == {}


def test_a_creating_fault_on_an_unknown_model_creates_nothing(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    fault = fake.add_fault(Fault("submit", status=504, create=True))
    response = api.post(f"{fake.url}/api/v3/vendor/unknown", json={"prompt": "x"}, timeout=5)
    assert response.status_code == 404
    assert (fake.jobs, fault.hits) == ({}, 1)


@pytest.mark.parametrize(
    "fault",
    [
        lambda: Fault("poll", status=504, create=True),
        lambda: Fault("submit", create=True),
        lambda: Fault("submit", drop=True, create=True),
        lambda: Fault("submit", body=HTML),
        lambda: Fault("submit", status=200),
        lambda: Fault("submit", status=201, body=HTML),
    ],
)
def test_meaningless_fault_combinations_are_rejected(fault: Callable[[], Fault]) -> None:
    with pytest.raises(ValueError, match="must"):
        fault()


# Job statuses


def test_a_deleted_job_ends_with_status_deleted(fake: FakeWaveSpeed, api: requests.Session) -> None:
    fake.script_jobs(JobScript("deleted"))
    job_id = submit(fake, api).json()["data"]["id"]
    time.sleep(2 * TICK)
    data = api.get(f"{fake.url}/api/v3/predictions/{job_id}/result", timeout=5).json()["data"]
    assert (data["status"], data["outputs"], data["error"]) == (
        "deleted", [], "The task was deleted.")  # fmt: skip
    assert requests.get(f"{fake.url}/outputs/{job_id}.mp4", timeout=5).status_code == 404


# Upload tickets


def test_if_none_match_tickets(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(upload_headers="if-none-match")
    announce = {"filename": "face.png", "size": 3, "content_type": "image/png"}
    ticket = api.post(f"{fake.url}/api/v3/media/uploads", json=announce, timeout=5).json()["data"]
    put, headers = ticket["upload"]["url"], ticket["upload"]["headers"]
    assert headers == {"If-None-Match": "*"}
    assert requests.put(put, data=b"abc", timeout=5).status_code == 400  # the header is signed
    assert requests.put(put, data=b"abc", headers=headers, timeout=5).status_code == 200
    assert fake.requests[-1].header("Content-Type") is None
    served = requests.get(ticket["download_url"], timeout=5)
    assert (served.content, served.headers["Content-Type"]) == (b"abc", "image/png")
    again = requests.put(put, data=b"xyz", headers=headers, timeout=5)
    assert again.status_code == 412
    assert requests.get(ticket["download_url"], timeout=5).content == b"abc"


def test_the_client_uploads_through_if_none_match_tickets(
    make_fake_wavespeed: MakeFakeWaveSpeed, tmp_path: Path
) -> None:
    fake = make_fake_wavespeed(upload_headers="if-none-match")
    image = tmp_path / "frame.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with fake.client() as client:
        url = client.upload(image)
    assert requests.get(url, timeout=5).content == image.read_bytes()
    assert fake.requests[-2].header("If-None-Match") == "*"


def test_content_type_tickets_honour_if_none_match_too(
    fake: FakeWaveSpeed, api: requests.Session
) -> None:
    announce = {"filename": "face.png", "size": 3}
    ticket = api.post(f"{fake.url}/api/v3/media/uploads", json=announce, timeout=5).json()["data"]
    headers = {**ticket["upload"]["headers"], "If-None-Match": "*"}
    put = ticket["upload"]["url"]
    assert [requests.put(put, data=b"abc", headers=headers, timeout=5).status_code
            for _ in range(2)] == [200, 412]  # fmt: skip


# Videos


def test_each_job_serves_its_own_valid_mp4(fake: FakeWaveSpeed, api: requests.Session) -> None:
    first, second = (submit(fake, api).json()["data"]["id"] for _ in range(2))
    time.sleep(2 * TICK)
    ids = (first, second)
    videos = [requests.get(f"{fake.url}/outputs/{i}.mp4", timeout=5).content for i in ids]
    assert videos == [fake.video_for(first), fake.video_for(second)]
    assert videos[0] != videos[1]
    assert fake.video_bytes == sample_video()
    for job_id, video in zip(ids, videos, strict=True):
        found = boxes(video)
        assert found[0][0] == b"ftyp"
        assert found[-1] == (b"free", JOB_TAG + job_id.encode())
        assert video.startswith(sample_video())


def test_given_video_bytes_are_served_exactly(
    make_fake_wavespeed: MakeFakeWaveSpeed, api: requests.Session
) -> None:
    fake = make_fake_wavespeed(video_bytes=b"not a video")
    job_id = submit(fake, api).json()["data"]["id"]
    time.sleep(2 * TICK)
    assert requests.get(f"{fake.url}/outputs/{job_id}.mp4", timeout=5).content == b"not a video"
    assert fake.video_for(job_id) == fake.video_bytes == b"not a video"


# A client bound to the fake


def test_the_fakes_client_is_bound_to_it_and_takes_options(fake: FakeWaveSpeed) -> None:
    with fake.client() as client:
        result = client.generate(MODEL, prompt="a bound fox")
        assert result.read() == fake.video_for(result.job_id)
        assert repr(client) == f"<wavevid.Client {fake.url}>"
    with fake.client(api_key="another-key") as stranger, pytest.raises(
        wavevid.AuthenticationError
    ):
        stranger.balance()
