"""Hostile output hosts over real sockets (tests/hostile_http.py on loopback): redirects that
wavevid follows itself (at most DOWNLOAD_MAX_REDIRECTS, https only, bodies never read),
content-encodings decoded byte-exact, decompression bombs and endless bodies stopped at the
size limit, announced lengths over the limit refused before the body, and no Authorization
header on any hop."""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hostile_http import Hostile, bomb, endless, gzipped

import wavevid
from wavevid import errors
from wavevid._deadline import Deadline
from wavevid._download import download_to_bytes, download_to_path
from wavevid._output_urls import RedirectRefused, _follow
from wavevid._retry import RetryPolicy
from wavevid._transport import Transport
from wavevid.testing import FakeWaveSpeed, JobScript

VIDEO = os.urandom(300 * 1024)
MIB = 1024 * 1024
LIMIT = 2 * MIB
SECRET = "X-Amz-Signature=topsecret"


@pytest.fixture
def host() -> Iterator[Hostile]:
    with Hostile() as server:
        yield server


def make_transport(session_factory: object = None) -> Transport:
    return Transport(
        api_key=None, base_url="http://127.0.0.1:1", request_timeout=5.0,
        policy=RetryPolicy(backoff_base=0.01, random=lambda: 0.0),
        session_factory=session_factory,  # type: ignore[arg-type]
    )


@pytest.fixture
def transport() -> Iterator[Transport]:
    made = make_transport()
    yield made
    made.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- redirects ---------------------------------------------------------------------------------


def test_three_redirects_are_followed_with_the_same_headers(
    host: Hostile, transport: Transport, tmp_path: Path
) -> None:
    host.redirect("/a", "/b", status=301)
    host.redirect("/b", host.url("/c"), status=307)
    host.redirect("/c", "/video", status=308)
    host.answer("/video", VIDEO)
    saved = download_to_path(transport, host.url("/a"), tmp_path / "out.mp4", deadline=Deadline(5))
    assert saved.read_bytes() == VIDEO
    assert [seen.path for seen in host.seen] == ["/a", "/b", "/c", "/video"]
    assert all(seen.header("Accept-Encoding") == "identity" for seen in host.seen)
    assert leftovers(tmp_path) == ["out.mp4"]


def test_a_fourth_redirect_is_refused_without_following_it(
    host: Hostile, transport: Transport, tmp_path: Path
) -> None:
    for hop in "abcd":
        host.redirect(f"/{hop}", f"/{chr(ord(hop) + 1)}")
    host.answer("/e", VIDEO)
    with pytest.raises(errors.DownloadError, match="more than 3 redirects"):
        download_to_path(transport, host.url("/a"), tmp_path / "out.mp4", deadline=Deadline(5))
    assert [seen.path for seen in host.seen] == ["/a", "/b", "/c", "/d"]  # not retried either
    assert leftovers(tmp_path) == []


def test_a_redirect_to_plain_http_off_loopback_is_refused_without_a_request(
    host: Hostile, transport: Transport
) -> None:
    host.redirect("/a", f"http://downloads.example.com/video.mp4?{SECRET}")
    started = time.monotonic()
    with pytest.raises(errors.DownloadError) as raised:
        download_to_bytes(transport, host.url("/a"), deadline=Deadline(5))
    message = str(raised.value)
    assert "http://downloads.example.com/video.mp4: only redirects to https" in message
    assert "topsecret" not in message
    assert len(host.seen) == 1
    assert time.monotonic() - started < 1.0  # no DNS, no connection, no retry


@pytest.mark.parametrize(
    ("current", "location", "followed"),
    [
        ("https://cdn.example/a", "https://other.example/b", "https://other.example/b"),
        ("https://cdn.example/a/b", "../c?x=1", "https://cdn.example/c?x=1"),
        ("http://127.0.0.1:8/a", "http://localhost:9/b", "http://localhost:9/b"),
        ("http://127.0.0.1:8/a", "//[::1]:9/b", "http://[::1]:9/b"),
        ("https://cdn.example/a", "http://127.0.0.1/b", None),  # http only between loopbacks
        ("http://127.0.0.1/a", "http://10.0.0.1/b", None),
        ("https://cdn.example/a", "ftp://cdn.example/b", None),
        ("https://cdn.example/a", "file:///etc/passwd", None),
        ("https://cdn.example/a", "https://[::1/b", None),
    ],
)
def test_which_redirects_are_followed(current: str, location: str, followed: str | None) -> None:
    if followed is None:
        with pytest.raises(RedirectRefused):
            _follow(current, location, 302)
    else:
        assert _follow(current, location, 302) == followed


