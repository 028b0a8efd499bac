"""One client per process, made from settings.WAVEVID; the webhook secret fetched once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from videos.models import Status, VideoJob
from videos.tests.helpers import create
from videos.wavevid_client import get_client, get_webhook_secret
from wavevid.testing import FakeWaveSpeed


def test_every_thread_shares_one_client(fake):
    with ThreadPoolExecutor(max_workers=8) as pool:
        clients = set(pool.map(lambda _: get_client(), range(32)))

    assert len(clients) == 1
    (client,) = clients
    assert client.base_url == fake.url


def test_changed_settings_make_a_new_client(settings, fake):
    first = get_client()
    with FakeWaveSpeed() as other:
        settings.WAVEVID = {**settings.WAVEVID, "BASE_URL": other.url}
        assert get_client() is not first
        assert get_client().base_url == other.url


def test_the_webhook_secret_is_fetched_once(fake):
    assert get_webhook_secret() == get_webhook_secret() == fake.webhook_secret
    fetched = [r for r in fake.requests if r.path == "/api/v3/webhook/secret"]
    assert len(fetched) == 1


def test_a_configured_webhook_secret_is_never_fetched(client, settings, fake):
    settings.WAVEVID = {**settings.WAVEVID, "WEBHOOK_SECRET": fake.webhook_secret}
    video_id = create(client, prompt="a fox").json()["id"]
    fake.wait_for_webhooks(1)

    assert VideoJob.objects.get(pk=video_id).status == Status.COMPLETED
    assert not [r for r in fake.requests if r.path == "/api/v3/webhook/secret"]
