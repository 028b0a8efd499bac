"""What an adversarial review of the send path, recovery and checks found, each pinned: a
session's own retries paying twice, recovery adopting another model's or another call's job, a
wrong Date or created_at or duration breaking a wait, a batch's stop ignored by a download,
failures before sending reported as "may have been billed", uploads following redirects."""

from __future__ import annotations

import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import wavevid
from wavevid import errors
from wavevid._constants import ASSUMED_OUTPUT_SECONDS
from wavevid._generation import generate
from wavevid.jobs import Stopped
from wavevid.testing import FakeWaveSpeed, Fault

MODEL = "lightricks/ltx-2-fast/text-to-video"


def robust_session() -> requests.Session:
    """The common "robust session" recipe: urllib3 retries POSTs on 502/503/504 by itself."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0,
                                            status_forcelist=[502, 503, 504], allowed_methods=None))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def test_a_session_factorys_own_retries_never_resend_a_submit(
    fake_wavespeed: FakeWaveSpeed,
) -> None:
    fake_wavespeed.add_fault(Fault("submit", status=502, create=True, times=None))
    client = fake_wavespeed.client(session_factory=robust_session)
    with pytest.raises(errors.SubmissionUncertainError):
        client.submit("ltx-2-fast", prompt="a fox")
    assert len(fake_wavespeed.jobs) == 1


def test_recovery_never_adopts_a_job_of_another_model(
    fake_wavespeed: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when the history's model filter is ignored (its behaviour is unverified)."""
    import wavevid.testing._history as history

    listed = history._listed
    monkeypatch.setattr(history, "_listed",
                        lambda job, model, *rest: listed(job, None, *rest))
    fake_wavespeed.client().submit("ltx-2-pro", prompt="a fox")  # a colleague, same input
    fake_wavespeed.add_fault(Fault("submit", status=502))
    with pytest.raises(errors.SubmissionUncertainError):
        fake_wavespeed.client(recovery_delays=(0.0,)).generate("ltx-2-fast", prompt="a fox")


def test_recovery_never_takes_the_job_of_an_identical_submit_still_in_flight(
    fake_wavespeed: FakeWaveSpeed,
) -> None:
    client = fake_wavespeed.client(recovery_delays=(0.3,))
    fake_wavespeed.add_fault(Fault("submit", delay=1.0))  # B: created at once, answered late
    outcome: dict[str, Any] = {}

    def run(name: str) -> None:
        try:
            outcome[name] = client.generate("ltx-2-fast", prompt="same fox", timeout=10).job_id
        except errors.WavevidError as error:
            outcome[name] = error

    b = threading.Thread(target=run, args=("B",))
    b.start()
    time.sleep(0.2)
    fake_wavespeed.add_fault(Fault("submit", status=502))  # A: refused, nothing created
    run("A")
    b.join()
    assert isinstance(outcome["A"], errors.SubmissionUncertainError)
    assert outcome["B"] in fake_wavespeed.jobs


