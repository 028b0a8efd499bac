"""Any answer, only typed errors (issue 14): whatever WaveSpeed, a gateway or a CDN sends back,
in any position (the submit answer, a poll, a history page and its items, the balance, the
webhook secret, the model list, an upload ticket, an error body, the headers), a call returns
or raises a ``WavevidError`` subclass; never a raw ``TypeError``, ``ValueError``, ``KeyError``,
``AttributeError``, ``OverflowError`` or ``RecursionError``.

API answers come from ``responses`` (answer shapes without sockets: the file runs in a few
seconds); upload PUTs, downloads and API keys go over a loopback socket (``raw_http``), where
header bytes are encoded and parsed. The regression cases over real sockets are in
``test_answer_regressions.py``. Every property runs derandomized, as in ``test_properties.py``.
Hypothesis raises Python's recursion limit while a test runs, so nesting meant to pass the
stack goes deeper here (``nested(1500)``) than elsewhere.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from raw_http import RawServer

import wavevid
from wavevid._deadline import Deadline
from wavevid._download import download_to_bytes
from wavevid._generation import output_url
from wavevid._recovery import input_digests
from wavevid.cli import jobs as cli_jobs
from wavevid.errors import (
    AuthenticationError,
    ConfigurationError,
    DownloadError,
    SubmissionUncertainError,
    WavevidError,
)
from wavevid.jobs import Job

BASE = "https://api.example.test"
API = f"{BASE}/api/v3"
MODEL = "lightricks/ltx-2-fast/text-to-video"
CDN = "https://cdn.example.test/out.mp4"
KEY_MARK = "sk-prop-"  # every key generated here carries it: redaction never hits other tests
CREATED = "2026-01-01T00:00:00Z"


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        derandomize=True,
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )


def _no_sleep(seconds: float) -> None:
    """Retries and resumes wait in no time; deadlines still run on the real clock."""


def _client(**options: Any) -> wavevid.Client:
    settings_: dict[str, Any] = {
        "api_key": "sk-test-answers", "base_url": BASE, "max_retries": 1, "submit_retries": 1,
        "recovery_delays": (0.0,), "sleep": _no_sleep, **options,
    }
    return wavevid.Client(**settings_)


CLIENT = _client()
_ids = (f"prop{n}" for n in itertools.count())


def _mock() -> responses.RequestsMock:
    return responses.RequestsMock(assert_all_requests_are_fired=False)


def _typed(call: Callable[[], Any]) -> Any:
    """``call()``, or None when it raised a WavevidError; anything else fails the property."""
    try:
        return call()
    except WavevidError:
        return None


# --- strategies ---------------------------------------------------------------------------------

text = st.text(max_size=12)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | text
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=5,
)


Fields = dict[str, st.SearchStrategy[Any]]


def shaped(fields: Fields, required: Fields | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping with the ``required`` keys (plausible values) and any of ``fields``, each a
    plausible value or any JSON value at all."""
    required = required or {}
    optional = {key: value | json_values for key, value in fields.items() if key not in required}
    return st.fixed_dictionaries(required, optional=optional)


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested(depth: int) -> list[Any]:
    """Lists ``depth`` deep; deeper than the stack Python has outside Hypothesis (which raises
    the recursion limit while a test runs, so nesting that breaks elsewhere must go deeper)."""
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


STATUSES = ("created", "pending", "processing", "completed", "failed", "deleted", "weird")
TIMES = (CREATED, "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "yesterday")
good_ids = st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)
JOB_FIELDS: Fields = {
    "model": st.just(MODEL),
    "status": st.sampled_from(STATUSES),
    "outputs": st.lists(st.sampled_from([CDN, f"{CDN}?X-Amz-Signature=s3cr3t", "ftp://x", ""]),
                        max_size=2),
    "has_nsfw_contents": st.lists(st.booleans(), max_size=2),
    "created_at": st.sampled_from(TIMES),
    "timings": shaped({"inference": st.integers() | st.floats()}),
    "executionTime": st.integers() | st.floats(),
    "code": st.integers(),
    "error": text,
    "input": st.sampled_from([{"prompt": "a fox"}, {"prompt": nested(1500)}]),
    "inputs": st.just({"prompt": "a fox"}),
    "urls": shaped({"get": st.just(f"{API}/predictions/job1/result")}),
}
#: Any data at all, a job id or not.
job_data = shaped({"id": st.sampled_from(["../../balance", "a b", "", "x\n"]) | text, **JOB_FIELDS})
#: Data that names a job, every other field of any shape.
named_jobs = shaped(JOB_FIELDS, required={
    "id": good_ids, "status": JOB_FIELDS["status"] | json_values,
    "outputs": JOB_FIELDS["outputs"] | json_values,
})
#: A history item that is a recovery candidate (the model, in the submit's window).
candidates = shaped(JOB_FIELDS, required={
    "id": good_ids, "model": st.just(MODEL), "created_at": st.just(CREATED),
    "input": JOB_FIELDS["input"] | json_values,
})


