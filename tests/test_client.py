"""Client configuration: environment, defaults, lifecycle."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid.testing import FakeWaveSpeed


def test_balance(wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed) -> None:
    fake_wavespeed.balance = 12.34
    assert wavevid_client.balance() == Decimal("12.34")


def test_key_and_base_url_come_from_the_environment(
    fake_wavespeed: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake_wavespeed.url)
    client = wavevid.Client()
    assert client.base_url == fake_wavespeed.url
    assert client.balance() == Decimal("100.0")


def test_the_default_base_url_is_the_real_service() -> None:
    assert wavevid.Client(api_key="k").base_url == "https://api.wavespeed.ai"


def test_no_key_is_fine_until_the_first_request(fake_wavespeed: FakeWaveSpeed) -> None:
    client = wavevid.Client(base_url=fake_wavespeed.url)
    assert client.catalog.get("ltx-2-pro").path == "lightricks/ltx-2-pro/text-to-video"
    with pytest.raises(wavevid.ConfigurationError, match="no API key"):
        client.balance()
    assert fake_wavespeed.requests == []


def test_catalog_paths_come_after_the_environment(
    write_catalog: WriteCatalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = "version: 1\nmodels:\n  ltx-2-pro: {extends: ltx-2-pro, title: %s}\n"
    monkeypatch.setenv("WAVEVID_CATALOG_PATH", str(write_catalog(entry % "env", folder="env")))
    argument: Path = write_catalog(entry % "argument", folder="argument")
    client = wavevid.Client(api_key="k", catalog_paths=[argument])
    assert client.catalog.get("ltx-2-pro").title == "argument"
    assert client.catalog is client.catalog  # read once


def test_a_closed_client_reconnects(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    wavevid_client.balance()
    wavevid_client.close()
    wavevid_client.balance()
    first, second = (record.connection_id for record in fake_wavespeed.requests)
    assert first != second


def test_context_manager_closes(fake_wavespeed: FakeWaveSpeed) -> None:
    with wavevid.Client(api_key=fake_wavespeed.api_key, base_url=fake_wavespeed.url) as client:
        client.balance()
        client.balance()
    client.balance()
    ids = [record.connection_id for record in fake_wavespeed.requests]
    assert ids[0] == ids[1] != ids[2]


def test_repr_names_the_host_only() -> None:
    client = wavevid.Client(api_key="sk-very-secret-value", base_url="http://127.0.0.1:9")
    assert repr(client) == "<wavevid.Client http://127.0.0.1:9>"


def test_importing_wavevid_does_not_import_requests() -> None:
    code = (
        "import sys, wavevid; wavevid.load_catalog().get('ltx-2-fast');"
        " print('requests' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_session_factory_makes_each_threads_session(fake_wavespeed: FakeWaveSpeed) -> None:
    import threading

    import requests

    made: list[requests.Session] = []

    def factory() -> requests.Session:
        session = requests.Session()
        session.headers["X-Corporate-Proxy"] = "yes"
        made.append(session)
        return session

    client = wavevid.Client(
        api_key=fake_wavespeed.api_key, base_url=fake_wavespeed.url, session_factory=factory
    )
    threads = [threading.Thread(target=client.balance) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.balance()
    client.balance()
    assert len(made) == 4  # three threads, and this one once
    records = fake_wavespeed.requests
    assert all(r.header("X-Corporate-Proxy") == "yes" for r in records)
    assert all((r.header("User-Agent") or "").startswith("wavevid/") for r in records)


def test_a_pasted_key_loses_its_newline_but_not_its_secrecy() -> None:
    client = wavevid.Client(api_key="  sk-pasted-key-123\n", base_url="http://127.0.0.1:9")
    assert client._transport._api_key == "sk-pasted-key-123"
    with pytest.raises(wavevid.ConfigurationError) as raised:
        wavevid.Client(api_key="sk-broken\nkey-123")
    assert "sk-broken" not in str(raised.value)


def test_credentials_in_the_base_url_are_refused_without_being_shown() -> None:
    with pytest.raises(wavevid.ConfigurationError) as raised:
        wavevid.Client(api_key="k", base_url="https://user:sk-secret-123@api.wavespeed.ai")
    assert "sk-secret-123" not in str(raised.value)
