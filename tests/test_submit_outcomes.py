"""Every submit outcome classified by what the client can know (DESIGN, "The protocol"):
retried when nothing was written or the server refused to act (408, 429, a connection that could
not be opened), refused for 3xx/4xx, a job whenever the answer names one, uncertain otherwise.

Answer shapes come from ``responses`` (a table of odd but real answers: a WAF's HTML 403, a
proxy's 407, nginx's 413, a gateway's 504, a 200 without an id); the connection cases run over
real sockets on loopback (a TLS handshake cut, a refused certificate, an unreachable proxy).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
import responses
from loopback import AcceptLoop
from sleeps import Sleeps

from wavevid import errors
from wavevid._deadline import Deadline
from wavevid._retry import RetryPolicy
from wavevid._transport import Transport
from wavevid.testing import FakeWaveSpeed

MODEL = "lightricks/ltx-2-fast/text-to-video"
BASE = "https://api.example.test"
URL = f"{BASE}/api/v3/{MODEL}"
BODY = {"prompt": "a fox"}


def make(base_url: str = BASE, **options: Any) -> tuple[Transport, Sleeps]:
    sleeps = Sleeps()
    settings: dict[str, Any] = {
        "api_key": "sk-test-123", "base_url": base_url, "request_timeout": 2.0,
        "policy": RetryPolicy(max_retries=2, random=lambda: 0.0), "sleep": sleeps, **options,
    }
    return Transport(**settings), sleeps


def submit(transport: Transport, seconds: float = 100.0) -> Any:
    return transport.submit(MODEL, BODY, deadline=Deadline(seconds), fingerprint="f")


def envelope(code: int, data: Any = None, message: str = "") -> str:
    return json.dumps({"code": code, "message": message, "data": data})


# --- answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (302, "", errors.APIError),
        (400, envelope(400, {"error": "duration must be 5 or 8"}, "Bad Request"),
         errors.BadRequestError),
        (403, "<html><body>Request blocked by the firewall</body></html>",
         errors.PermissionDeniedError),
        (407, "Proxy Authentication Required", errors.APIError),
        (413, "<html><center>413 Request Entity Too Large</center></html>", errors.APIError),
        (200, envelope(400, None, "insufficient role"), errors.BadRequestError),
    ],
)
@responses.activate
def test_a_refusal_is_typed_and_sent_once(status: int, body: str, error: type) -> None:
    responses.add(responses.POST, URL, status=status, body=body)
    transport, sleeps = make()
    with pytest.raises(error) as raised:
        submit(transport)
    assert not isinstance(raised.value, errors.SubmissionUncertainError)
    assert len(responses.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (502, "<html>Bad Gateway</html>"),
        (503, envelope(503, None, "Service Unavailable")),
        (504, ""),
        (200, envelope(500, None, "upload failed")),
        (200, "<html>a proxy's page</html>"),
        (200, envelope(200, {"status": "created"})),
        (201, envelope(200, {"id": ""})),
    ],
)
@responses.activate
def test_an_answer_that_names_no_job_may_still_have_made_one(status: int, body: str) -> None:
    responses.add(responses.POST, URL, status=status, body=body)
    transport, sleeps = make()
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        submit(transport)
    assert raised.value.status_code == status
    assert len(responses.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [200, 500, 504])
@responses.activate
def test_an_answer_naming_a_job_is_that_job_whatever_its_status(status: int) -> None:
    responses.add(
        responses.POST, URL, status=status, body=envelope(status, {"id": "abc123", "status": "x"})
    )
    transport, _ = make()
    assert submit(transport)["id"] == "abc123"


@pytest.mark.parametrize("status", [408, 429])
@responses.activate
def test_408_and_429_are_sent_again(status: int) -> None:
    responses.add(responses.POST, URL, status=status, headers={"Retry-After": "1"})
    responses.add(responses.POST, URL, body=envelope(200, {"id": "abc123"}))
    transport, sleeps = make()
    assert submit(transport)["id"] == "abc123"
    assert sleeps == [1.0]


@responses.activate
def test_a_429_without_retry_after_waits_for_the_minute_window() -> None:
    responses.add(responses.POST, URL, status=429)
    responses.add(responses.POST, URL, body=envelope(200, {"id": "abc123"}))
    transport, sleeps = make()
    assert submit(transport)["id"] == "abc123"
    assert sleeps == [60.0]


@responses.activate
def test_a_429_whose_window_outlasts_the_deadline_is_a_rate_limit_error_at_once() -> None:
    responses.add(responses.POST, URL, status=429)
    transport, sleeps = make()
    with pytest.raises(errors.RateLimitError):
        submit(transport, seconds=30)
    assert sleeps == []


@responses.activate
def test_submits_have_their_own_retry_budget() -> None:
    for _ in range(4):
        responses.add(responses.POST, URL, status=429, headers={"Retry-After": "0"})
    transport, _ = make(submit_policy=RetryPolicy(max_retries=2).for_submits())
    with pytest.raises(errors.RateLimitError):
        submit(transport)
    assert len(responses.calls) == 3


@responses.activate
def test_an_error_says_the_most_specific_reason_and_keeps_the_body() -> None:
    body = json.dumps({"code": 400, "message": "Bad Request",
                       "data": {"error": "duration must be 5 or 8", "error_code": "E1001"}})
    responses.add(responses.GET, f"{BASE}/api/v3/balance", status=400, body=body)
    transport, _ = make()
    with pytest.raises(errors.BadRequestError) as raised:
        transport.call("GET", "balance", deadline=Deadline(5))
    assert str(raised.value) == (
        "HTTP 400: duration must be 5 or 8 (Bad Request) [error_code E1001]"
    )
    assert raised.value.error_code == "E1001"
    assert raised.value.body == body


@responses.activate
def test_an_undocumented_status_is_an_api_error_saying_what_came_back() -> None:
    responses.add(responses.GET, f"{BASE}/api/v3/balance", status=402,
                  body=envelope(402, {"error": "insufficient balance"}, "Payment Required"))
    transport, _ = make()
    with pytest.raises(errors.APIError) as raised:
        transport.call("GET", "balance", deadline=Deadline(5))
    assert type(raised.value) is errors.APIError
    assert "insufficient balance" in str(raised.value)
    assert "does not document" in str(raised.value)


# --- connections -------------------------------------------------------------------------------


class CutHandshake(AcceptLoop):
    """A TCP server that accepts and closes at once: TLS never completes."""

    accepted = 0

    def handle(self, connection: socket.socket) -> None:
        self.accepted += 1
        connection.close()


def test_a_tls_handshake_that_fails_is_not_sent_so_a_submit_is_retried() -> None:
    server = CutHandshake()
    try:
        transport, sleeps = make(f"https://127.0.0.1:{server.port}")
        with pytest.raises(errors.APIConnectionError) as raised:
            submit(transport)
    finally:
        server.close()
    assert not isinstance(raised.value, errors.SubmissionUncertainError)
    assert server.accepted == 3
    assert sleeps == [0.5, 1.0]


@pytest.fixture
def https_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTPS server on loopback whose certificate no default trust store accepts."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            paths.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", paths
    server.shutdown()
    thread.join()
    server.server_close()


def test_a_refused_certificate_is_not_retried(https_server: tuple[str, list[str]]) -> None:
    url, paths = https_server
    transport, sleeps = make(url)
    with pytest.raises(errors.APIConnectionError, match="TLS failed") as raised:
        submit(transport)
    assert not isinstance(raised.value, errors.SubmissionUncertainError)
    assert sleeps == []
    assert paths == []


def test_an_unreachable_proxy_is_a_failure_to_connect() -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]

    def factory() -> requests.Session:
        session = requests.Session()
        session.proxies = {"https": f"http://127.0.0.1:{port}"}
        return session

    transport, sleeps = make(session_factory=factory)
    with pytest.raises(errors.APIConnectionError) as raised:
        submit(transport)
    assert not isinstance(raised.value, errors.SubmissionUncertainError)
    assert sleeps == [0.5, 1.0]


def test_loopback_hosts_never_go_through_environment_proxies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with FakeWaveSpeed() as fake:
        transport, _ = make(fake.url, api_key=fake.api_key)
        assert transport.call("GET", "balance", deadline=Deadline(5)) is not None


def test_tls_failing_after_the_request_was_sent_is_uncertain(tmp_path: Any) -> None:
    """The server read the whole POST (the job exists), then the TLS stream broke: never
    APIConnectionError, which a generic handler would resend."""
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with context.wrap_socket(connection, server_side=True) as tls:
            data = b""
            while b"\r\n\r\n" not in data or not data.endswith(b"}"):
                data += tls.recv(65536)
            received.append(data)
            os.write(tls.fileno(), b"\x15\x03\x03\x00\x02garbage")  # not a TLS record: broken

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def factory() -> requests.Session:
        session = requests.Session()
        session.verify = str(ca_file)
        return session

    port = listener.getsockname()[1]
    transport, sleeps = make(f"https://127.0.0.1:{port}", session_factory=factory)
    with pytest.raises(errors.SubmissionUncertainError):
        submit(transport)
    thread.join(timeout=2)
    listener.close()
    assert len(received) == 1
    assert sleeps == []
