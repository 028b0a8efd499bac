"""The API key and the webhook secret leak nowhere, in any flow, successful or failing.

``test_secrets.py`` checks the transport's flows and the redaction rules. This file runs every
flow a user has, through the public API and the command (in-process and as a subprocess), with
``WAVEVID_LOG=debug`` and every logger captured at DEBUG, and looks for the secrets in

- every log record: its message (``getMessage()``) and its formatted ``exc_info``/stack;
- the ``WAVEVID_LOG`` handler's stderr output and the command's stdout and stderr (with
  ``--debug`` tracebacks);
- every exception raised: ``str``, ``repr``, attributes, and the full formatted traceback with
  its chained causes and notes (what ``logger.exception`` or Sentry would record);
- the repr of every Client, Job, VideoResult and BatchItem, and ``VideoResult.to_dict()``.

The secrets registered for redaction are reset before each test (as in a new process), so a
flow passes only if it registers what it uses before anything could log it, not because an
earlier test did.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import wavevid
from wavevid import _default_client, _logging, errors, webhooks
from wavevid.cli import main, offline
from wavevid.testing import FakeWaveSpeed, Fault, JobScript

KEY = "sk-live-SECRETKEY-7f3a9c2e5b1d4860"
WRONG_KEY = "sk-live-WRONGKEY-91e0b7d3a5c24f68"
WEBHOOK_SECRET = "whsec_HOOKSECRET-c41d8e2f9a7b3650"
HOOK_KEY = WEBHOOK_SECRET.removeprefix("whsec_")
#: What must never be seen: each secret whole, without its prefix, and its distinctive core
#: (a partial leak, e.g. a key cut by a message's length limit, shows at least one of these).
NEEDLES = {
    "API key": KEY,
    "API key core": "SECRETKEY-7f3a9c2e",
    "API key tail": "7f3a9c2e5b1d4860",
    "wrong API key": WRONG_KEY,
    "wrong API key tail": "91e0b7d3a5c24f68",
    "webhook secret": WEBHOOK_SECRET,
    "webhook secret without whsec_": HOOK_KEY,
    "webhook secret core": "HOOKSECRET-c41d8e2f",
    "webhook secret tail": "c41d8e2f9a7b3650",
}
MODEL = "ltx-2-fast"
I2V = "ltx-2-fast-i2v"
UNUSED_PORT_URL = "http://127.0.0.1:9/hook"  # the discard port: nobody answers there
pytestmark = [
    pytest.mark.wavevid_fake(api_key=KEY, webhook_secret=WEBHOOK_SECRET, webhook_attempts=1),
    pytest.mark.usefixtures("debug_logging"),  # before the fake starts, as in every test
]


# --- what was seen ---------------------------------------------------------------------------


@dataclass
class Seen:
    """Every text a flow produced, labelled with where it showed."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def add(self, where: str, text: object) -> None:
        self.texts.append((where, str(text)))

    def error(self, where: str, error: BaseException) -> None:
        self.errors.append(error)
        self.add(f"{where}: str({type(error).__name__})", error)
        self.add(f"{where}: repr({type(error).__name__})", repr(error))
        self.add(f"{where}: vars({type(error).__name__})", repr(vars(error)))
        self.add(f"{where}: traceback", "".join(traceback.format_exception(error)))

    def attempt(self, where: str, call: Callable[[], Any]) -> Any:
        """``call()``; a wavevid error (or a ValueError/TypeError of bad use) is recorded
        and None returned."""
        try:
            result = call()
        except (errors.WavevidError, ValueError, TypeError) as error:
            self.error(where, error)
            return None
        self.add(f"{where}: repr(result)", repr(result))
        return result

    def kinds(self) -> set[str]:
        return {type(error).__name__ for error in self.errors}


