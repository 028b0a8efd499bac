"""Secrets are redacted while a client holds them, and redaction costs nothing unless a record
is made: a process that builds a client per customer key does not slow down with its history."""

from __future__ import annotations

import gc
import logging
import os
import signal
import time

import pytest

import wavevid
from wavevid import _logging
from wavevid._logging import redact
from wavevid.testing import FakeWaveSpeed

KEY = "sk-lifetime-0123456789abcdef"
WEBHOOK_SECRET = "webhook-lifetime-0123456789"  # no whsec_ prefix: only holding redacts it
TENANT_KEY = "sk-tenant-{:08d}-key"
CLIENTS = 50_000
pytestmark = pytest.mark.wavevid_fake(api_key=KEY, webhook_secret=WEBHOOK_SECRET)


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """No secret held yet, as in a new process: counts are this test's alone."""
    monkeypatch.setattr(_logging, "_secrets", _logging._Registry())


@pytest.fixture
def logging_off(caplog: pytest.LogCaptureFixture) -> None:
    """The default: nothing below WARNING is made, wavevid's and urllib3's records alike."""
    caplog.set_level(logging.WARNING, logger="wavevid")
    caplog.set_level(logging.WARNING, logger="urllib3")


@pytest.fixture
def redactions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every redaction, whoever calls it: each one reads the held secrets once."""
    calls: list[int] = []
    snapshot = _logging._Registry.snapshot

    def counted(registry: _logging._Registry) -> _logging._Snapshot:
        calls.append(1)
        return snapshot(registry)

    monkeypatch.setattr(_logging._Registry, "snapshot", counted)
    return calls


def collected() -> int:
    gc.collect()
    return _logging._secrets.count()


def test_a_key_is_redacted_until_its_last_client_is_collected(fake: FakeWaveSpeed) -> None:
    first = wavevid.Client(api_key=KEY, base_url=fake.url)
    second = wavevid.Client(api_key=f"  {KEY}\n", base_url=fake.url)  # used, and held, stripped
    first.close()
    second.close()  # closed clients stay usable: the key stays redacted
    assert redact(f"key={KEY};") == "key=***;"
    assert collected() == 1
    del first
    assert redact(f"key={KEY};") == "key=***;"  # the second client holds it still
    second.balance()
    del second
    assert collected() == 0
    assert redact(f"key={KEY};") == f"key={KEY};"


def test_a_job_keeps_its_clients_key_redacted(fake: FakeWaveSpeed) -> None:
    job = wavevid.Client(api_key=KEY, base_url=fake.url).submit("ltx-2-fast", prompt="x")
    assert collected() == 1  # the job can still make requests with the key
    del job
    assert collected() == 0


def test_the_webhook_secret_belongs_to_the_client_that_fetched_it(fake: FakeWaveSpeed) -> None:
    client = wavevid.Client(api_key=KEY, base_url=fake.url)
    for _ in range(3):
        assert client.webhook_secret() == WEBHOOK_SECRET
    assert collected() == 2  # the key and the webhook secret, each counted once
    assert redact(f"secret {WEBHOOK_SECRET}") == "secret ***"
    del client
    assert collected() == 0
    assert redact(f"secret {WEBHOOK_SECRET}") == f"secret {WEBHOOK_SECRET}"


def test_fifty_thousand_clients_leave_no_secret_and_no_cost_behind(
    logging_off: None, redactions: list[int]
) -> None:
    with FakeWaveSpeed(api_key=TENANT_KEY.format(0), processing_seconds=0.05) as fake:
        tenant = wavevid.Client(api_key=TENANT_KEY.format(0), base_url=fake.url,
                                poll_interval=0.01)
        idle = fake.url.replace("127.0.0.1", "localhost")  # never requested; quicker to check
        # The collector's passes over 50,000 live clients would take seconds: it leaves them
        # alone (frozen) until they are dropped.
        gc.disable()
        try:
            clients = [
                wavevid.Client(api_key=TENANT_KEY.format(number), base_url=idle)
                for number in range(1, CLIENTS)
            ]
            gc.freeze()
        finally:
            gc.enable()
        try:
            assert _logging._secrets.count() == CLIENTS
            job = tenant.submit("ltx-2-fast", prompt="a fox")
            redactions.clear()  # (a submit of an unverified model warns once, redacted)
            for _ in range(20):
                tenant.balance()
            job.wait(timeout=5)
            assert redactions == []  # no record made, no redaction run

            logging.getLogger("wavevid").setLevel(logging.DEBUG)
            tenant.balance()
            assert redactions  # the same request with its record made: redacted
        finally:
            gc.unfreeze()
    del clients, tenant, job
    assert collected() == 0


def test_many_held_secrets_are_redacted_as_few_are() -> None:
    class Tenant:
        pass

    tenants = [Tenant() for _ in range(2_000)]  # past the point where redaction scans
    secrets = [f"sk-many-{number:06d}-0123456789" for number in range(len(tenants))]
    for tenant, secret in zip(tenants, secrets, strict=True):
        _logging.hold_secret(tenant, secret)
    _logging.hold_secret(tenants[0], "sk-many-shorter-secret")
    text = (
        f"{secrets[7]} and {secrets[1999]}{secrets[3]} end{secrets[0]}"
        f" sk-many-shorter-secret sk-many-999999-0123456789 Bearer tok {secrets[5][:-1]}"
    )
    assert _logging._secrets.snapshot().scan
    assert redact(text) == (
        "*** and ****** end*** *** sk-many-999999-0123456789 Bearer *** "
        f"{secrets[5][:-1]}"
    )
    del tenants, tenant
    gc.collect()
    assert redact(secrets[7]) == secrets[7]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_redacts_although_a_parent_thread_held_the_lock() -> None:
    _logging.hold_secret(test_a_forked_child_redacts_although_a_parent_thread_held_the_lock, KEY)
    with _logging._secrets._lock:  # as another thread of the parent, at the moment of the fork
        child = os.fork()
        if child == 0:
            os._exit(0 if redact(KEY) == "***" else 1)
    ends = time.monotonic() + 2.0  # only a deadlocked child waits this long
    while (status := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < ends:
        time.sleep(0.005)
    if status[0] == 0:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        pytest.fail("the child never got the registry's lock")
    assert os.waitstatus_to_exitcode(status[1]) == 0
