"""Downloads over real HTTP against FakeWaveSpeed: byte-exact results, Range resumes, length
checks, HTTP errors, deadlines, progress, and nothing partial ever left behind."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

from wavevid import _transfer, errors
from wavevid._deadline import Deadline
from wavevid._download import check_writable, download_to_bytes, download_to_path
from wavevid._payload import fingerprint
from wavevid._retry import RetryPolicy
from wavevid._transport import Transport
from wavevid.testing import FakeWaveSpeed, Fault, RequestRecord

MODEL = "lightricks/ltx-2-fast/text-to-video"
VIDEO = os.urandom(512 * 1024)
SIZE = len(VIDEO)
#: Small enough that the 512 KiB video always takes several reads.
CHUNK = 64 * 1024
OLD = b"the previous video, which must survive a failed download"
SECRET = "X-Amz-Signature=topsecret"
pytestmark = pytest.mark.wavevid_fake(video_bytes=VIDEO)


@pytest.fixture
def transport(fake: FakeWaveSpeed) -> Iterator[Transport]:
    made = Transport(
        api_key=fake.api_key,
        base_url=fake.url,
        request_timeout=5.0,
        policy=RetryPolicy(backoff_base=0.01, random=lambda: 0.0),
    )
    yield made
    made.close()


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_transfer, "DOWNLOAD_CHUNK_BYTES", CHUNK)


@pytest.fixture
def url(fake: FakeWaveSpeed, transport: Transport) -> str:
    """The output URL of a completed job."""
    data = transport.submit(
        MODEL, {"prompt": "x"}, deadline=Deadline(10), fingerprint=fingerprint({"prompt": "x"})
    )
    fake.finish(data["id"])
    return f"{fake.url}/outputs/{data['id']}.mp4"


class Progress(list[tuple[int, "int | None"]]):
    def __call__(self, received: int, total: int | None) -> None:
        self.append((received, total))


class RewritingRange(Transport):
    """A transport whose resumes reach the server altered: without their Range header (as
    through a server that ignores ranges) or asking from another byte."""

    shift: int | None = None  # None: drop the Range header

    def open_stream(
        self, url: str, *, deadline: Deadline, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        sent = dict(headers or {})
        asked = sent.pop("Range", None)
        if asked is not None and self.shift is not None:
            start = int(asked.removeprefix("bytes=").rstrip("-"))
            sent["Range"] = f"bytes={start + self.shift}-"
        return super().open_stream(url, deadline=deadline, headers=sent)


class RewritingLength(Transport):
    """A transport that hides the answers' Content-Length, or announces ``length`` instead."""

    length: int | None = None

    def open_stream(
        self, url: str, *, deadline: Deadline, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        response = super().open_stream(url, deadline=deadline, headers=headers)
        del response.headers["Content-Length"]
        if self.length is not None:
            response.headers["Content-Length"] = str(self.length)
        return response


def rewriting(cls: type[Transport], fake: FakeWaveSpeed) -> Any:
    return cls(api_key=None, base_url=fake.url, request_timeout=5.0, policy=RetryPolicy())


def downloads(fake: FakeWaveSpeed) -> list[RequestRecord]:
    return [r for r in fake.requests if r.path.startswith("/outputs/")]


def ranges(fake: FakeWaveSpeed) -> list[str | None]:
    return [r.header("Range") for r in downloads(fake)]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- complete downloads ------------------------------------------------------------------------


def test_downloads_to_a_path_byte_exact_without_authorization(
    fake: FakeWaveSpeed, transport: Transport, url: str, tmp_path: Path
) -> None:
    saved = download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5))
    assert saved == (tmp_path / "out.mp4").resolve()
    assert saved.read_bytes() == VIDEO
    assert leftovers(tmp_path) == ["out.mp4"]
    [request] = downloads(fake)
    assert not request.had_authorization
    assert request.header("Range") is None
    assert request.header("Accept-Encoding") == "identity"


def test_downloads_to_bytes_byte_exact_without_authorization(
    fake: FakeWaveSpeed, transport: Transport, url: str
) -> None:
    assert download_to_bytes(transport, url, deadline=Deadline(5)) == VIDEO
    assert [r.had_authorization for r in downloads(fake)] == [False]


def test_an_existing_target_is_replaced_on_success(
    transport: Transport, url: str, tmp_path: Path
) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(OLD)
    download_to_path(transport, url, str(target), deadline=Deadline(5))
    assert target.read_bytes() == VIDEO


