"""Client configuration: arguments, environment, defaults, sessions, lifecycle. What it
does against the API: test_client_end_to_end.py."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid import errors
from wavevid.testing import FakeWaveSpeed


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


@pytest.mark.parametrize("kind", [str, Path])
def test_one_catalog_folder_may_be_given_alone(
    write_catalog: WriteCatalog, kind: type[str | Path]
) -> None:
    entry = "version: 1\nmodels:\n  ltx-2-pro: {extends: ltx-2-pro, title: mine}\n"
    folder = kind(write_catalog(entry))  # a str or a Path, not a list of them
    client = wavevid.Client(api_key="k", catalog_paths=folder)
    assert client.catalog.get("ltx-2-pro").title == "mine"
    assert client.catalog.folders[-1] == Path(folder)


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


def test_the_default_client_follows_the_environment(
    fake_wavespeed: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wavevid._default_client import default_client

    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    first = default_client()
    assert default_client() is first
    with FakeWaveSpeed(processing_seconds=0.01) as other:
        monkeypatch.setenv("WAVESPEED_BASE_URL", other.url)
        assert default_client() is not first
        assert default_client().base_url == other.url


def test_a_bad_poll_interval_variable_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAVEVID_POLL_INTERVAL", "often")
    with pytest.raises(errors.ConfigurationError, match="WAVEVID_POLL_INTERVAL"):
        wavevid.Client(api_key="k")
