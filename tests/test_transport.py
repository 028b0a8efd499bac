"""The transport over real HTTP against FakeWaveSpeed: retries, submit safety, deadlines,
threads, fork, and errors mapped to the error tree."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from loopback import ClosingKeepAlive
from sleeps import Sleeps

from wavevid import errors
from wavevid._constants import FRESH_CONNECTION_SECONDS
from wavevid._deadline import Deadline
from wavevid._payload import fingerprint
from wavevid._retry import RetryPolicy
from wavevid._transport import Transport
from wavevid.testing import FakeWaveSpeed, Fault

MODEL = "lightricks/ltx-2-fast/text-to-video"
BODY = {"prompt": "a fox", "duration": 6}


def make_transport(fake: FakeWaveSpeed, sleeps: Sleeps, **options: Any) -> Transport:
    settings: dict[str, Any] = {
        "api_key": fake.api_key,
        "base_url": fake.url,
        "request_timeout": 5.0,
        "policy": RetryPolicy(random=lambda: 0.0),
        "sleep": sleeps,
        **options,
    }
    return Transport(**settings)


@pytest.fixture
def transport(fake: FakeWaveSpeed, sleeps: Sleeps) -> Iterator[Transport]:
    made = make_transport(fake, sleeps)
    yield made
    made.close()


def deadline(seconds: float = 10.0) -> Deadline:
    return Deadline(seconds)


def posts(fake: FakeWaveSpeed) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith(MODEL)]


def submit(transport: Transport, **options: Any) -> Any:
    options.setdefault("deadline", deadline())
    return transport.submit(MODEL, BODY, fingerprint=fingerprint(BODY), **options)


def job_path(job_id: str) -> str:
    return f"predictions/{job_id}/result"


# --- GET retries -------------------------------------------------------------------------------


def test_a_get_is_retried_after_503_with_backoff(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    job_id = submit(transport)["id"]
    fake.add_fault(Fault("poll", status=503, times=2))
    data = transport.call("GET", job_path(job_id), deadline=deadline())
    assert data["id"] == job_id
    assert sleeps == [0.5, 1.0]
    assert len([r for r in fake.requests if r.method == "GET"]) == 3


def test_a_429_waits_as_long_as_retry_after_says(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    job_id = submit(transport)["id"]
    fake.add_fault(Fault("poll", status=429, retry_after=3))
    transport.call("GET", job_path(job_id), deadline=deadline())
    assert sleeps == [3.0]


def test_retry_after_past_the_deadline_is_not_waited_for(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    job_id = submit(transport)["id"]
    fake.add_fault(Fault("poll", status=429, retry_after=60))
    with pytest.raises(errors.RateLimitError) as raised:
        transport.call("GET", job_path(job_id), deadline=deadline(10), job_id=job_id)
    assert raised.value.retry_after == 60
    assert raised.value.job_id == job_id
    assert sleeps == []


def test_a_get_gives_up_after_the_allowed_retries(
    fake: FakeWaveSpeed, sleeps: Sleeps
) -> None:
    transport = make_transport(fake, sleeps, policy=RetryPolicy(max_retries=2, random=lambda: 0))
    job_id = submit(transport)["id"]
    fake.add_fault(Fault("poll", status=502, times=None))
    with pytest.raises(errors.ServerError) as raised:
        transport.call("GET", job_path(job_id), deadline=deadline())
    assert raised.value.status_code == 502
    assert raised.value.request_id  # the fake sends X-Request-Id
    assert len([r for r in fake.requests if r.method == "GET"]) == 3


def test_a_dropped_get_is_retried(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    job_id = submit(transport)["id"]
    fake.add_fault(Fault("poll", drop=True))
    assert transport.call("GET", job_path(job_id), deadline=deadline())["id"] == job_id
    assert len(sleeps) == 1


# --- submit safety -----------------------------------------------------------------------------


def test_a_submit_dropped_after_sending_is_uncertain_and_sent_once(
    fake: FakeWaveSpeed, transport: Transport
) -> None:
    fake.add_fault(Fault("submit", drop=True))
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        submit(transport)
    assert len(posts(fake)) == 1
    assert len(fake.jobs) == 1  # the fake did create (and would bill) the job
    assert raised.value.model == MODEL
    assert raised.value.fingerprint == fingerprint(BODY)
    assert raised.value.submitted_at.tzinfo is not None
    assert not isinstance(raised.value, errors.APIConnectionError)


def test_a_submit_that_times_out_is_uncertain_and_sent_once(
    fake: FakeWaveSpeed, sleeps: Sleeps
) -> None:
    transport = make_transport(fake, sleeps, request_timeout=0.2)
    fake.add_fault(Fault("submit", delay=1.0))
    with pytest.raises(errors.SubmissionUncertainError):
        submit(transport)
    assert len(posts(fake)) == 1
    assert sleeps == []


def test_a_submit_answered_500_is_uncertain_and_sent_once(
    fake: FakeWaveSpeed, transport: Transport
) -> None:
    """A gateway answers 5xx while the job may run and be billed: never resent, never a plain
    ServerError a generic handler would retry."""
    fake.add_fault(Fault("submit", status=500))
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        submit(transport)
    assert raised.value.status_code == 500
    assert raised.value.answered_at >= raised.value.submitted_at
    assert len(posts(fake)) == 1


def test_a_submit_answered_429_is_sent_again(
    fake: FakeWaveSpeed, transport: Transport, sleeps: Sleeps
) -> None:
    fake.add_fault(Fault("submit", status=429, retry_after=1))
    data = submit(transport)
    assert len(posts(fake)) == 2
    assert list(fake.jobs) == [data["id"]]
    assert sleeps == [1.0]


def test_a_submit_that_cannot_connect_is_retried_then_fails_cleanly(sleeps: Sleeps) -> None:
    with FakeWaveSpeed() as gone:
        url, key = gone.url, gone.api_key
    transport = Transport(
        api_key=key, base_url=url, request_timeout=1.0,
        policy=RetryPolicy(max_retries=3, random=lambda: 0.0), sleep=sleeps,
    )
    with pytest.raises(errors.APIConnectionError) as raised:
        submit(transport)
    assert sleeps == [0.5, 1.0, 2.0]
    assert "gave up after the allowed retries" in str(raised.value)


def test_a_stale_pooled_connection_never_makes_a_submit_uncertain(sleeps: Sleeps) -> None:
    # The server closes an idle connection just as the submit is written on it (a race urllib3's
    # check before reuse cannot see): sent there, the submit would be lost and uncertain.
    server = ClosingKeepAlive(b'{"code": 200, "data": {"id": "job-1", "status": "created"}}')
    now = [1000.0]
    transport = Transport(
        api_key="sk-test-123", base_url=server.url, request_timeout=5.0,
        policy=RetryPolicy(random=lambda: 0.0), sleep=sleeps, clock=lambda: now[0],
    )
    try:
        transport.call("GET", "balance", deadline=deadline())
        now[0] += FRESH_CONNECTION_SECONDS + 0.1
        assert submit(transport)["id"] == "job-1"
    finally:
        transport.close()
        server.close()
    assert server.requests == [(1, "GET"), (2, "POST")]  # sent once, on a fresh connection


def test_a_submit_reuses_only_a_recently_used_connection(
    fake: FakeWaveSpeed, sleeps: Sleeps
) -> None:
    now = [1000.0]
    transport = make_transport(fake, sleeps, clock=lambda: now[0])
    transport.call("GET", "balance", deadline=deadline())
    now[0] += 1.0
    submit(transport)
    now[0] += 5.0
    submit(transport)
    first, recent, stale = (r.connection_id for r in fake.requests)
    assert recent == first
    assert stale != first


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (402, errors.APIError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
    ],
)
def test_each_status_has_its_error_class(
    fake: FakeWaveSpeed, sleeps: Sleeps, status: int, error_class: type[errors.APIError]
) -> None:
    transport = make_transport(fake, sleeps, policy=RetryPolicy(max_retries=0))
    fake.add_fault(Fault("any", status=status))
    with pytest.raises(error_class) as raised:
        transport.call("GET", "balance", deadline=deadline())
    assert type(raised.value) is error_class
    assert raised.value.status_code == status
    assert raised.value.request_id
    assert str(raised.value).startswith(f"HTTP {status}")


def test_a_wrong_key_is_an_authentication_error(fake: FakeWaveSpeed, sleeps: Sleeps) -> None:
    transport = make_transport(fake, sleeps, api_key="wrong-key-123")
    with pytest.raises(errors.AuthenticationError) as raised:
        transport.call("GET", "balance", deadline=deadline())
    assert "wrong-key-123" not in str(raised.value)


def test_an_unknown_job_is_not_found(transport: Transport) -> None:
    with pytest.raises(errors.NotFoundError) as raised:
        transport.call("GET", job_path("0" * 32), deadline=deadline(), job_id="0" * 32)
    assert raised.value.job_id == "0" * 32


def test_a_missing_key_fails_at_the_first_request_not_before(
    fake: FakeWaveSpeed, sleeps: Sleeps
) -> None:
    transport = make_transport(fake, sleeps, api_key=None)
    with pytest.raises(errors.ConfigurationError, match="WAVESPEED_API_KEY"):
        transport.call("GET", "balance", deadline=deadline())
    assert fake.requests == []


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://api.wavespeed.ai/", "https://api.wavespeed.ai"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:8080/prefix/", "http://localhost:8080/prefix"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_base_urls_accepted(url: str, accepted: str) -> None:
    transport = Transport(api_key="k", base_url=url, request_timeout=1, policy=RetryPolicy())
    assert transport.base_url == accepted


@pytest.mark.parametrize(
    "url",
    ["http://api.wavespeed.ai", "http://10.0.0.5:8080", "ftp://host", "api.wavespeed.ai",
     "https://host/?token=x"],
)
def test_base_urls_refused(url: str) -> None:
    with pytest.raises(errors.ConfigurationError):
        Transport(api_key="k", base_url=url, request_timeout=1, policy=RetryPolicy())


def test_requests_carry_auth_and_user_agent_only_where_they_should(
    fake: FakeWaveSpeed, transport: Transport
) -> None:
    job_id = submit(transport)["id"]
    fake.finish(job_id)
    output = transport.call("GET", job_path(job_id), deadline=deadline())["outputs"][0]
    with transport.open_stream(output, deadline=deadline()) as response:
        assert response.status_code == 200
    submit_record, poll_record, download_record = fake.requests
    assert submit_record.had_authorization
    assert poll_record.had_authorization
    assert not download_record.had_authorization
    assert (submit_record.header("User-Agent") or "").startswith("wavevid/")


# --- deadlines ---------------------------------------------------------------------------------


def test_a_trickling_answer_is_cut_off_at_the_deadline(
    fake: FakeWaveSpeed, sleeps: Sleeps
) -> None:
    transport = make_transport(fake, sleeps, request_timeout=0.3, policy=RetryPolicy(max_retries=0))
    fake.add_fault(Fault("any", trickle=0.05))  # one byte every 50 ms: seconds for the envelope
    started = time.monotonic()
    with pytest.raises(errors.APIConnectionError, match="deadline"):
        transport.call("GET", "balance", deadline=deadline(0.4))
    # Bounded by the deadline plus one read, however slowly the server goes on.
    assert time.monotonic() - started < 0.4 + 0.3 + 0.5


def test_a_passed_deadline_sends_nothing(fake: FakeWaveSpeed, transport: Transport) -> None:
    with pytest.raises(errors.APIConnectionError, match="deadline"):
        submit(transport, deadline=deadline(0))
    assert fake.requests == []


# --- threads and processes ---------------------------------------------------------------------


def test_sixteen_threads_share_one_transport_with_bounded_connections(
    fake: FakeWaveSpeed, transport: Transport
) -> None:
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                transport.call("GET", "balance", deadline=deadline())
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(fake.requests) == 80
    assert fake.connections_accepted <= 16


def _child_call(transport: Transport, results: Any) -> None:
    try:
        transport.call("GET", "balance", deadline=Deadline(10))
        results.put("ok")
    except BaseException as error:
        results.put(repr(error))


def test_a_forked_child_makes_its_own_connections(
    fake: FakeWaveSpeed, transport: Transport
) -> None:
    transport.call("GET", "balance", deadline=deadline())
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_child_call, args=(transport, results))
    child.start()
    child.join(10)
    assert results.get(timeout=5) == "ok"
    transport.call("GET", "balance", deadline=deadline())
    parent_first, child_call, parent_again = (r.connection_id for r in fake.requests)
    assert child_call != parent_first
    assert parent_again == parent_first  # the parent's pooled connection is intact