def test_a_stale_part_file_is_overwritten(
    transport: Transport, url: str, tmp_path: Path
) -> None:
    (tmp_path / "out.mp4.part").write_bytes(OLD * 20_000)  # longer than the video
    saved = download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5))
    assert saved.read_bytes() == VIDEO
    assert leftovers(tmp_path) == ["out.mp4"]


def test_a_symlink_in_place_of_the_part_file_is_not_followed(
    fake: FakeWaveSpeed, transport: Transport, url: str, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(OLD)
    (tmp_path / "out.mp4.part").symlink_to(victim)
    with pytest.raises(errors.DownloadError, match="cannot create"):
        download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5))
    assert victim.read_bytes() == OLD
    assert (tmp_path / "out.mp4.part").is_symlink()  # not ours: left alone
    assert downloads(fake) == []


def test_progress_never_decreases_and_ends_at_the_total(
    transport: Transport, url: str, tmp_path: Path
) -> None:
    progress = Progress()
    download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5),
                     on_progress=progress)
    assert len(progress) >= SIZE // CHUNK
    assert all(total == SIZE for _, total in progress)
    counts = [received for received, _ in progress]
    assert counts == sorted(counts)
    assert progress[-1] == (SIZE, SIZE)


def test_a_failing_progress_callback_is_ignored(
    transport: Transport, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(received: int, total: int | None) -> None:
        raise ValueError("bug in the caller's callback")

    with caplog.at_level(logging.WARNING, logger="wavevid.download"):
        assert download_to_bytes(transport, url, deadline=Deadline(5), on_progress=broken) == VIDEO
    assert len([r for r in caplog.records if "progress callback" in r.getMessage()]) == 1


def test_without_a_length_the_clean_end_of_the_body_ends_the_download(
    fake: FakeWaveSpeed, url: str, tmp_path: Path
) -> None:
    transport = rewriting(RewritingLength, fake)
    progress = Progress()
    saved = download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5),
                             on_progress=progress)
    assert saved.read_bytes() == VIDEO
    assert all(total is None for _, total in progress[:-1])
    assert progress[-1] == (SIZE, SIZE)
    transport.close()


def test_a_body_longer_than_announced_is_an_error(
    fake: FakeWaveSpeed, url: str, tmp_path: Path
) -> None:
    transport = rewriting(RewritingLength, fake)
    transport.length = SIZE - 10
    with pytest.raises(errors.DownloadError, match=f"longer than the {SIZE - 10} bytes"):
        download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5))
    assert leftovers(tmp_path) == []
    transport.close()


def test_a_disk_error_is_a_download_error_and_keeps_the_old_file(
    transport: Transport, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full)
    target = tmp_path / "out.mp4"
    target.write_bytes(OLD)
    with pytest.raises(errors.DownloadError, match=r"cannot write .*No space left on device"):
        download_to_path(transport, url, target, deadline=Deadline(5))
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == ["out.mp4"]


# --- resumes -----------------------------------------------------------------------------------


def test_a_cut_download_resumes_with_a_range_request(
    fake: FakeWaveSpeed, transport: Transport, url: str, tmp_path: Path
) -> None:
    fake.add_fault(Fault("download", cut_after=100_000))
    progress = Progress()
    saved = download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5),
                             on_progress=progress)
    assert saved.read_bytes() == VIDEO
    assert ranges(fake) == [None, "bytes=100000-"]
    assert not any(r.had_authorization for r in downloads(fake))
    counts = [received for received, _ in progress]
    assert counts == sorted(counts)
    assert progress[-1] == (SIZE, SIZE)
    assert leftovers(tmp_path) == ["out.mp4"]


def test_a_download_cut_twice_in_a_row_resumes_twice(
    fake: FakeWaveSpeed, transport: Transport, url: str
) -> None:
    fake.add_fault(Fault("download", cut_after=100_000, times=2))
    assert download_to_bytes(transport, url, deadline=Deadline(5)) == VIDEO
    assert ranges(fake) == [None, "bytes=100000-", "bytes=200000-"]


def test_a_body_ending_short_is_completed_with_a_range_request(
    fake: FakeWaveSpeed, transport: Transport, url: str, tmp_path: Path
) -> None:
    fake.add_fault(Fault("download", short_by=1000))
    saved = download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5))
    assert saved.read_bytes() == VIDEO
    assert ranges(fake) == [None, f"bytes={SIZE - 1000}-"]


def test_a_dropped_connection_is_retried(
    fake: FakeWaveSpeed, transport: Transport, url: str
) -> None:
    fake.add_fault(Fault("download", drop=True))
    assert download_to_bytes(transport, url, deadline=Deadline(5)) == VIDEO
    assert ranges(fake) == [None, None]