def test_a_redirect_body_is_never_read(host: Hostile, transport: Transport) -> None:
    size = 256 * MIB
    host.redirect("/a", "/video", body_bytes=size)
    host.answer("/video", VIDEO)
    started = time.monotonic()
    assert download_to_bytes(transport, host.url("/a"), deadline=Deadline(10)) == VIDEO
    assert time.monotonic() - started < 2.0
    host.wait_idle()
    assert host.sent["/a"] < 64 * MIB  # what the sockets' buffers took, not the body


def test_no_authorization_on_any_hop_whatever_the_session_or_netrc_hold(
    host: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))

    def session() -> requests.Session:
        made = requests.Session()
        made.headers["Authorization"] = "Bearer from-session-headers"
        return made

    host.redirect("/a", "/video")
    host.answer("/video", VIDEO)
    carrying = make_transport(session)
    assert download_to_bytes(carrying, host.url("/a"), deadline=Deadline(5)) == VIDEO
    plain = make_transport()
    user_info = host.url("/a").replace("http://", "http://user:pw@")
    assert download_to_bytes(plain, user_info, deadline=Deadline(5)) == VIDEO
    assert len(host.seen) == 4
    assert all(seen.header("Authorization") is None for seen in host.seen)
    carrying.close()
    plain.close()


# --- content-encodings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coding", "wbits"), [("gzip", 31), ("x-gzip", 31), ("deflate", 15), ("deflate", -15)]
)
def test_an_encoded_body_is_decoded_byte_exact(
    host: Hostile, transport: Transport, tmp_path: Path, coding: str, wbits: int
) -> None:
    host.answer("/video", gzipped(VIDEO, wbits), headers={"Content-Encoding": coding})
    host.chunked("/chunked", [gzipped(VIDEO, wbits)], headers={"Content-Encoding": coding})
    assert download_to_bytes(transport, host.url("/video"), deadline=Deadline(5)) == VIDEO
    saved = download_to_path(
        transport, host.url("/chunked"), tmp_path / "out.mp4", deadline=Deadline(5)
    )
    assert saved.read_bytes() == VIDEO
    assert leftovers(tmp_path) == ["out.mp4"]


