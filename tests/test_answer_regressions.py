"""Issue 14's typed-error and masking cases, each over real sockets: FakeWaveSpeed with faults
for odd answers, a raw loopback server for odd headers, and the command. Every case raised a raw
TypeError, ValueError, OverflowError or UnicodeEncodeError (or sent a request it must not, or
printed a signed query string) before the fix. The same families of answers, generated, are in
``test_answer_properties.py``."""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import math
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from raw_http import RawServer

import wavevid
from wavevid import errors
from wavevid.cli import inputs, main
from wavevid.results import VideoResult
from wavevid.testing import FakeWaveSpeed, Fault

MODEL = "lightricks/ltx-2-fast/text-to-video"
SIGNATURE = "X-Amz-Signature=0123456789abcdef"


@pytest.fixture
def client(fake: FakeWaveSpeed) -> Iterator[wavevid.Client]:
    with fake.client(recovery_delays=(0.0,)) as made:
        yield made


def answer(**data: Any) -> bytes:
    return json.dumps({"code": 200, "message": "success", "data": data}).encode()


def api_paths(fake: FakeWaveSpeed) -> list[str]:
    return [record.path for record in fake.requests]


# --- wrong types in a job's answer ---------------------------------------------------------------

ODD_FIELDS = {
    "outputs a number": {"outputs": 5},
    "timings a string": {"timings": "x"},
    "has_nsfw_contents a number": {"has_nsfw_contents": 1},
    "status a list": {"status": ["processing"]},
    "created_at past the calendar": {"created_at": "0001-01-01T00:00:00+05:00"},
}


@pytest.mark.parametrize("odd", ODD_FIELDS.values(), ids=list(ODD_FIELDS))
def test_a_submit_answer_with_fields_of_the_wrong_type_is_still_the_job(
    fake: FakeWaveSpeed, client: wavevid.Client, odd: dict[str, Any]
) -> None:
    """The job exists (and is billed): it is returned, the odd field read as absent."""
    fake.add_fault(Fault("submit", status=200, body=answer(id="abc123", **odd), create=True))
    job = client.submit("ltx-2-fast", prompt="a fox")
    assert job.id == "abc123"
    assert (job.outputs, job.timings, job.has_nsfw_contents) == ([], {}, [])
    assert job.status == "created"
    assert job.created_at is None
    assert len(fake.jobs) == 1


@pytest.mark.parametrize("job_id", ["../../balance", "a b", "abc\n"])
def test_a_submit_answer_naming_no_usable_job_id_is_uncertain(
    fake: FakeWaveSpeed, client: wavevid.Client, job_id: str
) -> None:
    """The job may exist but cannot be named: as an answer without an id, never a Job whose
    polls would leave /api/v3."""
    fake.add_fault(Fault("submit", status=200, body=answer(id=job_id), create=True))
    with pytest.raises(errors.SubmissionUncertainError):
        client.submit("ltx-2-fast", prompt="a fox")
    assert [path for path in api_paths(fake) if "predictions" in path] == []