def test_a_server_ignoring_ranges_makes_the_download_start_over(
    fake: FakeWaveSpeed, url: str, tmp_path: Path
) -> None:
    transport = rewriting(RewritingRange, fake)
    fake.add_fault(Fault("download", cut_after=100_000))
    progress = Progress()
    saved = download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5),
                             on_progress=progress)
    assert saved.read_bytes() == VIDEO  # the .part was truncated, not appended to
    assert [r.header("Range") for r in downloads(fake)] == [None, None]
    assert progress[-1] == (SIZE, SIZE)
    transport.close()


def test_a_206_from_the_wrong_byte_is_refused(
    fake: FakeWaveSpeed, url: str, tmp_path: Path
) -> None:
    transport = rewriting(RewritingRange, fake)
    transport.shift = 10
    fake.add_fault(Fault("download", cut_after=100_000))
    with pytest.raises(errors.DownloadError, match=r"Content-Range 'bytes 100010-.*100000"):
        download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5))
    assert leftovers(tmp_path) == []
    transport.close()


def test_exhausted_resumes_leave_nothing_and_keep_the_old_file(
    fake: FakeWaveSpeed, transport: Transport, url: str, tmp_path: Path
) -> None:
    fake.add_fault(Fault("download", cut_after=1000, times=None))
    target = tmp_path / "out.mp4"
    with pytest.raises(errors.DownloadError) as raised:
        download_to_path(transport, url, target, deadline=Deadline(5), max_resumes=2)
    assert "gave up after 2 resumes" in str(raised.value)
    assert f"3000 of {SIZE} bytes received" in str(raised.value)
    assert ranges(fake) == [None, "bytes=1000-", "bytes=2000-"]
    assert leftovers(tmp_path) == []

    target.write_bytes(OLD)
    with pytest.raises(errors.DownloadError):
        download_to_path(transport, url, target, deadline=Deadline(5), max_resumes=1)
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == ["out.mp4"]


def test_zero_resumes_fail_at_the_first_cut(
    fake: FakeWaveSpeed, transport: Transport, url: str
) -> None:
    fake.add_fault(Fault("download", cut_after=1000))
    with pytest.raises(errors.DownloadError, match="gave up after 0 resumes"):
        download_to_bytes(transport, url, deadline=Deadline(5), max_resumes=0)
    assert len(downloads(fake)) == 1


# --- HTTP errors -------------------------------------------------------------------------------


def test_404_is_a_download_error_with_the_expiry_hint(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path
) -> None:
    gone = f"{fake.url}/outputs/no-such-job.mp4?{SECRET}"
    with pytest.raises(errors.DownloadError) as raised:
        download_to_path(transport, gone, tmp_path / "out.mp4", deadline=Deadline(5))
    message = str(raised.value)
    assert "HTTP 404" in message
    assert "7 days" in message
    assert "topsecret" not in message
    assert "?" not in message
    assert f"{fake.url}/outputs/no-such-job.mp4" in message
    assert "\n" not in message
    assert len(downloads(fake)) == 1  # not retried
    assert leftovers(tmp_path) == []


def test_403_is_a_download_error_with_the_expiry_hint(
    fake: FakeWaveSpeed, transport: Transport, url: str
) -> None:
    fake.add_fault(Fault("download", status=403))
    with pytest.raises(errors.DownloadError, match=r"HTTP 403 .*expired"):
        download_to_bytes(transport, url, deadline=Deadline(5))
    assert len(downloads(fake)) == 1


@pytest.mark.parametrize("status", [503, 429])
def test_a_503_or_429_once_is_retried(
    fake: FakeWaveSpeed, transport: Transport, url: str, tmp_path: Path, status: int
) -> None:
    fake.add_fault(Fault("download", status=status, retry_after=0))
    saved = download_to_path(transport, url, tmp_path / "out.mp4", deadline=Deadline(5))
    assert saved.read_bytes() == VIDEO
    assert ranges(fake) == [None, None]


def test_a_503_without_retry_after_waits_the_policy_backoff(fake: FakeWaveSpeed, url: str) -> None:
    waits: list[float] = []
    waiting = Transport(
        api_key=fake.api_key, base_url=fake.url, request_timeout=5.0, sleep=waits.append,
        policy=RetryPolicy(backoff_base=0.01, random=lambda: 0.0),  # no jitter drawn
    )
    fake.add_fault(Fault("download", status=503))
    try:
        assert download_to_bytes(waiting, url, deadline=Deadline(5)) == VIDEO
    finally:
        waiting.close()
    assert waits == [0.01]  # the first backoff: backoff_base