def _leaks(texts: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(which secret, where, the text around it) for every secret found in ``texts``."""
    found = []
    for where, text in texts:
        for name, needle in NEEDLES.items():
            at = text.find(needle)
            if at >= 0:
                found.append((name, where, text[max(0, at - 80) : at + len(needle) + 40]))
    return found


def _log_texts(records: Iterable[logging.LogRecord]) -> Iterator[tuple[str, str]]:
    formatter = logging.Formatter()
    for record in records:
        where = f"log record {record.name}:{record.levelname}"
        yield where, record.getMessage()
        if record.exc_info:
            yield f"{where} exc_info", formatter.formatException(record.exc_info)
        if record.exc_text:
            yield f"{where} exc_text", record.exc_text
        if record.stack_info:
            yield f"{where} stack_info", record.stack_info


def assert_nothing_leaked(
    seen: Seen, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    captured = capsys.readouterr()
    texts = [
        *seen.texts,
        *_log_texts(caplog.records),
        ("stdout", captured.out),
        ("stderr (WAVEVID_LOG handler, command)", captured.err),
    ]
    assert _leaks(texts) == []
    # Not vacuous: the debug logs were on, for wavevid and urllib3 alike, and the WAVEVID_LOG
    # handler wrote to stderr.
    names = {record.name for record in caplog.records}
    assert "wavevid.transport" in names
    assert any(name.startswith("urllib3") for name in names)
    assert any(" DEBUG wavevid.transport: " in text for _, text in texts)


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def debug_logging(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """WAVEVID_LOG=debug set, every record captured at DEBUG, no secret registered yet;
    logging restored afterwards. Each test calls ``switch_on_debug_logging()`` first: its
    stderr handler must be made while the test's capsys is in place (during fixture setup
    sys.stderr is pytest's per-phase stream, closed once setup ends)."""
    monkeypatch.setattr(_logging, "_secrets", _logging._Registry())
    monkeypatch.setenv("WAVEVID_LOG", "debug")
    root = logging.getLogger("wavevid")
    handlers, level = list(root.handlers), root.level
    caplog.set_level(logging.DEBUG)
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def switch_on_debug_logging() -> None:
    """What ``import wavevid`` does in a process started with WAVEVID_LOG=debug."""
    _logging.configure_from_environment()
    assert logging.getLogger("wavevid").getEffectiveLevel() == logging.DEBUG


@pytest.fixture
def client(fake: FakeWaveSpeed) -> Iterator[wavevid.Client]:
    with wavevid.Client(api_key=KEY, base_url=fake.url, poll_interval=0.01) as made:
        yield made


@pytest.fixture
def impatient_client(fake: FakeWaveSpeed) -> Iterator[wavevid.Client]:
    """A short request timeout (a delayed answer times out), two retries, no sleeping."""
    with wavevid.Client(
        api_key=KEY, base_url=fake.url, poll_interval=0.01, request_timeout=0.3, max_retries=2,
        sleep=lambda seconds: None,
    ) as made:
        yield made


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "first frame.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return path


# --- the Python API ----------------------------------------------------------------------------


def test_successful_flows_leak_nothing(
    fake: FakeWaveSpeed,
    client: wavevid.Client,
    image: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """generate (to memory, to a file, with an uploaded image), submit/wait/download, get_job,
    refresh, list_jobs, balance, uploads of every source kind (ticket and multipart), a batch,
    generate_video from the environment, webhook_secret and a verified webhook delivery."""
    switch_on_debug_logging()
    seen = Seen()
    seen.add("repr(Client)", repr(client))
    result = client.generate(MODEL, {"prompt": "a fox"}, progress_callback=lambda *a: None)
    seen.add("repr(VideoResult)", repr(result))
    seen.add("VideoResult.to_dict()", result.to_dict())
    saved = client.generate(I2V, prompt="zoom", image=image, output_path=tmp_path / "a.mp4")
    seen.add("repr(VideoResult)", repr(saved))
    job = client.submit(MODEL, {"prompt": "x"}, webhook_url=UNUSED_PORT_URL)
    seen.add("repr(Job)", repr(job))
    job.wait(timeout=10)
    seen.add("repr(Job)", repr(job.refresh()))
    seen.add("download", client.download(job, tmp_path / "b.mp4"))
    seen.add("repr(get_job)", repr(client.get_job(job.id)))
    seen.add("list_jobs", [repr(item) for item in client.list_jobs(model=MODEL)])
    seen.add("balance", client.balance())
    png = image.read_bytes()
    for source in (image, png, io.BytesIO(png), bytearray(png), memoryview(png)):
        seen.add("upload", client.upload(source))
    fake.add_fault(Fault("upload", status=404))  # no ticket endpoint: the multipart form
    seen.add("upload (multipart)", client.upload(image))
    items = client.generate_many(
        [{"model": MODEL, "input": {"prompt": "one"}}, {"model": "nope", "input": {}}],
        max_workers=2,
    )
    for item in items:
        seen.add("repr(BatchItem)", repr(item))
        if item.error is not None:
            seen.error("generate_many", item.error)
    monkeypatch.setenv("WAVESPEED_API_KEY", KEY)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake.url)
    monkeypatch.setenv("WAVEVID_POLL_INTERVAL", "0.01")
    monkeypatch.setattr(_default_client, "_default", _default_client._Shared(wavevid.Client))
    seen.add("generate_video()", wavevid.generate_video("a cat", model=MODEL))
    seen.add("repr(default Client)", repr(_default_client.default_client()))

    secret = client.webhook_secret()
    assert secret == WEBHOOK_SECRET
    (delivery,) = fake.wait_for_webhooks(1)
    seen.add("webhooks.verify()", webhooks.verify(delivery.body, delivery.headers, secret))
    signed = webhooks.sign(b'{"id": "x"}', secret)
    seen.add("webhooks.sign()", signed["webhook-signature"])
    seen.add("webhooks.verify()", webhooks.verify(b'{"id": "x"}', signed, secret))
    assert seen.kinds() == {"UnknownModelError"}  # only the batch's bad item
    assert_nothing_leaked(seen, caplog, capsys)


# (label, faults, job scripts, what to run) for the failure flows
def _failure_flows(
    client: wavevid.Client, image: Path, tmp_path: Path
) -> list[tuple[str, list[Fault], list[JobScript], Callable[[], Any]]]:
    def generate(timeout: float = 10.0, **extra: Any) -> Callable[[], Any]:
        return lambda: client.generate(MODEL, {"prompt": "x", **extra}, timeout=timeout)

    def generate_i2v() -> Any:
        return client.generate(I2V, prompt="x", image=image, output_path=tmp_path / "i.mp4")

    def submit() -> Any:
        return client.submit(MODEL, {"prompt": "x"})

    flows: list[tuple[str, list[Fault], list[JobScript], Callable[[], Any]]] = [
        ("job failed", [], [JobScript("failed", code=1200, error="moderation")], generate()),
        ("job failed (service)", [], [JobScript("failed", code=5001)], generate()),
        ("job cancelled", [], [JobScript("cancelled")], generate()),
        ("job timed out remotely", [], [JobScript("timeout")], generate()),
        ("our deadline", [], [JobScript("never")], generate(timeout=0.3)),
        ("invalid parameters", [], [], generate(duration=7)),
        ("unknown model", [], [], lambda: client.generate("ltx-2-fsat", {"prompt": "x"})),
        ("not a job id", [], [], lambda: client.get_job("../etc")),
        ("no such job", [], [], lambda: client.get_job("no-such-job")),
        ("unwritable output", [], [], lambda: client.generate(
            MODEL, {"prompt": "x"}, output_path=tmp_path / "missing" / "v.mp4")),
    ]
    effects: list[tuple[str, dict[str, Any]]] = [
        ("HTTP 400", {"status": 400}),
        ("HTTP 403", {"status": 403}),
        ("HTTP 429", {"status": 429, "retry_after": 0, "times": None}),
        ("HTTP 500", {"status": 500}),
        ("HTTP 503 persistently", {"status": 503, "times": None}),
        ("dropped", {"drop": True}),
        ("dropped persistently", {"drop": True, "times": None}),
        ("slower than the request timeout", {"delay": 0.5}),
        ("trickled", {"trickle": 0.0005}),
        ("cut", {"cut_after": 100}),
        ("cut persistently", {"cut_after": 100, "times": None}),
        ("short persistently", {"short_by": 10, "times": None}),
    ]
    for target in ("submit", "poll", "download", "upload", "any"):
        for name, effect in effects:
            if target == "poll" and effect.get("times", 1) is None:
                run = generate(timeout=0.4)  # polling goes on until the deadline
            elif target in ("upload", "any"):
                run = generate_i2v
            else:
                run = generate()
            fault = Fault(target, **effect)  # type: ignore[arg-type]
            flows.append((f"{target} {name}", [fault], [], run))
    flows += [
        ("submit dropped (submit only)", [Fault("submit", drop=True)], [], submit),
        ("balance HTTP 500", [Fault("any", status=500, times=None)], [], client.balance),
        ("webhook secret HTTP 502", [Fault("any", status=502, times=None)], [],
         client.webhook_secret),
        ("list_jobs dropped", [Fault("any", drop=True, times=None)], [],
         lambda: list(client.list_jobs())),
        ("download a failed job", [], [JobScript("failed")], lambda: client.download(
            client.submit(MODEL, {"prompt": "x"}).wait(), tmp_path / "f.mp4")),
    ]
    return flows


def test_failure_flows_leak_nothing(
    fake: FakeWaveSpeed,
    impatient_client: wavevid.Client,
    image: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every failure: each job outcome, our deadline, bad input, and every fault the fake can
    inject (HTTP errors, drops, delays, trickles, cut and short bodies) on each kind of request
    (submit, poll, download, upload, any), then SubmissionUncertainError recovered with
    find_submission; wrong, missing and misconfigured keys."""
    switch_on_debug_logging()
    client = impatient_client
    seen = Seen()
    uncertain: list[errors.SubmissionUncertainError] = []
    for label, faults, scripts, run in _failure_flows(client, image, tmp_path):
        fake.reset()
        for fault in faults:
            fake.add_fault(fault)
        for script in scripts:
            fake.script_jobs(script)
        try:
            outcome = run()
        except (errors.WavevidError, ValueError) as error:
            seen.error(label, error)
            if isinstance(error, errors.SubmissionUncertainError):
                uncertain.append(error)
                seen.attempt(f"{label}: find_submission", lambda e=error: client.find_submission(e))
        else:
            seen.add(f"{label}: repr(result)", repr(outcome))
    fake.reset()
    for label, key in [
        ("wrong key", WRONG_KEY),
        ("key with a newline", KEY + "\n"),
        ("key with spaces", f"  {KEY} "),
        ("key with a header injected", KEY + "\r\nX-Injected: 1"),
        ("no key", ""),
    ]:
        _logging._secrets.clear()  # as in a new process: only this client registers its key
        other = seen.attempt(
            f"{label}: Client()",
            lambda k=key: wavevid.Client(api_key=k, base_url=fake.url, max_retries=0,
                                         poll_interval=0.01),
        )
        if other is None:  # refused (a key with a line break inside)
            continue
        seen.attempt(f"{label}: balance", other.balance)
        seen.attempt(f"{label}: generate", lambda c=other: c.generate(MODEL, prompt="x"))
        other.close()
    for url in ("http://api.example.com", "ftp://x", "https://api.example.com/?key=1"):
        _logging._secrets.clear()
        seen.attempt(f"base URL {url!r}", lambda u=url: wavevid.Client(api_key=KEY, base_url=u))
    assert uncertain
    recovered = [
        text for where, text in seen.texts
        if where.endswith("find_submission: repr(result)") and text.startswith("<Job ")
    ]
    assert recovered  # find_submission found the job of an uncertain submit
    assert seen.kinds() >= {
        "JobFailedError", "JobTimeoutError", "InvalidParametersError", "UnknownModelError",
        "NotFoundError", "DownloadError", "BadRequestError",
        "PermissionDeniedError", "RateLimitError", "ServerError", "APIConnectionError",
        "SubmissionUncertainError", "AuthenticationError", "ConfigurationError",
    }
    assert_nothing_leaked(seen, caplog, capsys)


def test_webhook_verification_leaks_nothing(
    fake: FakeWaveSpeed,
    client: wavevid.Client,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """webhook_secret(), then verify succeeding and failing every way (wrong or truncated
    secret, the secret without its prefix or with whitespace, stale, future, tampered body,
    missing and garbled headers, a str or parsed body, a non-str secret) and sign()."""
    switch_on_debug_logging()
    seen = Seen()
    secret = client.webhook_secret()
    body = b'{"id": "job-1", "status": "completed"}'
    headers = webhooks.sign(body, secret, webhook_id="msg_1", timestamp=1_700_000_000)
    now = 1_700_000_000.0
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("verified", lambda: webhooks.verify(body, headers, secret, now=now)),
        ("verified, secret without whsec_", lambda: webhooks.verify(body, headers, HOOK_KEY,
                                                                    now=now)),
        ("verified, secret with a newline", lambda: webhooks.verify(body, headers,
                                                                    secret + "\n", now=now)),
        ("wrong secret", lambda: webhooks.verify(body, headers, "whsec_other-secret-1", now=now)),
        ("truncated secret", lambda: webhooks.verify(body, headers, secret[:-3], now=now)),
        ("secret as bytes", lambda: webhooks.verify(body, headers, secret.encode(), now=now)),
        ("no secret", lambda: webhooks.verify(body, headers, "whsec_", now=now)),
        ("stale", lambda: webhooks.verify(body, headers, secret, now=now + 10_000)),
        ("from the future", lambda: webhooks.verify(body, headers, secret, now=now - 10_000)),
        ("tampered", lambda: webhooks.verify(body + b" ", headers, secret, now=now)),
        ("str body", lambda: webhooks.verify(body.decode(), headers, secret, now=now)),
        ("parsed body", lambda: webhooks.verify({"id": 1}, headers, secret, now=now)),
        ("no headers", lambda: webhooks.verify(body, {}, secret, now=now)),
        ("headers not a mapping", lambda: webhooks.verify(body, [1], secret, now=now)),
        ("garbled signature", lambda: webhooks.verify(
            body, {**headers, "webhook-signature": f"v3,{secret}"}, secret, now=now)),
        ("secret sent as the signature", lambda: webhooks.verify(
            body, {**headers, "webhook-signature": secret}, secret, now=now)),
        ("signed, not JSON", lambda: webhooks.verify(
            b"\xff", webhooks.sign(b"\xff", secret, timestamp=int(now)), secret, now=now)),
        ("sign, empty secret", lambda: webhooks.sign(body, "whsec_ ")),
        ("sign, str body", lambda: webhooks.sign("text", secret)),  # type: ignore[arg-type]
    ]
    for label, call in cases:
        seen.attempt(label, call)
    assert seen.kinds() == {"WebhookVerificationError", "ValueError", "TypeError"}
    assert len(seen.errors) == len(cases) - 3
    assert_nothing_leaked(seen, caplog, capsys)


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def command_environment(fake: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch) -> FakeWaveSpeed:
    monkeypatch.setenv("WAVESPEED_API_KEY", KEY)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake.url)
    monkeypatch.setenv("WAVEVID_POLL_INTERVAL", "0.01")
    monkeypatch.setattr(offline, "DEMO_PROCESSING_SECONDS", 0.05)
    monkeypatch.setattr(offline, "DEMO_POLL_INTERVAL", 0.01)
    return fake


def test_every_command_leaks_nothing(
    command_environment: FakeWaveSpeed,
    image: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every command, in-process, succeeding and failing each way, each failure also with
    --debug (its traceback): exit codes 0, 1, 2, 4 and 5 all occur."""
    switch_on_debug_logging()
    fake = command_environment
    seen = Seen()
    codes: dict[int, list[str]] = {}

    def run(label: str, *argv: str) -> int:
        for debug in ([], ["--debug"]):
            code = main([*debug, *argv])
            codes.setdefault(code, []).append(label)
            captured = capsys.readouterr()
            seen.add(f"`wavevid {' '.join([*debug, *argv])}` stdout", captured.out)
            seen.add(f"`wavevid {' '.join([*debug, *argv])}` stderr", captured.err)
            if code == 0:
                return code
        return code

    out = str(tmp_path / "v.mp4")
    assert run("generate", "generate", MODEL, "--prompt", "x", "-o", out, "--param",
               "duration=8", "--param", "generate_audio=no") == 0
    assert run("generate i2v", "generate", I2V, "--prompt", "x", "--file", f"image={image}",
               "-o", out, "--webhook", UNUSED_PORT_URL) == 0
    assert run("submit", "submit", MODEL, "--prompt", "x") == 0
    (job_id, *_) = fake.jobs
    fake.finish(job_id)
    for argv in (["status", job_id], ["status", job_id, "--json"], ["wait", job_id, "-o", out],
                 ["jobs"], ["jobs", "--model", MODEL, "--status", "completed"], ["balance"],
                 ["models"], ["models", "--json"], ["show", I2V], ["catalog", "validate"],
                 ["catalog", "path"], ["demo", "-o", str(tmp_path / "demo.mp4"), "--quiet"]):
        assert run(argv[0], *argv) == 0, argv

    failures: list[tuple[str, list[Fault], list[JobScript], list[str], int]] = [
        ("job failed", [], [JobScript("failed", code=1200, error="moderation")],
         ["generate", MODEL, "--prompt", "x", "-o", out], 1),
        ("HTTP 403", [Fault("any", status=403, times=None)], [], ["balance"], 1),
        ("HTTP 500 on submit", [Fault("submit", status=500, times=None)], [],
         ["submit", MODEL, "--prompt", "x"], 5),
        ("HTTP 429 on submit", [Fault("submit", status=429, retry_after=0, times=None)], [],
         ["submit", MODEL, "--prompt", "x"], 1),
        # Retry-After: 0 on the 5xx, so that the command's real backoff does not sleep.
        ("poll HTTP 502", [Fault("poll", status=502, retry_after=0, times=None)], [],
         ["status", "abc"], 1),
        ("poll dropped once", [Fault("poll", drop=True)], [],
         ["generate", MODEL, "--prompt", "x", "-o", out], 0),
        ("no such job", [], [], ["status", "no-such-job"], 1),
        ("download short", [Fault("download", short_by=10, times=None)], [],
         ["generate", MODEL, "--prompt", "x", "-o", out], 1),
        ("upload HTTP 500", [Fault("upload", status=500, retry_after=0, times=None)], [],
         ["generate", I2V, "--prompt", "x", "--file", f"image={image}", "-o", out], 1),
        ("deadline", [], [JobScript("never")],
         ["generate", MODEL, "--prompt", "x", "--timeout", "0.2", "-o", out], 4),
        ("uncertain submit", [Fault("submit", drop=True, times=None)], [],
         ["submit", MODEL, "--prompt", "x"], 5),
        ("invalid parameter", [], [], ["submit", MODEL, "--prompt", "x", "--param",
                                       "duration=7"], 2),
        ("not KEY=VALUE", [], [], ["submit", MODEL, "--param", "duration"], 2),
        ("unknown model", [], [], ["submit", "ltx-2-fsat", "--prompt", "x"], 2),
        ("missing file", [], [], ["generate", I2V, "--prompt", "x", "--file",
                                  "image=/no/such.png"], 2),
        ("bad catalog", [], [], ["--catalog", str(tmp_path / "none"), "models"], 2),
    ]
    for label, faults, scripts, argv, expected in failures:
        fake.reset()
        for fault in faults:
            fake.add_fault(fault)
        for script in scripts:
            fake.script_jobs(script)
        assert run(label, *argv) == expected, label

    fake.reset()
    # (A key with a newline is in test_failure_flows_leak_nothing: here the command's real
    # backoff would retry it for seconds, as a network failure.)
    for label, key, expected in [("wrong key", WRONG_KEY, 1), ("no key", "", 2)]:
        _logging._secrets.clear()  # as in a new process
        monkeypatch.setenv("WAVESPEED_API_KEY", key)
        assert run(label, "balance") == expected, label
    assert {0, 1, 2, 4, 5} <= set(codes)
    assert any("Traceback (most recent call last)" in text for _, text in seen.texts)
    assert_nothing_leaked(seen, caplog, capsys)


def test_a_new_process_with_a_wrong_key_leaks_nothing(
    fake: FakeWaveSpeed,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``python -m wavevid --debug ...`` in a fresh process (nothing registered for
    redaction beforehand), WAVEVID_LOG=debug: a wrong key (exit 1, traceback, debug log), and
    the right key meeting a server error and an uncertain submit."""
    switch_on_debug_logging()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WAVESPEED_", "WAVEVID_"))}
    base = {**clean, "WAVESPEED_BASE_URL": fake.url, "WAVEVID_LOG": "debug",
            "WAVEVID_POLL_INTERVAL": "0.01"}
    runs = [
        ("wrong key", WRONG_KEY, [], ["--debug", "balance"], 1, "HTTP 401"),
        ("server error", KEY, [Fault("any", status=500, retry_after=0, times=None)],
         ["--debug", "balance"], 1, "HTTP 500"),
        ("uncertain submit", KEY, [Fault("submit", drop=True)],
         ["--debug", "submit", MODEL, "--prompt", "x"], 5, "may have been accepted"),
    ]
    seen = Seen()
    for label, key, faults, argv, expected, words in runs:
        fake.reset()
        for fault in faults:
            fake.add_fault(fault)
        process = subprocess.run(
            [sys.executable, "-m", "wavevid", *argv], env={**base, "WAVESPEED_API_KEY": key},
            capture_output=True, text=True, timeout=60, check=False,
        )
        seen.add(f"{label}: subprocess stdout", process.stdout)
        seen.add(f"{label}: subprocess stderr", process.stderr)
        assert process.returncode == expected, process.stderr
        assert words in process.stderr
        assert "Traceback (most recent call last)" in process.stderr
        assert " wavevid.transport: " in process.stderr  # the WAVEVID_LOG=debug handler
    # The fake ran in this process: its records were captured too.
    wavevid.Client(api_key=KEY, base_url=fake.url).balance()  # one in-process record at least
    assert_nothing_leaked(seen, caplog, capsys)


def test_the_checker_sees_a_leak() -> None:
    """The leak finder itself: a secret whole, without its prefix, or in part is reported,
    with where it showed."""
    texts = [("somewhere", f"a {HOOK_KEY} b"), ("elsewhere", "clean"), ("x", KEY[:-1] + "X")]
    assert {(name, where) for name, where, _ in _leaks(texts)} == {
        ("webhook secret without whsec_", "somewhere"),
        ("webhook secret core", "somewhere"),
        ("webhook secret tail", "somewhere"),
        ("API key core", "x"),
    }