def test_a_completed_poll_without_output_urls_is_a_download_error_with_the_job_id(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    fake.add_fault(Fault("poll", status=200, times=None, body=answer(
        id="ignored", status="completed", outputs=5, timings="x", has_nsfw_contents=1,
    )))
    with pytest.raises(errors.DownloadError, match="without an output URL") as raised:
        client.generate("ltx-2-fast", prompt="a fox", timeout=5)
    (job_id,) = fake.jobs
    assert raised.value.job_id == job_id


def test_a_reported_run_time_past_any_float_is_ignored(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    job = client.submit("ltx-2-fast", prompt="a fox")
    body = b'{"code": 200, "data": {"id": "%s", "status": "completed", "outputs": [],' \
        b' "timings": {"inference": 1%s}}}' % (job.id.encode(), b"0" * 400)
    fake.add_fault(Fault("poll", status=200, body=body, job_id=job.id))
    assert job.refresh().status == "completed"


def test_a_poll_answer_nested_past_the_stack_is_an_api_error_with_the_job_id() -> None:
    with RawServer() as server, wavevid.Client(api_key="sk-test", base_url=server.url) as client:
        server.answer = (200, [], b"[" * 100_000 + b"]" * 100_000)
        with pytest.raises(errors.APIError, match="not JSON") as raised:
            client.get_job("abc123")
    assert raised.value.job_id == "abc123"


# --- history items, in the recovery path ----------------------------------------------------------


def uncertain(fake: FakeWaveSpeed, client: wavevid.Client) -> errors.SubmissionUncertainError:
    fake.add_fault(Fault("submit", drop=True))
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        client.submit("ltx-2-fast", prompt="a fox")
    return raised.value


def history(*items: Any) -> bytes:
    return answer(page=1, items=list(items))


def test_history_items_that_name_no_job_are_skipped_and_nothing_leaves_the_api(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    error = uncertain(fake, client)
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    fake.add_fault(Fault("any", status=200, body=history(
        "a string", {"model": MODEL}, {"id": 5, "model": MODEL},
        {"id": "../../balance", "model": MODEL, "created_at": now},
        {"id": "x1", "model": MODEL, "created_at": "0001-01-01T00:00:00+05:00"},
    )))
    seen = len(fake.requests)
    assert client.find_submission(error) is None
    assert error.candidates == []
    assert api_paths(fake)[seen:] == ["/api/v3/predictions"]  # never GET /api/balance/result


def test_a_candidate_whose_input_is_nested_past_the_stack_is_never_identified(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    error = uncertain(fake, client)
    (job_id,) = fake.jobs
    deep = json.loads("[" * 600 + "]" * 600)
    fake.add_fault(Fault("any", status=200, body=history({
        "id": job_id, "model": MODEL,
        "created_at": fake.jobs[job_id].created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "input": dict.fromkeys(error.input_digests, deep),
    })))
    assert client.find_submission(error) is None
    assert [candidate.id for candidate in error.candidates] == [job_id]


def test_a_history_page_whose_items_are_not_a_list_is_an_api_error(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    error = uncertain(fake, client)
    fake.add_fault(Fault("any", status=200, body=answer(page=1, items=5), times=2))
    with pytest.raises(errors.APIError, match="items are not a list"):
        client.find_submission(error)
    with pytest.raises(errors.APIError, match="items are not a list"):
        list(client.list_jobs())


# --- download headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("length", ["²", "9" * 5000], ids=["superscript two", "5000 digits"])
def test_an_unreadable_content_length_is_no_length(tmp_path: Path, length: str) -> None:
    with RawServer() as server, wavevid.Client(api_key="sk-test", base_url=server.url) as client:
        server.answer = (200, [("Content-Length", length)], b"the video")
        saved = client.download(f"{server.url}/out.mp4", tmp_path / "v.mp4", timeout=5)
    assert saved.read_bytes() == b"the video"


@pytest.mark.parametrize("header", [
    "bytes 0-" + "9" * 5000 + "/" + "9" * 5000,
    "bytes 0-99999999999999999999/100000000000000000000",
    "bytes ²-³/⁴",
], ids=["5000 digits", "20 digits", "superscripts"])
def test_an_unreadable_content_range_is_a_download_error(tmp_path: Path, header: str) -> None:
    with RawServer() as server, wavevid.Client(api_key="sk-test", base_url=server.url) as client:
        server.answer = (206, [("Content-Range", header)], b"the video")
        with pytest.raises(errors.DownloadError, match="Content-Range"):
            client.download(f"{server.url}/out.mp4", tmp_path / "v.mp4", timeout=5)
    assert list(tmp_path.iterdir()) == []


# --- other answers and headers ------------------------------------------------------------------

PAST_ANY_CALENDAR = "Mon, 01 Jan 99999999999 00:00:00 GMT"


def test_dates_past_any_calendar_in_retry_after_and_date_are_ignored() -> None:
    with RawServer() as server, wavevid.Client(
        api_key="sk-test", base_url=server.url, max_retries=0
    ) as client:
        server.answer = (429, [("Retry-After", PAST_ANY_CALENDAR)], b"")
        with pytest.raises(errors.RateLimitError) as raised:
            client.balance(timeout=5)
        assert raised.value.retry_after is None
        server.answer = (200, [("Date", PAST_ANY_CALENDAR)], answer(balance=1.5))
        assert client.balance(timeout=5) == decimal.Decimal("1.5")


@pytest.mark.parametrize("balance", ["abc", "NaN", "-Infinity", True])
def test_a_balance_that_is_not_a_number_is_an_api_error(
    fake: FakeWaveSpeed, client: wavevid.Client, balance: Any
) -> None:
    fake.add_fault(Fault("any", status=200, body=answer(balance=balance)))
    with pytest.raises(errors.APIError, match="has no balance"):
        client.balance()


@pytest.mark.parametrize("headers", [{"x-meta": "ключ"}, {"ключ": "x"}, {"x": "a\r\nb"}],
                         ids=["value outside Latin-1", "name outside ASCII", "line break"])
def test_upload_ticket_headers_that_cannot_be_sent_are_an_api_error(
    fake: FakeWaveSpeed, client: wavevid.Client, headers: dict[str, str]
) -> None:
    ticket = answer(upload={"method": "PUT", "url": f"{fake.url}/upload/x", "headers": headers},
                    download_url=f"{fake.url}/media/x.png")
    fake.add_fault(Fault("upload", status=200, body=ticket))
    with pytest.raises(errors.APIError, match="not HTTP headers"):
        client.upload(b"\x89PNG\r\n\x1a\n" + bytes(16))


def test_an_api_path_never_leaves_the_api_prefix(client: wavevid.Client) -> None:
    for path in ("predictions/../../balance", "a//b", "./a"):
        with pytest.raises(errors.ConfigurationError, match="not an API path"):
            client._transport.api_url(path)


# --- API keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["sk-ключ-0123456789", "sk-“quoted”-0123", "sk-\x00-0123456789"],
                         ids=["cyrillic", "typographic quotes", "a control character"])
def test_a_key_an_http_header_cannot_carry_is_a_configuration_error_without_it(
    fake: FakeWaveSpeed, key: str
) -> None:
    with pytest.raises(errors.ConfigurationError, match="HTTP header cannot carry") as raised:
        wavevid.Client(api_key=key, base_url=fake.url)
    assert key not in str(raised.value)
    assert "sk-" not in str(raised.value)
    assert fake.requests == []


def test_the_command_refuses_such_a_key_in_one_line_without_it(
    fake: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", "sk-ключ-0123456789")
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake.url)
    assert main(["balance"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "ключ" not in err
    assert "Traceback" not in err


def test_a_padded_key_is_sent_stripped_and_redacted_stripped() -> None:
    key = f"sk-pad-{uuid.uuid4().hex}"
    with FakeWaveSpeed(api_key=key) as fake, fake.client(api_key=f"  {key}\n") as client:
        assert client.balance() == decimal.Decimal("100.0")
        quoted = json.dumps({"code": 401, "message": f"key {key} was revoked"}).encode()
        fake.add_fault(Fault("any", status=401, body=quoted))
        with pytest.raises(errors.AuthenticationError) as raised:
            client.balance()
    assert key not in f"{raised.value} {raised.value.body}"
    assert "***" in str(raised.value)


# --- bodies JSON cannot carry -------------------------------------------------------------------

NOT_JSON = {
    "NaN": {"seed": math.nan},
    "infinity": {"seed": -math.inf},
    "Decimal": {"seed": decimal.Decimal("1")},
    "datetime": {"seed": dt.datetime(2026, 1, 1)},
    "nested Path": {"loras": [{"path": Path("a.safetensors")}]},
    "set": {"tags": {"a"}},
    "huge int": {"seed": 10**5000},
    "nested too deep": {"x": json.loads("[" * 500 + "]" * 500)},
    "key not a string": {"extra": {1: "a"}},
}


@pytest.mark.parametrize("values", NOT_JSON.values(), ids=list(NOT_JSON))
@pytest.mark.parametrize("model", ["ltx-2-fast", "vendor/not-in-the-catalog"])
def test_an_unvalidated_body_json_cannot_carry_is_refused_before_any_request(
    fake: FakeWaveSpeed, client: wavevid.Client, model: str, values: dict[str, Any]
) -> None:
    with pytest.raises(errors.InvalidParametersError) as raised:
        client.submit(model, {"prompt": "a fox", **values}, validate=False)
    (problem,) = raised.value.errors
    assert problem.parameter.split(".")[0].split("[")[0] in values
    assert fake.requests == []


# --- model paths and job ids --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["x/../../balance", "a//b", "a/./b", "a/b c", "a/%2e%2e/b", "a/b\n"]
)
def test_a_path_that_is_not_a_model_path_is_refused_before_any_request(
    fake: FakeWaveSpeed, client: wavevid.Client, path: str
) -> None:
    with pytest.raises(errors.UnknownModelError, match="nor a WaveSpeed model path"):
        client.submit(path, prompt="a fox")
    assert fake.requests == []


def test_a_bad_job_id_is_refused_before_any_request(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    with pytest.raises(errors.InvalidParametersError, match="not a WaveSpeed job id"):
        client.get_job("../etc")
    with pytest.raises(ValueError, match="not a WaveSpeed job id"):  # as before: a ValueError
        client.get_job("abc\n")
    assert fake.requests == []


@pytest.fixture
def cli(fake: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch) -> FakeWaveSpeed:
    """The command's client bound to the fake, polling fast."""
    monkeypatch.setenv("WAVESPEED_API_KEY", fake.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake.url)

    def fast_client(arguments: argparse.Namespace) -> wavevid.Client:
        return wavevid.Client(catalog_paths=arguments.catalog, poll_interval=0.01)

    monkeypatch.setattr(inputs, "client_for", fast_client)
    return fake


@pytest.mark.parametrize(("argv", "said"), [
    (["status", "../etc"], "'../etc' is not a WaveSpeed job id"),
    (["wait", "../etc", "-o", "v.mp4"], "'../etc' is not a WaveSpeed job id"),
    (["submit", "x/../../balance", "--prompt", "a fox"], "'x/../../balance' is neither a model"),
])
def test_the_command_answers_a_bad_job_id_or_path_in_one_line_with_exit_2(
    cli: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"wavevid: {said}")
    assert cli.requests == []


# --- signed query strings -----------------------------------------------------------------------


def completed_with_signed_output(fake: FakeWaveSpeed, client: wavevid.Client) -> str:
    """A completed job whose polls answer its output URL with a signed query string."""
    job = client.submit("ltx-2-fast", prompt="a fox")
    fake.finish(job.id)
    url = f"{fake.url}/outputs/{job.id}.mp4?{SIGNATURE}"
    fake.add_fault(Fault("poll", status=200, times=None, body=answer(
        id=job.id, model=MODEL, status="completed", outputs=[url], error=f"see {url}",
    )))
    return job.id


@pytest.mark.parametrize("argv", [["status"], ["status", "--json"], ["wait", "--no-download"]])
def test_status_and_wait_mask_signed_query_strings(
    cli: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], argv: list[str], tmp_path: Path
) -> None:
    with cli.client() as client:
        job_id = completed_with_signed_output(cli, client)
    assert main([argv[0], job_id, *argv[1:]]) == 0
    out = capsys.readouterr().out
    assert SIGNATURE not in out
    assert f"/outputs/{job_id}.mp4?***" in out


def test_wait_downloads_the_real_url_and_prints_it_masked(
    cli: FakeWaveSpeed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with cli.client() as client:
        job_id = completed_with_signed_output(cli, client)
    assert main(["wait", job_id, "-o", str(tmp_path / "v.mp4")]) == 0
    assert (tmp_path / "v.mp4").read_bytes() == cli.video_for(job_id)
    assert SIGNATURE not in capsys.readouterr().out
    (download,) = [r for r in cli.requests if r.path.startswith("/outputs/")]
    assert download.query == dict([SIGNATURE.split("=")])  # the signature was used


def test_a_video_result_repr_masks_signed_query_strings_and_keeps_them_in_the_data(
    fake: FakeWaveSpeed, client: wavevid.Client
) -> None:
    completed_with_signed_output(fake, client)
    result = client.generate("ltx-2-fast-i2v", prompt="a fox", image=f"https://s.test/i?{SIGNATURE}")
    assert SIGNATURE not in repr(result)
    assert SIGNATURE not in repr(wavevid.BatchItem({"input": {"image": result.url}}, None, result))
    assert "?***" in repr(result)
    assert result.url.endswith(SIGNATURE)
    assert result.to_dict()["video_url"] == result.url
    assert result.parameters["image"].endswith(SIGNATURE)
    assert isinstance(result, VideoResult)


def test_a_balance_too_large_to_be_one_is_an_api_error(fake_wavespeed: FakeWaveSpeed) -> None:
    body = b'{"code": 200, "data": {"balance": "1e999999999"}}'
    fake_wavespeed.add_fault(Fault("any", status=200, body=body))
    with pytest.raises(errors.APIError, match="no balance"):
        fake_wavespeed.client().balance(timeout=2)
