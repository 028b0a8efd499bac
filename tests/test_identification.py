"""Recovery from an uncertain submit only on positive identification: never someone else's
video. WaveSpeed's history covers the whole account (the web playground too), so jobs made by
"a colleague" (another client on the same key) sit in the same window."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import responses

import wavevid
from wavevid import errors
from wavevid._recovery import input_digests, inputs_match
from wavevid.testing import FakeWaveSpeed, Fault

MODEL = "ltx-2-fast"
FAST = (0.0, 0.05)  # recovery looks, seconds after the failure


def client_for(fake: FakeWaveSpeed, **options: Any) -> wavevid.Client:
    settings: dict[str, Any] = {"api_key": fake.api_key, "base_url": fake.url,
                                "poll_interval": 0.05, "recovery_delays": FAST, **options}
    return wavevid.Client(**settings)


def uncertain(client: wavevid.Client, **values: Any) -> errors.SubmissionUncertainError:
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        client.submit(MODEL, **values)
    return raised.value


def test_generate_continues_with_the_job_its_dropped_submit_created(
    fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    colleague = client_for(fake_wavespeed)
    colleague.submit(MODEL, prompt="a colleague's fox")  # same model, same window
    fake_wavespeed.add_fault(Fault("submit", drop=True, when={"prompt": "my fox"}))
    result = client_for(fake_wavespeed).generate(
        MODEL, prompt="my fox", output_path=tmp_path / "fox.mp4"
    )
    mine = [job for job in fake_wavespeed.jobs.values() if job.input["prompt"] == "my fox"]
    assert [result.job_id] == [job.id for job in mine]
    assert len(fake_wavespeed.jobs) == 2  # nothing was submitted twice
    assert result.parameters["prompt"] == "my fox"


def test_two_identical_inputs_in_the_window_are_never_adopted(
    fake_wavespeed: FakeWaveSpeed, tmp_path: Path
) -> None:
    client_for(fake_wavespeed).submit(MODEL, prompt="the same fox")  # a colleague, same input
    fake_wavespeed.add_fault(Fault("submit", drop=True))
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        client_for(fake_wavespeed).generate(MODEL, prompt="the same fox",
                                            output_path=tmp_path / "fox.mp4")
    assert {candidate.id for candidate in raised.value.candidates} == set(fake_wavespeed.jobs)
    assert all(candidate.status for candidate in raised.value.candidates)
    assert not (tmp_path / "fox.mp4").exists()


def test_a_job_this_client_submitted_is_never_a_candidate(
    fake_wavespeed: FakeWaveSpeed,
) -> None:
    client = client_for(fake_wavespeed)
    first = client.submit(MODEL, prompt="twice the same")
    fake_wavespeed.add_fault(Fault("submit", drop=True))
    error = uncertain(client, prompt="twice the same")
    found = client.find_submission(error)
    assert found is not None
    assert found.id != first.id
    assert set(fake_wavespeed.jobs) == {first.id, found.id}


def test_a_different_input_is_not_the_job(fake_wavespeed: FakeWaveSpeed) -> None:
    client = client_for(fake_wavespeed)
    fake_wavespeed.add_fault(Fault("submit", status=503))  # no job was created
    error = uncertain(client, prompt="mine", duration=8)
    client_for(fake_wavespeed).submit(MODEL, prompt="mine", duration=10)  # a colleague's
    assert client.find_submission(error) is None
    assert [candidate.id for candidate in error.candidates] == list(fake_wavespeed.jobs)


def test_a_job_outside_the_window_is_not_a_candidate(fake_wavespeed: FakeWaveSpeed) -> None:
    client = client_for(fake_wavespeed)
    fake_wavespeed.add_fault(Fault("submit", drop=True))
    error = uncertain(client, prompt="late")
    error.submitted_at = error.answered_at = error.submitted_at - dt.timedelta(hours=1)
    assert client.find_submission(error) is None
    assert error.candidates == []


def test_a_failed_search_keeps_the_uncertain_error(fake_wavespeed: FakeWaveSpeed) -> None:
    fake_wavespeed.add_fault(Fault("submit", drop=True))
    fake_wavespeed.add_fault(Fault("any", status=500, times=None))  # history unreachable after
    with pytest.raises(errors.SubmissionUncertainError):
        client_for(fake_wavespeed, max_retries=0).generate(MODEL, prompt="x", timeout=2)


def test_the_error_survives_a_round_trip_through_json(fake_wavespeed: FakeWaveSpeed) -> None:
    fake_wavespeed.add_fault(Fault("submit", drop=True))
    error = uncertain(client_for(fake_wavespeed), prompt="stored")
    again = errors.SubmissionUncertainError.from_dict(json.loads(json.dumps(error.to_dict())))
    assert again.to_dict() == error.to_dict()
    assert client_for(fake_wavespeed).find_submission(again) is not None


def test_inputs_match_by_value_on_every_key_sent() -> None:
    sent = {"prompt": "x", "duration": 8, "enable_sync_mode": True, "seed": -1}
    digests = input_digests(sent)
    assert "enable_sync_mode" not in digests
    assert inputs_match(digests, {"prompt": "x", "duration": 8.0, "seed": -1, "added": 1})
    assert not inputs_match(digests, {"prompt": "x", "duration": 8})  # seed missing
    assert not inputs_match(digests, {"prompt": "x", "duration": 10, "seed": -1})
    assert not inputs_match({}, {"prompt": "x"})


# --- paging that ends --------------------------------------------------------------------------


BASE = "https://api.example.test"
HISTORY = f"{BASE}/api/v3/predictions"


def item(n: int, created: str = "2026-12-01T10:00:00Z") -> dict[str, Any]:
    return {"id": f"job{n}", "model": "m/x", "status": "completed", "outputs": [],
            "created_at": created}


def page(*items: dict[str, Any]) -> str:
    return json.dumps({"code": 200, "message": "success", "data": {"page": 1, "items": items}})


def history_client() -> wavevid.Client:
    return wavevid.Client(api_key="sk-test-123", base_url=BASE)


@responses.activate
def test_paging_ends_when_a_server_ignores_the_page_number() -> None:
    responses.add(responses.POST, HISTORY, body=page(item(1), item(2)))
    jobs = list(history_client().list_jobs(page_size=2))
    assert [job.id for job in jobs] == ["job1", "job2"]
    assert len(responses.calls) == 2  # the second page had no new id


@responses.activate
def test_paging_ends_at_an_item_older_than_created_after() -> None:
    responses.add(responses.POST, HISTORY, body=page(
        item(1, "2026-12-01T10:00:05.123456789Z"), item(2, "2026-12-01T09:00:00Z")))
    since = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone.utc)
    jobs = list(history_client().list_jobs(created_after=since, page_size=2))
    assert [job.id for job in jobs] == ["job1"]
    assert len(responses.calls) == 1


@responses.activate
def test_paging_ends_after_the_most_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wavevid._history.HISTORY_MAX_PAGES", 3)
    counter = iter(range(1000))
    responses.add_callback(
        responses.POST, HISTORY,
        callback=lambda request: (200, {}, page(item(next(counter)), item(next(counter)))),
    )
    assert len(list(history_client().list_jobs(page_size=2))) == 6
    assert len(responses.calls) == 3