class Answering(BaseHTTPRequestHandler):
    """Answers every request with the class's ``status``, ``headers`` and ``body``."""

    status = 200
    headers: ClassVar[dict[str, str]] = {}
    body = b""
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def _answer(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(self.status)
        for name, value in {"Content-Length": str(len(self.body)), **self.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: Any) -> None:
        pass


def serve(**answer: Any) -> tuple[ThreadingHTTPServer, str]:
    handler = type("Handler", (Answering,), {"seen": [], **answer})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def job_body(**data: Any) -> bytes:
    import json

    job = {"id": "abc123", "model": MODEL, "status": "processing", "outputs": [], **data}
    return json.dumps({"code": 200, "message": "success", "data": job}).encode()


def waits_in_time(body: bytes) -> wavevid.Job:
    """A job answered with ``body`` is awaited for 0.5 s: JobTimeoutError, in time. Returns
    the job."""
    server, url = serve(body=body)
    try:
        job = wavevid.Client(api_key="sk-test-123", base_url=url).get_job("abc123", timeout=5)
        started = time.monotonic()
        with pytest.raises(errors.JobTimeoutError):
            job.wait(timeout=0.5)
        assert time.monotonic() - started < 2
    finally:
        server.shutdown()
    return job


@pytest.mark.parametrize("created_at", ["1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z"])
def test_an_ancient_created_at_never_breaks_a_waits_deadline(created_at: str) -> None:
    waits_in_time(job_body(created_at=created_at))


@pytest.mark.parametrize("duration", ["1e999", "9" * 400, "-5"])
def test_an_absurd_echoed_duration_plans_as_an_unknown_length(duration: str) -> None:
    body = job_body(input={"prompt": "x", "duration": "DURATION"})
    job = waits_in_time(body.replace(b'"DURATION"', duration.encode()))
    timing = wavevid.load_catalog(environment=False).get("ltx-2-fast").timing
    assert job.expected_seconds == (
        timing["base"] + timing["per_output_second"] * ASSUMED_OUTPUT_SECONDS
    )


def test_a_wrong_date_header_keeps_the_uncertain_error(fake_wavespeed: FakeWaveSpeed) -> None:
    server, url = serve(status=502, headers={"Date": "Fri, 31 Dec 9999 23:59:59 GMT"})
    try:
        client = wavevid.Client(api_key="sk-test-123", base_url=url, recovery_delays=(0.0,))
        with pytest.raises(errors.SubmissionUncertainError) as raised:
            client.generate("ltx-2-fast", prompt="x", timeout=2)
        assert raised.value.clock_offset == 0.0
    finally:
        server.shutdown()


def test_a_batch_stop_ends_a_download_under_way(fake_wavespeed: FakeWaveSpeed) -> None:
    fake_wavespeed.add_fault(Fault("download", trickle=0.2))
    runtime = fake_wavespeed.client()._runtime
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Stopped):
        generate(runtime, runtime.resolve("ltx-2-fast"), {"prompt": "a fox"}, stop=stop)
    assert time.monotonic() - started < 2


def test_what_fails_before_sending_is_a_configuration_error_not_uncertain(
    fake_wavespeed: FakeWaveSpeed,
) -> None:
    def bad_header() -> requests.Session:
        session = requests.Session()
        session.headers["X-Broken"] = "a\nb"
        return session

    client = fake_wavespeed.client(session_factory=bad_header)
    with pytest.raises(errors.ConfigurationError):
        client.submit("ltx-2-fast", prompt="a fox")
    assert fake_wavespeed.jobs == {}


def test_a_bad_output_url_is_a_download_error(tmp_path: Any) -> None:
    client = wavevid.Client(api_key="sk-test-123")
    with pytest.raises(errors.DownloadError):
        client.download("https://host:99999/v.mp4", tmp_path / "v.mp4", timeout=1)


def test_an_upload_never_follows_a_redirect_nor_sends_credentials() -> None:
    server, url = serve(status=307, headers={"Location": "/second"}, body=b"x" * 100_000)
    try:
        client = wavevid.Client(api_key="sk-test-123")
        transport = client._transport
        from wavevid._deadline import Deadline

        answer = transport.put(f"{url}/first", b"data", headers={}, deadline=Deadline(5))
        assert answer.status == 307
        handler = server.RequestHandlerClass
        assert handler.seen == [("/first", None)]  # type: ignore[attr-defined]
    finally:
        server.shutdown()


def test_an_uncertain_window_ignores_a_stored_absurd_offset(fake_wavespeed: FakeWaveSpeed) -> None:
    fake_wavespeed.add_fault(Fault("submit", drop=True))
    client = fake_wavespeed.client()
    with pytest.raises(errors.SubmissionUncertainError) as raised:
        client.submit("ltx-2-fast", prompt="x")
    raised.value.clock_offset = 1e300  # a stored error may carry anything: no OverflowError
    raised.value.submitted_at = raised.value.answered_at = dt.datetime(
        2026, 1, 1, tzinfo=dt.timezone.utc
    )
    assert client.find_submission(raised.value) is None