def test_a_cut_encoded_body_starts_over_without_a_range(
    host: Hostile, transport: Transport, tmp_path: Path
) -> None:
    body = gzipped(VIDEO)
    headers = {"Content-Encoding": "gzip", "Content-Length": str(len(body))}

    def cut(handler: object) -> None:
        handler.start(200, headers)  # type: ignore[attr-defined]
        handler.write(body[: len(body) // 2])  # type: ignore[attr-defined]
        handler.cut()  # type: ignore[attr-defined]

    def whole(handler: object) -> None:
        handler.start(200, headers)  # type: ignore[attr-defined]
        handler.write(body)  # type: ignore[attr-defined]

    host.script("/video", [cut, whole])
    target = tmp_path / "o.mp4"
    saved = download_to_path(transport, host.url("/video"), target, deadline=Deadline(5))
    assert saved.read_bytes() == VIDEO
    assert [seen.header("Range") for seen in host.seen] == [None, None]


def test_an_encoding_that_cannot_be_decoded_is_a_download_error(
    host: Hostile, transport: Transport, tmp_path: Path
) -> None:
    host.answer("/video", VIDEO, headers={"Content-Encoding": "gzip, x-wavevid-unknown"})
    with pytest.raises(errors.DownloadError) as raised:
        download_to_path(
            transport, host.url(f"/video?{SECRET}"), tmp_path / "o.mp4", deadline=Deadline(5)
        )
    message = str(raised.value)
    assert "content-encoding 'x-wavevid-unknown', which cannot be decoded" in message
    assert host.url("/video") in message
    assert "topsecret" not in message
    assert len(host.seen) == 1
    assert leftovers(tmp_path) == []


def test_a_corrupt_encoded_body_fails_at_once(host: Hostile, transport: Transport) -> None:
    host.answer("/video", b"\x1f\x8b\x08\x00not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(errors.DownloadError, match="cannot be decoded from gzip"):
        download_to_bytes(transport, host.url("/video"), deadline=Deadline(5))
    assert len(host.seen) == 1  # the same bytes again would not decode either


# --- size limits -------------------------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_memory_limit_with_bounded_memory(
    host: Hostile, transport: Transport
) -> None:
    host.answer("/video", bomb(256), headers={"Content-Encoding": "gzip"})  # 256 KiB -> 256 MiB
    tracemalloc.start()
    try:
        with pytest.raises(errors.DownloadError) as raised:
            download_to_bytes(transport, host.url("/video"), deadline=Deadline(5), max_bytes=LIMIT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"more than the limit of {LIMIT} bytes (max_download_memory_bytes)" in str(raised.value)
    assert peak < 8 * LIMIT
    assert len(host.seen) == 1


def test_an_endless_chunked_body_ends_at_the_file_limit_leaving_nothing(
    host: Hostile, transport: Transport, tmp_path: Path
) -> None:
    host.chunked("/video", endless())
    target = tmp_path / "out.mp4"
    target.write_bytes(b"old")
    started = time.monotonic()
    with pytest.raises(errors.DownloadError, match=r"goes on: more than the limit of \d+ bytes"):
        download_to_path(
            transport, host.url("/video"), target, deadline=Deadline(5), max_bytes=LIMIT
        )
    assert time.monotonic() - started < 2.0
    assert target.read_bytes() == b"old"
    assert leftovers(tmp_path) == ["out.mp4"]


@pytest.mark.parametrize("status", [200, 206])
def test_a_length_announced_over_the_limit_fails_before_the_body(
    host: Hostile, transport: Transport, tmp_path: Path, status: int
) -> None:
    huge = 10 * 1024**3
    headers = {"Content-Length": str(huge), "Content-Range": f"bytes 0-{huge - 1}/{huge}"}

    def announce(handler: object) -> None:
        handler.start(status, headers)  # type: ignore[attr-defined]
        handler.write(bytes(1024))  # type: ignore[attr-defined]
        host.stopping.wait(3)  # then nothing more: reading on would wait for the deadline

    host.routes["/video"] = announce
    started = time.monotonic()
    with pytest.raises(errors.DownloadError, match=f"{huge} bytes announced, more than the limit"):
        download_to_path(transport, host.url("/video"), tmp_path / "o.mp4", deadline=Deadline(2))
    assert time.monotonic() - started < 1.0
    assert leftovers(tmp_path) == []


def test_the_client_limits_reach_generate_and_download(
    host: Hostile, tmp_path: Path
) -> None:
    host.answer("/video", bomb(64), headers={"Content-Encoding": "gzip"})
    host.answer("/small", VIDEO)
    with FakeWaveSpeed(processing_seconds=0.05) as fake:
        fake.script_jobs(JobScript(outputs=[host.url(f"/video?{SECRET}")]))
        with fake.client(max_download_memory_bytes=LIMIT, max_download_file_bytes=LIMIT) as client:
            with pytest.raises(errors.DownloadError) as raised:
                client.generate("ltx-2-fast", prompt="a fox")
            assert raised.value.job_id is not None
            assert raised.value.job_id in fake.jobs
            assert "max_download_memory_bytes" in str(raised.value)
            assert "topsecret" not in str(raised.value)
            with pytest.raises(errors.DownloadError, match="max_download_file_bytes"):
                client.download(host.url("/video"), tmp_path / "out.mp4")
            assert client.download(host.url("/small"), tmp_path / "ok.mp4").read_bytes() == VIDEO
    assert leftovers(tmp_path) == ["ok.mp4"]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "1"])
def test_a_limit_that_is_not_a_positive_whole_number_is_refused(bad: object) -> None:
    with pytest.raises(errors.ConfigurationError, match="max_download_file_bytes"):
        wavevid.Client(api_key="k", base_url="http://127.0.0.1:1", max_download_file_bytes=bad)
