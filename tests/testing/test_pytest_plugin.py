"""The pytest plugin's fake fixtures configured per test: ``@pytest.mark.wavevid_fake`` markers
(module, class, test) and ``make_fake_wavespeed``, whose fakes are stopped and checked after the
test."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest

from wavevid.testing import FakeWaveSpeed
from wavevid.testing._jobs import Plan
from wavevid.testing.pytest_plugin import MakeFakeWaveSpeed

pytestmark = pytest.mark.wavevid_fake(processing_seconds=3, queue_seconds=2, api_key="sk-module")


def plan_of_a_job(fake: FakeWaveSpeed) -> Plan:
    """Submit one job and return its plan: the fake's job times."""
    with fake.client() as client:
        job = client.submit("ltx-2-fast", prompt="a fox")
    return fake.jobs[job.id].plan


def test_a_modules_marker_configures_the_fake(fake_wavespeed: FakeWaveSpeed) -> None:
    plan = plan_of_a_job(fake_wavespeed)
    assert (fake_wavespeed.api_key, plan.queue_seconds, plan.processing_seconds) == (
        "sk-module", 2, 3,
    )  # fmt: skip


class TestNestedMarkers:
    pytestmark = pytest.mark.wavevid_fake(queue_seconds=1, api_key="sk-class")

    @pytest.mark.wavevid_fake(api_key="sk-test")
    def test_the_closest_marker_wins_option_by_option(self, fake_wavespeed: FakeWaveSpeed) -> None:
        plan = plan_of_a_job(fake_wavespeed)
        assert (fake_wavespeed.api_key, plan.queue_seconds, plan.processing_seconds) == (
            "sk-test", 1, 3,
        )  # fmt: skip


def test_the_factorys_options_win_over_the_markers(
    make_fake_wavespeed: MakeFakeWaveSpeed, fake_wavespeed: FakeWaveSpeed
) -> None:
    other = make_fake_wavespeed(api_key="sk-other")
    plan = plan_of_a_job(other)
    assert (other.api_key, plan.queue_seconds, plan.processing_seconds) == ("sk-other", 2, 3)
    assert other.url != fake_wavespeed.url
    assert fake_wavespeed.api_key == "sk-module"


FACTORY_TESTS = '''
import pytest
import requests

RAW = "wavespeed-ai/ltx-2.5/image-to-video"  # the fake serves it, unvalidated by the client
URLS = []


def test_two_fakes(make_fake_wavespeed):
    URLS.extend(make_fake_wavespeed().url for _ in range(2))


@pytest.mark.parametrize("index", [0, 1])
def test_both_are_stopped_after_the_test(index):
    with pytest.raises(requests.ConnectionError):
        requests.get(URLS[index], timeout=2)


def test_the_second_fakes_dropped_keys(make_fake_wavespeed):
    make_fake_wavespeed()
    with make_fake_wavespeed().client() as client:
        client.submit(RAW, input={"prompt": "a fox", "timout": 3})
'''


def test_every_fake_made_is_stopped_and_checked_after_the_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["wavevid.testing.pytest_plugin"]\n')
    (tmp_path / "test_factory.py").write_text(FACTORY_TESTS)
    monkeypatch.chdir(tmp_path)
    arguments = ["-q", "-p", "no:cacheprovider", "--import-mode=importlib", "-W",
                 "ignore::UserWarning", "--strict-markers", "-rE", "test_factory.py"]  # fmt: skip
    with mock.patch.dict(os.environ, {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}):
        exit_code = pytest.main(arguments)
    out = capsys.readouterr().out
    assert exit_code == pytest.ExitCode.TESTS_FAILED
    assert "4 passed, 1 error" in out
    assert "ERROR test_factory.py::test_the_second_fakes_dropped_keys" in out
    assert "(wavespeed-ai/ltx-2.5/image-to-video): timout" in out
