"""The TLS verification a ``session_factory`` sets on its session wins over ``REQUESTS_CA_BUNDLE``
and ``CURL_CA_BUNDLE``, for API calls and downloads alike, over real TLS on loopback."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

import wavevid
from wavevid import errors

VIDEO = b"\x00\x00\x00\x18ftypmp42 a video"
ENVIRONMENT_BUNDLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/api/v3/balance":
            body = json.dumps({"code": 200, "message": "success", "data": {"balance": 12.5}})
            self.answer(body.encode(), "application/json")
        else:
            self.answer(VIDEO, "video/mp4")

    def answer(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The server's context under key ``"server"`` aside, two CA files: ``ours`` signed the
    server's certificate, ``other`` did not."""
    trustme = pytest.importorskip("trustme")
    folder = tmp_path_factory.mktemp("ca")
    files = {}
    for name in ("ours", "other"):
        authority = trustme.CA()
        authority.cert_pem.write_to_path(str(folder / f"{name}.pem"))
        files[name] = str(folder / f"{name}.pem")
        if name == "ours":
            authority.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
                str(folder / "server.pem")
            )
    files["server"] = str(folder / "server.pem")
    return files


@pytest.fixture
def server(bundles: dict[str, str]) -> Iterator[str]:
    """An HTTPS server on loopback that answers a balance and any other GET with a video."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(bundles["server"])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        thread.join()
        httpd.server_close()


def client_with(url: str, verify: str | bool | None) -> wavevid.Client:
    def factory() -> requests.Session:
        session = requests.Session()
        if verify is not None:
            session.verify = verify
        return session

    return wavevid.Client(api_key="sk-ca-bundle-test", base_url=url, max_retries=0,
                          request_timeout=5.0, session_factory=factory)


@pytest.mark.parametrize("variable", ENVIRONMENT_BUNDLES)
def test_a_sessions_ca_bundle_wins_over_the_environments(
    server: str, bundles: dict[str, str], variable: str, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv(variable, bundles["other"])
    with pytest.raises(errors.APIConnectionError, match="TLS failed"):
        client_with(server, None).balance()  # a session left at verify=True follows it
    client = client_with(server, bundles["ours"])
    assert client.balance() == Decimal("12.5")
    saved = client.download(f"{server}/out.mp4", tmp_path / "out.mp4")
    assert saved.read_bytes() == VIDEO


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_session_without_verification_stays_without_it(
    server: str, bundles: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundles["other"])
    assert client_with(server, False).balance() == Decimal("12.5")
