"""Uploads over real HTTP against FakeWaveSpeed: every kind of source round-trips byte-exact,
the ticket + presigned PUT flow, retries that re-send the whole body, the multipart fallback,
the media rule, and a large file streamed without being held in memory."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest
import requests
from sleeps import Sleeps

from wavevid import _media_sources, _upload, errors
from wavevid._deadline import Deadline
from wavevid._media_sources import sniff
from wavevid._retry import RetryPolicy
from wavevid._transport import Transport
from wavevid.testing import FakeWaveSpeed, Fault, RequestRecord
from wavevid.testing._sample_video import sample_video

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
VIDEO = sample_video()
TICKET_PATH = "/api/v3/media/uploads"
MULTIPART_PATH = "/api/v3/media/upload/binary"
FIRST_WAIT = 0.5  # RetryPolicy(random=0): the backoff base, unjittered


def make_transport(url: str, api_key: str, sleeps: Callable[[float], None]) -> Transport:
    return Transport(
        api_key=api_key,
        base_url=url,
        request_timeout=5.0,
        policy=RetryPolicy(random=lambda: 0.0),
        sleep=sleeps,
    )


@pytest.fixture
def transport(fake: FakeWaveSpeed, sleeps: Sleeps) -> Iterator[Transport]:
    made = make_transport(fake.url, fake.api_key, sleeps)
    yield made
    made.close()


def upload(transport: Transport, source: Any, **options: Any) -> str:
    return _upload.upload(transport, source, deadline=Deadline(10), **options)


def fetch(url: str) -> bytes:
    """GET an uploaded file back, without credentials."""
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 200
    return answer.content


def sent(fake: FakeWaveSpeed, method: str = "PUT", path: str | None = None) -> list[RequestRecord]:
    return [
        r for r in fake.requests if r.method == method and (path is None or r.path == path)
    ]


def skip_ticket(fake: FakeWaveSpeed) -> None:
    """Faults on "upload" hit the ticket POST first: this one lets it pass untouched, so that
    the next "upload" fault lands on the PUT."""
    fake.add_fault(Fault("upload"))


def pipe_with(data: bytes) -> BinaryIO:
    """The read end of a pipe (it cannot seek) that a thread fills with ``data``."""
    read_fd, write_fd = os.pipe()

    def feed() -> None:
        with os.fdopen(write_fd, "wb") as writer:
            writer.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return os.fdopen(read_fd, "rb", buffering=0)


class Trickle(io.RawIOBase):
    """A stream that cannot seek and hands out at most 1000 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        piece = self._data[self._at : self._at + min(len(buffer), 1000)]
        buffer[: len(piece)] = piece
        self._at += len(piece)
        return len(piece)


# --- every source round-trips ------------------------------------------------------------------