def test_a_retry_after_past_the_deadline_fails_at_once(
    fake: FakeWaveSpeed, transport: Transport, url: str
) -> None:
    fake.add_fault(Fault("download", status=503, retry_after=60))
    started = time.monotonic()
    with pytest.raises(errors.DownloadError, match=r"HTTP 503.*pass the deadline"):
        download_to_bytes(transport, url, deadline=Deadline(5))
    assert time.monotonic() - started < 1.0


# --- refused before any request ----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["ftp://example.com/x.mp4", "file:///etc/passwd", "/tmp/x.mp4", "data:video/mp4;base64,"]
)
def test_a_url_that_is_not_http_is_refused_without_a_request(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path, bad: str
) -> None:
    with pytest.raises(errors.DownloadError, match="only http"):
        download_to_path(transport, bad, tmp_path / "out.mp4", deadline=Deadline(5))
    with pytest.raises(errors.DownloadError, match="only http"):
        download_to_bytes(transport, bad, deadline=Deadline(5))
    assert fake.requests == []
    assert leftovers(tmp_path) == []


def test_a_missing_folder_is_refused_without_a_request(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path
) -> None:
    with pytest.raises(errors.DownloadError, match="does not exist"):
        download_to_path(transport, f"{fake.url}/outputs/x.mp4", tmp_path / "no" / "out.mp4",
                         deadline=Deadline(5))
    assert fake.requests == []
    assert not (tmp_path / "no").exists()


# --- deadline and interruption -----------------------------------------------------------------


def test_a_trickling_body_is_cut_at_the_deadline(
    fake: FakeWaveSpeed, transport: Transport, url: str, tmp_path: Path
) -> None:
    fake.add_fault(Fault("download", trickle=0.01))
    target = tmp_path / "out.mp4"
    started = time.monotonic()
    with pytest.raises(errors.DownloadError, match=r"deadline \(0.3 s\)"):
        download_to_path(transport, url, target, deadline=Deadline(0.3))
    assert time.monotonic() - started < 1.0
    assert leftovers(tmp_path) == []
    assert len(downloads(fake)) == 1  # no resume once the deadline has passed


def test_keyboard_interrupt_from_progress_propagates_and_leaves_no_part(
    transport: Transport, url: str, tmp_path: Path
) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(OLD)
    calls = Progress()

    def interrupt(received: int, total: int | None) -> None:
        calls(received, total)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download_to_path(transport, url, target, deadline=Deadline(5), on_progress=interrupt)
    assert calls[-1][0] < SIZE  # it really was mid-download
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == ["out.mp4"]


# --- logs --------------------------------------------------------------------------------------


def test_resumes_are_logged_without_the_query(
    fake: FakeWaveSpeed, transport: Transport, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_fault(Fault("download", cut_after=1000))
    with caplog.at_level(logging.DEBUG, logger="wavevid.download"):
        download_to_bytes(transport, f"{url}?{SECRET}", deadline=Deadline(5))
    [resume] = [r for r in caplog.records if r.name == "wavevid.download"]
    text = resume.getMessage()
    assert "resume 1 of 3 from byte 1000" in text
    assert "topsecret" not in text
    assert downloads(fake)[1].query == {"X-Amz-Signature": "topsecret"}  # sent, not shown


# --- check_writable ----------------------------------------------------------------------------


def test_check_writable_accepts_a_good_folder_and_creates_nothing(tmp_path: Path) -> None:
    assert check_writable(tmp_path / "out.mp4") == (tmp_path / "out.mp4").resolve()
    assert check_writable(str(tmp_path / "out.mp4")) == (tmp_path / "out.mp4").resolve()
    (tmp_path / "old.mp4").write_bytes(OLD)
    assert check_writable(tmp_path / "old.mp4") == (tmp_path / "old.mp4").resolve()
    assert (tmp_path / "old.mp4").read_bytes() == OLD
    assert leftovers(tmp_path) == ["old.mp4"]


def test_check_writable_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(errors.DownloadError, match="does not exist"):
        check_writable(tmp_path / "missing" / "out.mp4")


def test_check_writable_refuses_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(errors.DownloadError, match="is not a folder"):
        check_writable(tmp_path / "file" / "out.mp4")


def test_check_writable_refuses_a_target_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "out.mp4").mkdir()
    with pytest.raises(errors.DownloadError, match="it is a folder"):
        check_writable(tmp_path / "out.mp4")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_check_writable_refuses_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(errors.DownloadError, match=r"cannot create out\.mp4\.part in"):
            check_writable(folder / "out.mp4")
    finally:
        folder.chmod(0o755)