def envelopes(data: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return shaped({
        "code": st.sampled_from([200, 400, 404, 500]),
        "message": text,
        "data": data,
        "error_code": text,
    })


def bodies(data: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return (
        envelopes(data).map(lambda value: json.dumps(value).encode())
        | json_values.map(lambda value: json.dumps(value).encode())
        | st.sampled_from([b"", b"<html>502 Bad Gateway</html>", deep(5000).encode(),
                           b'{"code": 200, "data": ' + b"1" * 5000 + b"}"])
        | st.binary(max_size=24)
    )


header_text = st.sampled_from([
    "0", "3", "-5", "1e400", "nan", "inf", "²", "٣", "9" * 5000, "",
    "Mon, 01 Jan 99999999999 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -1200",
    "Mon, 01 Jan 0001 00:00:00 +2359",
]) | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=24)
api_headers = shaped({"Retry-After": header_text, "Date": header_text,
                      "X-Request-Id": header_text}).map(
    lambda headers: {key: str(value) for key, value in headers.items()})
API_STATUSES = (200, 201, 204, 302, 400, 401, 402, 404, 408, 429, 500, 502)
api_statuses = st.sampled_from(API_STATUSES)
Answer = tuple[int, dict[str, str], bytes]


def answers(
    data: st.SearchStrategy[Any], good: st.SearchStrategy[Any] | None = None
) -> st.SearchStrategy[Answer]:
    """A 200 with a sound envelope around ``good`` data (its fields of any shape), or any
    status around any body."""
    sound = st.fixed_dictionaries(
        {"code": st.just(200), "data": data if good is None else good}, optional={"message": text}
    ).map(lambda value: json.dumps(value).encode())
    return st.tuples(st.just(200), api_headers, sound) | st.tuples(
        api_statuses, api_headers, bodies(data)
    )


def _add(mock: responses.RequestsMock, method: str, url: str | re.Pattern[str],
         answer: Answer) -> None:
    status, headers, body = answer
    mock.add(method, url, status=status, headers=headers, body=body)


POLL = re.compile(rf"{re.escape(API)}/predictions/[^/?]+/result")


# --- what a caller does with a job ----------------------------------------------------------------


def _use(job: Job) -> None:
    """Everything a caller reads from a job, and what the command prints of it."""
    repr(job)
    kinds = (job.id, job.status, job.outputs, job.error, job.has_nsfw_contents, job.timings)
    assert [type(value) for value in kinds] == [str, str, list, str, list, dict]
    assert job.id
    job.running_for()
    json.dumps(cli_jobs._job_summary(job))
    _typed(lambda: output_url(job))


# --- the properties -------------------------------------------------------------------------------


@_settings(80)
@given(answer=answers(job_data, named_jobs))
def test_a_submit_answer_of_any_shape_is_a_job_or_a_typed_error(
    answer: Answer,
) -> None:
    with _mock() as mock:
        _add(mock, "POST", f"{API}/{MODEL}", answer)
        job = _typed(lambda: CLIENT.submit(MODEL, prompt="a fox"))
    if job is not None:
        _use(job)


@_settings(80)
@given(answer=answers(job_data, named_jobs))
def test_a_poll_answer_of_any_shape_is_a_job_or_a_typed_error(
    answer: Answer,
) -> None:
    job_id = next(_ids)
    with _mock() as mock:
        _add(mock, "GET", f"{API}/predictions/{job_id}/result", answer)
        job = _typed(lambda: CLIENT.get_job(job_id, timeout=2))
        if job is not None:
            _use(job)
            _typed(lambda: job.wait(timeout=0))


history_pages = shaped({
    "items": st.lists(candidates | job_data | json_values, max_size=2),
    "page": st.integers(),
    "page_size": st.integers(),
    "total": st.integers(),
})


sound_pages = shaped({"page": st.integers(), "total": st.integers()}, required={
    "items": st.tuples(candidates, st.lists(candidates | job_data, max_size=1)).map(
        lambda drawn: [drawn[0], *drawn[1]]
    ),
})


def _uncertain() -> SubmissionUncertainError:
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    return SubmissionUncertainError(
        "test", model=MODEL, fingerprint="f", submitted_at=moment - dt.timedelta(seconds=1),
        answered_at=moment + dt.timedelta(seconds=1),
        input_digests=input_digests({"prompt": "a fox"}),
    )


@_settings(60)
@given(page=answers(history_pages, sound_pages), poll=answers(job_data, named_jobs))
def test_a_history_page_of_any_shape_lists_jobs_or_is_a_typed_error(
    page: Answer, poll: Answer,
) -> None:
    client = _client()  # a client never adopts a job twice: a fresh one each time
    with _mock() as mock:
        _add(mock, "POST", f"{API}/predictions", page)
        _add(mock, "GET", POLL, poll)
        jobs = _typed(lambda: list(itertools.islice(client.list_jobs(page_size=2), 6))) or []
        for job in jobs:
            _use(job)
        found = _typed(lambda: client.find_submission(_uncertain()))
        if found is not None:
            _use(found)


account_data = shaped({
    "balance": st.sampled_from([12.5, "12.50", "NaN", "Infinity", "1e999999999", "abc", True]),
    "secret": st.sampled_from(["whsec_0123456789", ""]),
}) | st.lists(json_values, max_size=3)


@_settings(60)
@given(answer=answers(account_data, account_data))
def test_account_answers_of_any_shape_are_values_or_typed_errors(
    answer: Answer,
) -> None:
    with _mock() as mock:
        for path in ("balance", "webhook/secret", "models"):
            _add(mock, "GET", f"{API}/{path}", answer)
        balance = _typed(lambda: CLIENT.balance(timeout=2))
        if balance is not None:
            assert balance.is_finite()
        _typed(lambda: CLIENT.webhook_secret(timeout=2))
        _typed(lambda: CLIENT.live_models(timeout=2))


header_names = st.sampled_from(["Content-Type", "If-None-Match", "x-amz-acl", "", "a b",
                                "Bad:Name", "line\nbreak", "ключ"])
header_values = header_text | st.integers() | st.sampled_from(["ключ", "a\r\nb", "\x00"])
tickets = shaped({
    "upload": shaped({
        "method": st.sampled_from(["PUT", "put", "POST"]),
        "url": st.sampled_from(["LOOPBACK/put", "ftp://store.example.test/x", "https://"]),
        "headers": st.dictionaries(header_names, header_values, max_size=2),
    }),
    "download_url": st.sampled_from(["https://store.example.test/get/abc", ""]),
})


@pytest.fixture(scope="module")
def loopback() -> Iterator[RawServer]:
    """A real server for what only a socket shows: header bytes read or written as they are."""
    with RawServer() as server:
        yield server


sound_tickets = st.fixed_dictionaries({
    "upload": st.fixed_dictionaries({
        "method": st.just("PUT"), "url": st.just("LOOPBACK/put"),
        "headers": st.dictionaries(header_names, header_values, min_size=1, max_size=2),
    }),
    "download_url": st.just("https://store.example.test/get/abc"),
})


@_settings(60)
@given(ticket=answers(tickets, sound_tickets), put=st.sampled_from([200, 403, 412, 500]),
       multipart=answers(tickets))
def test_an_upload_ticket_of_any_shape_is_a_url_or_a_typed_error(
    loopback: RawServer, ticket: Answer, put: int,
    multipart: Answer,
) -> None:
    client = _client()  # a client remembers a server without tickets: a fresh one each time
    status, headers, body = ticket
    loopback.answer = (put, [], b"")
    with _mock() as mock:
        mock.add_passthru(loopback.url)  # the PUT goes over a real socket
        _add(mock, "POST", f"{API}/media/uploads",
             (status, headers, body.replace(b"LOOPBACK", loopback.url.encode())))
        _add(mock, "POST", f"{API}/media/upload/binary", multipart)
        url = _typed(lambda: client.upload(b"\x89PNG\r\n\x1a\n" + bytes(8), timeout=2))
    assert url is None or isinstance(url, str)


download_headers = shaped({
    "Content-Length": header_text,
    "Content-Range": st.sampled_from([
        "bytes 0-2/3", "bytes 0-2/*", "bytes 0-" + "9" * 5000 + "/" + "9" * 5000,
        "bytes ²-³/⁴", "bytes ٠-٢/٣", "bytes 0-99999999999999999999/100000000000000000000",
    ]),
    "Content-Encoding": st.sampled_from(["gzip", "identity", "br", "x-unknown"]),
    "Location": st.sampled_from(["", "ftp://x", "https://127.0.0.1:1/x", "LOOPBACK/again"]),
    "Retry-After": header_text,
}).map(lambda headers: [(key, str(value)) for key, value in headers.items()])


@_settings(80)
@given(status=st.sampled_from([200, 200, 206, 206, 302, 403, 416, 429, 500]),
       headers=download_headers, body=st.binary(max_size=16))
def test_a_download_with_any_headers_is_bytes_or_a_download_error(
    loopback: RawServer, status: int, headers: list[tuple[str, str]], body: bytes,
) -> None:
    headers = [(key, value.replace("LOOPBACK", loopback.url)) for key, value in headers]
    loopback.answer = (status, headers, body)
    try:
        content = download_to_bytes(CLIENT._transport, f"{loopback.url}/out.mp4",
                                    deadline=Deadline(2), max_resumes=1)
    except DownloadError:
        return
    assert isinstance(content, bytes)


api_keys = st.tuples(
    st.sampled_from(["", " ", "\n", "\t ", "\r\n"]), st.text(max_size=12),
    st.sampled_from(["", " ", "\n", " \n"]),
).map(lambda parts: f"{parts[0]}{KEY_MARK}{parts[1]}{parts[2]}")


def _balance_with(key: str, base_url: str) -> WavevidError:
    try:
        _client(api_key=key, base_url=base_url).balance(timeout=2)
    except (ConfigurationError, AuthenticationError) as error:
        return error
    raise AssertionError("a 401 was expected")


@_settings(60)
@given(key=api_keys)
def test_any_api_key_is_refused_without_it_or_sent_stripped_and_redacted(
    loopback: RawServer, key: str
) -> None:
    """A key is a ConfigurationError that never quotes it, or is sent stripped (over a real
    socket: the header is encoded there), and a 401 quoting it shows it redacted."""
    quoted = json.dumps({"code": 401, "message": f"invalid key {key.strip()}"}).encode()
    loopback.answer = (401, [], quoted)
    loopback.seen.clear()
    error = _balance_with(key, loopback.url)
    shown = f"{error} {getattr(error, 'body', '')}"
    assert key.strip() not in shown
    if isinstance(error, ConfigurationError):
        assert KEY_MARK not in shown
        assert not loopback.seen
    else:
        (request,) = loopback.seen
        assert request.headers["authorization"] == f"Bearer {key.strip()}"


# --- pinned shapes --------------------------------------------------------------------------------


def _job_answer(**data: Any) -> bytes:
    return json.dumps({"code": 200, "data": {"id": "pinned", **data}}).encode()


PINNED = {
    "nested too deep": deep(100_000).encode(),
    "outputs a number": _job_answer(outputs=5),
    "timings a string": _job_answer(timings="x"),
    "has_nsfw_contents a number": _job_answer(has_nsfw_contents=1),
    "status a list": _job_answer(status=["completed"]),
    "created_at past the calendar": _job_answer(created_at="0001-01-01T00:00:00+05:00"),
    "inference past any float": _job_answer(status="completed", timings={"inference": 10**400}),
}


@pytest.mark.parametrize("body", PINNED.values(), ids=list(PINNED))
def test_pinned_answers_are_jobs_or_typed_errors(body: bytes) -> None:
    with _mock() as mock:
        mock.add("POST", f"{API}/{MODEL}", body=body)
        mock.add("GET", POLL, body=body)
        mock.add("POST", f"{API}/predictions", body=body)
        job = _typed(lambda: CLIENT.submit(MODEL, prompt="a fox"))
        if job is not None:
            _use(job)
        _typed(lambda: CLIENT.get_job(next(_ids), timeout=2))
        _typed(lambda: list(CLIENT.list_jobs()))