def test_a_path_goes_by_ticket_and_presigned_put(
    fake: FakeWaveSpeed, wavevid_client: Any, tmp_path: Path
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(VIDEO)

    url = upload(wavevid_client._transport, path)

    assert fetch(url) == VIDEO
    ticket, put = fake.requests[:2]
    assert (ticket.method, ticket.path) == ("POST", TICKET_PATH)
    assert ticket.had_authorization
    assert ticket.json == {"filename": "clip.mp4", "size": len(VIDEO), "content_type": "video/mp4"}
    assert put.method == "PUT"
    assert not put.had_authorization
    assert put.header("Content-Type") == "video/mp4"
    assert put.header("Content-Length") == str(len(VIDEO))
    assert put.body == VIDEO
    assert url.endswith("/clip.mp4")


def _non_contiguous(data: bytes) -> memoryview:
    interleaved = bytearray(2 * len(data))
    interleaved[::2] = data
    return memoryview(interleaved)[::2]


@pytest.mark.parametrize(
    "make",
    [
        bytes,
        bytearray,
        memoryview,
        lambda data: memoryview(data).cast("H"),  # items of 2 bytes: the size is in bytes
        _non_contiguous,
    ],
    ids=["bytes", "bytearray", "memoryview", "memoryview-of-uint16", "non-contiguous"],
)
def test_bytes_likes_round_trip(
    fake: FakeWaveSpeed, transport: Transport, make: Callable[[bytes], Any]
) -> None:
    url = upload(transport, make(PNG))

    assert fetch(url) == PNG
    (ticket,) = sent(fake, "POST")
    assert ticket.json == {"filename": "upload.png", "size": len(PNG), "content_type": "image/png"}
    assert sent(fake)[0].body == PNG


def test_a_seekable_file_is_sent_from_its_position_which_is_restored(
    fake: FakeWaveSpeed, transport: Transport
) -> None:
    file = io.BytesIO(b"skip" + PNG)
    file.seek(4)

    url = upload(transport, file)

    assert fetch(url) == PNG
    assert sent(fake, "POST")[0].json["size"] == len(PNG)
    assert file.tell() == 4
    assert fetch(upload(transport, file)) == PNG  # the same again


@pytest.mark.parametrize("kind", ["pipe", "raw-stream", "pipe-spilled-to-disk"])
def test_a_stream_that_cannot_seek_is_spooled(
    fake: FakeWaveSpeed, transport: Transport, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    data = VIDEO + bytes(range(256)) * 2048  # ~0.5 MiB past the sample
    if kind == "pipe-spilled-to-disk":
        monkeypatch.setattr(_media_sources, "UPLOAD_SPOOL_MEMORY_BYTES", 64 * 1024)
    stream = cast(BinaryIO, Trickle(data)) if kind == "raw-stream" else pipe_with(data)
    with stream:
        assert not stream.seekable()
        url = upload(transport, stream)

    assert fetch(url) == data
    (ticket,) = sent(fake, "POST")
    assert ticket.json == {"filename": "upload.mp4", "size": len(data), "content_type": "video/mp4"}


# --- names and content types -------------------------------------------------------------------


def test_a_file_objects_name_is_used(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path
) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    with path.open("rb") as file:
        url = upload(transport, file)

    assert fetch(url) == PNG
    assert sent(fake, "POST")[0].json["filename"] == "photo.png"


def test_a_path_without_extension_gets_the_sniffed_type(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path
) -> None:
    path = tmp_path / "still"
    path.write_bytes(PNG)
    upload(transport, path)

    assert sent(fake, "POST")[0].json == {
        "filename": "still", "size": len(PNG), "content_type": "image/png"
    }


def test_explicit_filename_and_content_type_win(fake: FakeWaveSpeed, transport: Transport) -> None:
    url = upload(transport, PNG, filename="frame.dat", content_type="image/x-custom")

    assert fetch(url) == PNG
    assert sent(fake, "POST")[0].json == {
        "filename": "frame.dat", "size": len(PNG), "content_type": "image/x-custom"
    }
    assert sent(fake)[0].header("Content-Type") == "image/x-custom"


def test_unrecognised_bytes_are_octet_stream(fake: FakeWaveSpeed, transport: Transport) -> None:
    with pytest.raises(errors.BadRequestError, match="Unsupported file type"):
        upload(transport, b"just some text")  # the fake, like WaveSpeed, takes media only

    assert sent(fake, "POST")[0].json == {
        "filename": "upload", "size": 14, "content_type": "application/octet-stream"
    }
    assert sent(fake) == []


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG[:16], (".png", "image/png")),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", (".jpg", "image/jpeg")),
        (b"GIF89a\x01\x00", (".gif", "image/gif")),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", (".webp", "image/webp")),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", (".wav", "audio/wav")),
        (VIDEO[:64], (".mp4", "video/mp4")),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", (".mov", "video/quicktime")),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", (".m4a", "audio/mp4")),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", (".webm", "video/webm")),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", (".mkv", "video/x-matroska")),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", (".mp3", "audio/mpeg")),
        (b"\xff\xfb\x90\x64\x00", (".mp3", "audio/mpeg")),  # MPEG-1 layer III frame, no tag
        (b"OggS\x00\x02", (".ogg", "audio/ogg")),
        (b"fLaC\x00\x00\x00\x22", (".flac", "audio/flac")),
        (b"\xff\xf1\x50\x80", None),  # AAC in ADTS: frame sync, but layer 0
        (b"hello", None),
        (b"", None),
    ],
)
def test_sniffing(head: bytes, expected: tuple[str, str] | None) -> None:
    assert sniff(head) == expected


