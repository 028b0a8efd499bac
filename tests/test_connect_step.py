"""The connection is opened as a step of its own before the request is written, so a failure
there is known not to have sent anything: a proxy that refuses CONNECT leaves a submit certain
(retried, never SubmissionUncertainError), with wavevid's sessions and a user's alike."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
from loopback import AcceptLoop
from requests.adapters import HTTPAdapter

from wavevid import errors
from wavevid._deadline import Deadline
from wavevid._retry import Failure, RetryPolicy, classify
from wavevid._sessions import Sessions, StepAdapter
from wavevid._transport import Transport

MODEL = "lightricks/ltx-2-fast/text-to-video"
BODY = {"prompt": "a fox"}


class RefusingProxy(AcceptLoop):
    """An HTTP proxy on loopback that answers every CONNECT with 403, counting them."""

    def __init__(self) -> None:
        self.connects = 0
        super().__init__()

    def handle(self, connection: socket.socket) -> None:
        with connection:
            if connection.recv(65536).startswith(b"CONNECT "):
                self.connects += 1
            connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def proxy() -> Iterator[RefusingProxy]:
    server = RefusingProxy()
    yield server
    server.close()


def transport_through(proxy: RefusingProxy, sleeps: list[float]) -> Transport:
    def factory() -> requests.Session:
        session = requests.Session()  # a user's session: stock adapters
        session.proxies = {"https": proxy.url}
        return session

    return Transport(
        api_key="sk-test-123", base_url="https://127.0.0.1:9", request_timeout=2.0,
        policy=RetryPolicy(max_retries=2, random=lambda: 0.0), session_factory=factory,
        sleep=sleeps.append,
    )


def test_a_refused_proxy_connect_is_not_sent_so_the_submit_is_retried(
    proxy: RefusingProxy,
) -> None:
    sleeps: list[float] = []
    transport = transport_through(proxy, sleeps)
    with pytest.raises(errors.APIConnectionError) as raised:
        transport.submit(MODEL, BODY, deadline=Deadline(10), fingerprint="f")
    assert not isinstance(raised.value, errors.SubmissionUncertainError)
    assert "gave up after the allowed retries" in str(raised.value)
    assert proxy.connects == 3
    assert sleeps == [0.5, 1.0]


def test_a_user_sessions_stock_adapters_get_the_connect_step() -> None:
    def factory() -> requests.Session:
        session = requests.Session()
        session.mount("https://", HTTPAdapter(pool_connections=7, pool_maxsize=5))
        return session

    session = Sessions(factory).current().session
    adapter = session.get_adapter("https://example.com/")
    assert isinstance(adapter, StepAdapter)
    assert (adapter.poolmanager.connection_pool_kw["maxsize"], len(adapter.poolmanager.pools)) \
        == (5, 0)
    assert adapter.poolmanager.pool_classes_by_scheme["https"].__name__ == "_TLSPool"


def test_a_custom_adapter_is_left_alone() -> None:
    class Mine(HTTPAdapter):
        pass

    def factory() -> requests.Session:
        session = requests.Session()
        session.mount("https://", Mine())
        return session

    session = Sessions(factory).current().session
    assert type(session.get_adapter("https://example.com/")) is Mine


def test_a_read_failure_is_never_taken_for_a_connect_failure() -> None:
    cut = requests.exceptions.ConnectionError("Connection aborted.")
    assert classify(cut) is Failure.NO_ANSWER
