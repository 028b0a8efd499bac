"""One deadline, every phase: a server that trickles forever — during the TLS handshake, in the
status line, in the headers, in a chunk-size line, in the body — cannot hold a call past its
deadline, over plain HTTP and over TLS. Each call here has a 0.5 s deadline and must end within
3 s, though every single read would succeed (one byte per 0.1 s, under any read timeout)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from loopback import AcceptLoop

import wavevid
from wavevid import errors
from wavevid._watchdog import WATCHDOG

DEADLINE = 0.5
BOUND = 3.0
DRIP = 0.1  # seconds between two bytes: far under any read timeout
GIVE_UP = 4.0  # a server stops dripping after this long, so a broken guard fails, not hangs

# What the server sends before it starts dripping, and what it drips forever.
PHASES: dict[str, tuple[bytes, bytes]] = {
    "status line": (b"HTTP/1.1 2", b"0"),
    "headers": (b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a"),
    "chunk framing": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"1"),
    "body": (b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{", b" "),
}


class Trickler(AcceptLoop):
    """Reads a request, sends ``head`` at once, then ``drip`` byte by byte until the client
    goes away (or GIVE_UP passes); over TLS when given a context. ``requests`` counts the
    requests read."""

    def __init__(self, head: bytes, drip: bytes, context: ssl.SSLContext | None = None) -> None:
        self.head, self.drip, self.context = head, drip, context
        self.requests = 0
        super().__init__()

    def handle(self, connection: socket.socket) -> None:
        threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection: socket.socket) -> None:
        try:
            connection.settimeout(5)
            if self.context is not None:
                connection = self.context.wrap_socket(connection, server_side=True)
            received = b""
            while b"\r\n\r\n" not in received:
                piece = connection.recv(65536)
                if not piece:
                    return
                received += piece
            self.requests += 1
            connection.sendall(self.head)
            until = time.monotonic() + GIVE_UP
            while not self.stopped.is_set() and time.monotonic() < until:
                connection.sendall(self.drip)
                time.sleep(DRIP)
        except OSError:
            pass  # the client shut its side down: what the test wants
        finally:
            connection.close()


class SlowHandshake(AcceptLoop):
    """A relay in front of a TLS server that passes the server's bytes on one at a time: the
    handshake itself never finishes within any deadline."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.backend = Trickler(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", b"", context)
        super().__init__()

    def handle(self, client: socket.socket) -> None:
        server = socket.create_connection(("127.0.0.1", self.backend.port))
        threading.Thread(target=self.pipe, args=(client, server, 0.0), daemon=True).start()
        threading.Thread(target=self.pipe, args=(server, client, DRIP), daemon=True).start()

    def pipe(self, source: socket.socket, target: socket.socket, drip: float) -> None:
        until = time.monotonic() + GIVE_UP
        try:
            while not self.stopped.is_set() and time.monotonic() < until:
                data = source.recv(65536)
                if not data:
                    return
                for index in range(len(data)) if drip else [None]:
                    target.sendall(data if index is None else data[index:index + 1])
                    time.sleep(drip)
        except OSError:
            pass
        finally:
            target.close()

    def close(self) -> None:
        super().close()
        self.backend.close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    """A throwaway CA: the server's context, and the CA file a client trusts."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return context, str(ca_file)


def client_for(scheme: str, port: int, ca_file: str | None = None) -> wavevid.Client:
    def factory() -> requests.Session:
        session = requests.Session()
        if ca_file:
            session.verify = ca_file
        return session

    return wavevid.Client(api_key="sk-test-123", base_url=f"{scheme}://127.0.0.1:{port}",
                          request_timeout=5.0, max_retries=0, session_factory=factory)


def ends_in_time(call: Callable[[], Any], error: type[BaseException]) -> float:
    started = time.monotonic()
    with pytest.raises(error):
        call()
    elapsed = time.monotonic() - started
    assert elapsed < BOUND
    return elapsed


@pytest.mark.parametrize("phase", list(PHASES))
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_an_api_call_ends_at_its_deadline_whatever_the_phase(
    scheme: str, phase: str, tls: tuple[ssl.SSLContext, str]
) -> None:
    context, ca_file = tls
    server = Trickler(*PHASES[phase], context if scheme == "https" else None)
    try:
        client = client_for(scheme, server.port, ca_file)
        ends_in_time(lambda: client.balance(timeout=DEADLINE), errors.APIConnectionError)
    finally:
        server.close()


@pytest.mark.parametrize("phase", ["status line", "chunk framing"])
def test_a_submit_cut_at_its_deadline_is_uncertain_never_resent(phase: str) -> None:
    server = Trickler(*PHASES[phase])
    try:
        client = client_for("http", server.port)
        ends_in_time(
            lambda: client.submit("vendor/some-model", {"prompt": "x"}, timeout=DEADLINE),
            errors.SubmissionUncertainError,
        )
    finally:
        server.close()
    assert server.requests == 1


@pytest.mark.parametrize("phase", ["headers", "chunk framing"])
def test_a_download_ends_at_its_deadline(phase: str, tmp_path: Path) -> None:
    server = Trickler(*PHASES[phase])
    try:
        client = client_for("http", server.port)
        target = tmp_path / "video.mp4"
        ends_in_time(
            lambda: client.download(f"http://127.0.0.1:{server.port}/v.mp4", target,
                                    timeout=DEADLINE),
            errors.DownloadError,
        )
        assert list(tmp_path.iterdir()) == []
    finally:
        server.close()


def test_a_tls_handshake_that_never_finishes_ends_at_the_deadline(
    tls: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls
    relay = SlowHandshake(context)
    try:
        client = client_for("https", relay.port, ca_file)
        ends_in_time(lambda: client.balance(timeout=DEADLINE), errors.APIConnectionError)
    finally:
        relay.close()


def test_a_released_guard_never_shuts_a_pooled_connection() -> None:
    """A call that ended well leaves its connection to the pool: the watchdog firing later
    (its deadline passing) must not cut the next request on that connection."""
    with wavevid.testing.FakeWaveSpeed() as fake:
        client = fake.client()
        client.balance(timeout=0.2)
        time.sleep(0.3)  # the first call's deadline passes while its connection sits pooled
        client.balance(timeout=5)
        assert fake.connections_accepted == 1
    assert not any(guard.fired and not guard.released for _, _, guard in WATCHDOG._heap)