# --- the PUT: retries, refusals, protocol ------------------------------------------------------


@pytest.mark.parametrize("kind", ["path", "file-from-position"])
def test_a_put_failing_with_503_is_retried_with_the_whole_body(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(VIDEO)
    file = io.BytesIO(b"xx" + VIDEO)
    file.seek(2)
    skip_ticket(fake)
    fault = fake.add_fault(Fault("upload", status=503))

    url = upload(transport, path if kind == "path" else file)

    assert fault.hits == 1
    assert fetch(url) == VIDEO
    assert [put.body == VIDEO for put in sent(fake)] == [True, True]
    assert len(sent(fake, "POST")) == 1  # one ticket, used twice
    assert sleeps == [FIRST_WAIT]


def test_a_dropped_put_is_retried(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    skip_ticket(fake)
    fake.add_fault(Fault("upload", drop=True))

    assert fetch(upload(transport, PNG)) == PNG
    assert len(sent(fake)) == 2
    assert sleeps == [FIRST_WAIT]


def test_a_429_on_the_put_waits_as_told(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    skip_ticket(fake)
    fake.add_fault(Fault("upload", status=429, retry_after=0.25))

    assert fetch(upload(transport, PNG)) == PNG
    assert sleeps == [0.25]


def test_a_put_failing_every_time_gives_up_after_the_policys_retries(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    skip_ticket(fake)
    fake.add_fault(Fault("upload", status=503, times=None))

    with pytest.raises(errors.ServerError) as caught:
        upload(transport, PNG)

    assert caught.value.status_code == 503
    assert len(sent(fake)) == transport.policy.max_retries + 1
    assert len(sleeps) == transport.policy.max_retries


def test_a_4xx_on_the_put_is_not_retried(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    skip_ticket(fake)
    fake.add_fault(Fault("upload", status=403))

    with pytest.raises(errors.PermissionDeniedError, match="Forbidden") as caught:
        upload(transport, PNG)

    assert caught.value.status_code == 403
    assert len(sent(fake)) == 1
    assert sleeps == []


def test_a_failed_ticket_request_is_retried_by_the_transport(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    fake.add_fault(Fault("upload", status=503))

    assert fetch(upload(transport, PNG)) == PNG
    assert len(sent(fake, "POST", TICKET_PATH)) == 2
    assert len(sent(fake)) == 1


def edit_tickets(
    monkeypatch: pytest.MonkeyPatch, transport: Transport, edit: Callable[[dict[str, Any]], None]
) -> None:
    """Let ``edit`` change each upload ticket the fake hands out."""
    real_call = transport.call

    def call(method: str, path: str, **options: Any) -> Any:
        data = real_call(method, path, **options)
        if path == "media/uploads":
            edit(data["upload"])
        return data

    monkeypatch.setattr(transport, "call", call)


def test_a_ticket_asking_for_another_method_is_refused(
    fake: FakeWaveSpeed, transport: Transport, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_tickets(monkeypatch, transport, lambda ticket: ticket.update(method="POST"))

    with pytest.raises(errors.APIError, match="method 'POST'"):
        upload(transport, PNG)

    assert sent(fake) == []


@pytest.mark.parametrize("conditional", [True, False])
def test_a_412_after_a_lost_answer_means_stored_only_for_if_none_match(
    fake: FakeWaveSpeed, transport: Transport, monkeypatch: pytest.MonkeyPatch, conditional: bool
) -> None:
    if conditional:
        edit_tickets(
            monkeypatch, transport, lambda ticket: ticket["headers"].update({"If-None-Match": "*"})
        )
    skip_ticket(fake)
    fake.add_fault(Fault("upload", drop=True))  # stored, but the answer never comes
    fake.add_fault(Fault("upload", status=412))  # the store will not overwrite it

    if conditional:
        assert fetch(upload(transport, PNG)) == PNG
        assert sent(fake)[1].header("If-None-Match") == "*"
    else:
        with pytest.raises(errors.APIError) as caught:
            upload(transport, PNG)
        assert caught.value.status_code == 412


def test_the_deadline_is_kept_while_the_body_is_sent(
    fake: FakeWaveSpeed, transport: Transport, monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps
) -> None:
    class PassesDuringThePut(Deadline):
        passed = False

        @property
        def expired(self) -> bool:
            return self.passed

    deadline = PassesDuringThePut(10)
    real_put = transport.put

    def put(url: str, data: Any, **options: Any) -> Any:
        deadline.passed = True
        return real_put(url, data, **options)

    monkeypatch.setattr(transport, "put", put)

    with pytest.raises(errors.APIConnectionError, match="deadline"):
        _upload.upload(transport, PNG, deadline=deadline)
    assert sleeps == []


def test_a_file_that_ends_early_is_an_error_not_a_retry(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    class EndsEarly(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            left = max(0, 1000 - self.tell())
            return super().read(left if size is None or size < 0 else min(size, left))

    file = EndsEarly(PNG)

    with pytest.raises(ValueError, match=f"ended after 1000 of the {len(PNG)} bytes"):
        upload(transport, file)
    assert sleeps == []
    assert file.tell() == 0


# --- the multipart fallback --------------------------------------------------------------------


def test_without_a_ticket_endpoint_the_multipart_upload_is_used_and_remembered(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path, sleeps: Sleeps
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(VIDEO)
    fake.add_fault(Fault("upload", status=404))

    url = upload(transport, path)

    answer = requests.get(url, timeout=5)
    assert answer.content == VIDEO
    assert answer.headers["Content-Type"] == "video/mp4"
    assert url.endswith("/clip.mp4")
    ticket, form = fake.requests[:2]
    assert (ticket.path, form.path) == (TICKET_PATH, MULTIPART_PATH)
    assert form.had_authorization
    assert (form.header("Content-Type") or "").startswith("multipart/form-data; boundary=")
    assert form.header("Content-Length") == str(len(form.body))
    assert sleeps == []

    fake.reset()
    assert fetch(upload(transport, PNG)) == PNG  # straight to the form: no ticket asked
    assert [r.path for r in fake.requests if r.method != "GET"] == [MULTIPART_PATH]

    fake.reset()
    other = make_transport(fake.url, fake.api_key, sleeps)  # remembered per transport only
    try:
        upload(other, PNG)
    finally:
        other.close()
    assert [(r.method, r.path[:8]) for r in fake.requests] == [
        ("POST", TICKET_PATH[:8]), ("PUT", "/upload/")
    ]


def test_a_retried_multipart_upload_sends_the_whole_form_again(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    fake.add_fault(Fault("upload", status=404))
    fake.add_fault(Fault("upload", status=503))
    data = VIDEO + bytes(range(256)) * 2048

    assert fetch(upload(transport, io.BytesIO(data))) == data

    first, second = sent(fake, "POST", MULTIPART_PATH)
    assert first.body[-200:] == second.body[-200:]
    assert len(first.body) == len(second.body) == int(second.header("Content-Length") or 0)
    assert data in first.body
    assert sleeps == [FIRST_WAIT]


# --- refusals before any request ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["existing-file-as-str", "url"])
def test_a_str_is_never_read_as_a_file(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "secret.png"
    path.write_bytes(PNG)
    source = str(path) if kind == "existing-file-as-str" else "https://example.com/a.png"

    with pytest.raises(TypeError, match=r"a str is a URL.*pathlib\.Path"):
        upload(transport, source)
    assert fake.requests == []


def test_text_files_and_other_objects_are_refused(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with path.open() as text, pytest.raises(TypeError, match="text mode"):
        upload(transport, text)
    with pytest.raises(TypeError, match="cannot upload a int"):
        upload(transport, 42)
    with pytest.raises(TypeError, match="filename must be a str"):
        upload(transport, PNG, filename=path)
    assert fake.requests == []


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "path", "file-at-its-end", "pipe"])
def test_an_empty_source_is_refused(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    at_end = io.BytesIO(PNG)
    at_end.seek(0, io.SEEK_END)
    sources: dict[str, Callable[[], Any]] = {
        "bytes": lambda: b"",
        "bytearray": bytearray,
        "path": lambda: path,
        "file-at-its-end": lambda: at_end,
        "pipe": lambda: pipe_with(b""),
    }
    source = sources[kind]()

    with pytest.raises(ValueError, match=r"nothing to upload: .* is empty"):
        upload(transport, source)
    if kind == "pipe":
        source.close()
    assert fake.requests == []


def test_a_missing_path_or_a_directory_is_refused(
    fake: FakeWaveSpeed, transport: Transport, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(ValueError, match=f"cannot upload {missing}: no such file"):
        upload(transport, missing)
    with pytest.raises(ValueError, match="is a directory"):
        upload(transport, tmp_path)
    assert fake.requests == []


# --- logging -----------------------------------------------------------------------------------


def test_logs_redact_presigned_urls_and_never_hold_the_contents(
    fake: FakeWaveSpeed,
    transport: Transport,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    edit_tickets(
        monkeypatch, transport,
        lambda ticket: ticket.update(url=ticket["url"] + "?X-Amz-Signature=sig-4f00d"),
    )
    skip_ticket(fake)
    fake.add_fault(Fault("upload", status=503))
    caplog.set_level(logging.DEBUG)
    marker = b"MARKER-IN-THE-CONTENT"

    upload(transport, PNG + marker)

    # The client's records: not the fake server's ("wavevid.testing"); urllib3's request lines
    # show the path and query apart from the host, which redact() does not recognise as a URL.
    text = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("wavevid.") and record.name != "wavevid.testing"
    )
    assert "retry 1 of" in text
    assert "PUT" in text
    assert "sig-4f00d" not in text
    assert marker.decode() not in caplog.text


# --- memory ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_elsewhere() -> Iterator[tuple[str, str]]:
    """A FakeWaveSpeed in another process, so that tracemalloc sees the client alone."""
    code = (
        "import sys\n"
        "from wavevid.testing import FakeWaveSpeed\n"
        "with FakeWaveSpeed() as fake:\n"
        "    print(fake.url, fake.api_key, flush=True)\n"
        "    sys.stdin.read()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdin is not None
    url, api_key = process.stdout.readline().split()
    yield url, api_key
    process.stdin.close()
    process.wait(timeout=10)


def test_a_large_file_is_streamed_not_read_into_memory(
    fake_elsewhere: tuple[str, str], tmp_path: Path, sleeps: Sleeps
) -> None:
    size = 3 * 1024 * 1024
    path = tmp_path / "big.mp4"
    path.write_bytes(VIDEO[:64] + os.urandom(size - 64))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    transport = make_transport(*fake_elsewhere, sleeps)
    try:
        upload(transport, PNG)  # warm up: imports, session, connection
        tracemalloc.start()
        try:
            url = upload(transport, path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    finally:
        transport.close()

    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte file"
    assert hashlib.sha256(fetch(url)).hexdigest() == digest
