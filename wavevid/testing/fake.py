"""``FakeWaveSpeed``: a loopback HTTP server that speaks WaveSpeed's REST protocol.

It is a real server on 127.0.0.1 (standard library only), so the code under test keeps its real
transport: connection pooling, timeouts, retries and streaming are exercised as they would be
against the live service. Faults (errors, drops, delays, slow or short bodies) and job outcomes
are injected per request or per job; every request is recorded, never the API key it carried.

    with FakeWaveSpeed(processing_seconds=0.05) as fake:
        fake.add_fault(Fault("submit", status=429, retry_after=1))
        ...  # point the client at fake.url with fake.api_key
        assert fake.requests[0].path == "/api/v3/lightricks/ltx-2-fast/text-to-video"

Jobs submitted with ``?webhook=<url>`` have their outcome POSTed there, signed with
``webhook_secret``, when they end (see ``webhook_deliveries``). ``GET /api/v3/models`` answers
``models``, shaped like WaveSpeed's live list.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Iterable
from importlib import resources
from types import TracebackType
from typing import Any

from wavevid.testing._fake_jobs import TERMINAL_STATUSES, FakeJob
from wavevid.testing._fake_records import RequestRecord
from wavevid.testing._fake_routes import FakeApi, Settings
from wavevid.testing._fake_rules import Fault, JobScript
from wavevid.testing._fake_server import FakeHTTPServer
from wavevid.testing._fake_webhooks import (
    DEFAULT_ATTEMPTS,
    DEFAULT_RETRY_SECONDS,
    DEFAULT_TIMEOUT,
    WebhookDelivery,
    WebhookOptions,
)

DEFAULT_WEBHOOK_SECRET = "whsec_wavevid-fake-0123456789abcdef0123456789abcdef"
"""The webhook secret a fake hands out unless told otherwise (a test value, not a real one)."""

_SERVE_POLL_SECONDS = 0.01
"""How often the serving loop checks for ``stop``; bounds how long ``stop`` takes."""


@functools.lru_cache(maxsize=1)
def sample_video() -> bytes:
    """Return the small real MP4 (H.264 + AAC, 160x90, 1.5 s) shipped with this package."""
    return (resources.files("wavevid.testing") / "sample.mp4").read_bytes()


class FakeWaveSpeed:
    """A WaveSpeed API on ``127.0.0.1`` for tests; see the module docstring.

    Jobs go ``created`` (for ``queue_seconds``), then ``processing`` (for ``processing_seconds``),
    then ``completed`` unless a ``JobScript`` says otherwise. Completed jobs serve ``video_bytes``
    (default: the shipped sample MP4) at ``<url>/outputs/<id>.mp4``. A sync-mode submit is held
    until its job ends or ``sync_timeout_seconds`` pass. With ``idle_timeout`` set, a keep-alive
    connection idle that long is closed by the server, as load balancers do.

    Webhooks: when a job submitted with ``?webhook=<url>`` ends (at its terminal time, polled or
    not, or on ``finish``) and its status is in ``webhook_statuses`` (default: every terminal
    status), its payload is POSTed to ``url`` from a background thread, up to
    ``webhook_attempts`` times while the receiver fails (non-2xx or no answer), waiting
    ``webhook_retry_seconds`` and doubling. Only loopback URLs are contacted; others are recorded
    as not sent. ``webhook_duplicates``, ``webhook_delay`` and ``webhook_drop`` misbehave on
    purpose, for testing idempotent receivers.

    ``start`` may be called once; ``stop`` closes every connection and is idempotent. All
    accessors and mutators are thread-safe and may be used while requests are in flight.
    """

    def __init__(
        self,
        api_key: str = "test-key",
        *,
        processing_seconds: float = 0.2,
        queue_seconds: float = 0.0,
        video_bytes: bytes | None = None,
        idle_timeout: float | None = None,
        sync_timeout_seconds: float = 5.0,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_attempts: int = DEFAULT_ATTEMPTS,
        webhook_retry_seconds: float = DEFAULT_RETRY_SECONDS,
        webhook_timeout: float = DEFAULT_TIMEOUT,
        webhook_statuses: Iterable[str] = TERMINAL_STATUSES,
        models: list[dict[str, Any]] | None = None,
        port: int = 0,
    ) -> None:
        """Configure the fake; nothing listens until ``start`` (on ``port``, default: any free
        one)."""
        self._api = FakeApi(
            Settings(
                api_key=api_key,
                processing_seconds=processing_seconds,
                queue_seconds=queue_seconds,
                sync_timeout_seconds=sync_timeout_seconds,
                webhook_secret=webhook_secret,
                video_bytes=sample_video() if video_bytes is None else video_bytes,
            ),
            WebhookOptions(
                attempts=webhook_attempts,
                retry_seconds=webhook_retry_seconds,
                timeout=webhook_timeout,
                statuses=frozenset(webhook_statuses),
            ),
            None if models is None else copy.deepcopy(models),
        )
        self._idle_timeout = idle_timeout
        self._port = port
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeWaveSpeed:
        """Bind a free port and serve in a daemon thread; returns ``self``.

        Raises ``RuntimeError`` when called a second time.
        """
        if self._server is not None:
            raise RuntimeError("FakeWaveSpeed.start() may be called only once")
        self._server = FakeHTTPServer(self._api, self._idle_timeout, self._port)
        self._api.base_url = self._server.url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SERVE_POLL_SECONDS},
            name=f"FakeWaveSpeed {self._server.url}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection; in-flight requests get no answer."""
        if self._server is None or self._thread is None or not self._thread.is_alive():
            return
        self._api.webhooks.close()
        self._server.stop()
        self._api.jobs.close()  # releases held sync-mode submits, which then answer nothing
        self._thread.join()

    def __enter__(self) -> FakeWaveSpeed:
        """Start the fake."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the fake."""
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; ``RuntimeError`` before ``start``."""
        if self._server is None:
            raise RuntimeError("FakeWaveSpeed is not started")
        return self._server.url

    @property
    def api_key(self) -> str:
        """The key clients must send as ``Authorization: Bearer <api_key>``."""
        return self._api.settings.api_key

    @property
    def webhook_secret(self) -> str:
        """What ``GET /api/v3/webhook/secret`` answers."""
        return self._api.settings.webhook_secret

    @property
    def video_bytes(self) -> bytes:
        """The bytes served for every completed job's output."""
        return self._api.settings.video_bytes

    @property
    def balance(self) -> float:
        """What ``GET /api/v3/balance`` answers (default 100.0); assignable."""
        return self._api.balance

    @balance.setter
    def balance(self, value: float) -> None:
        self._api.balance = value

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request received, in arrival order."""
        return self._api.log.snapshot()

    @property
    def jobs(self) -> dict[str, FakeJob]:
        """A snapshot of the id -> job mapping, in submit order (the jobs themselves are live)."""
        return self._api.jobs.snapshot()

    @property
    def connections_accepted(self) -> int:
        """How many TCP connections the server has accepted so far."""
        return self._api.connections_accepted

    def add_fault(self, fault: Fault) -> Fault:
        """Inject ``fault`` after every fault added before it; returns it (see ``Fault.hits``)."""
        return self._api.faults.add(fault)

    def script_jobs(self, script: JobScript) -> JobScript:
        """Decide the fate of future jobs matching ``script``; returns it (see ``JobScript.hits``).

        Scripts are tried in the order added; a job follows the first live one that matches.
        """
        return self._api.scripts.add(script)

    def finish(self, job_id: str) -> None:
        """End job ``job_id`` now: it takes its scripted outcome (``completed`` for ``never``).

        A job that is terminal already is left as it is; ``KeyError`` for an unknown id.
        """
        self._api.jobs.finish(job_id)
        job = self._api.jobs.get(job_id)
        if job is not None:
            self._api.webhooks.watch(job)

    def reset(self) -> None:
        """Forget requests, jobs, uploads, faults, scripts, webhook deliveries (recorded and
        planned); settings, counters and the webhook switches remain."""
        self._api.log.clear()
        self._api.jobs.clear()
        self._api.media.clear()
        self._api.faults.clear()
        self._api.scripts.clear()
        self._api.webhooks.clear()

    # Webhooks and the model list

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """A snapshot of every webhook delivery attempt, in the order they ended."""
        return self._api.webhooks.deliveries()

    def wait_for_webhooks(self, count: int = 1, timeout: float = 5.0) -> list[WebhookDelivery]:
        """Block until ``count`` delivery attempts are recorded and return them all.

        Raises ``TimeoutError`` when fewer are recorded after ``timeout`` seconds.
        """
        return self._api.webhooks.wait_for(count, timeout)

    @property
    def webhook_duplicates(self) -> int:
        """Extra copies of every delivery (default 0): each is a delivery of its own, with a
        new ``webhook-id``, ``webhook_retry_seconds`` after the one before; assignable."""
        return self._api.webhooks.duplicates

    @webhook_duplicates.setter
    def webhook_duplicates(self, value: int) -> None:
        self._api.webhooks.duplicates = int(value)

    @property
    def webhook_delay(self) -> float:
        """Seconds between a job's end and its delivery (default 0); assignable."""
        return self._api.webhooks.delay

    @webhook_delay.setter
    def webhook_delay(self, value: float) -> None:
        self._api.webhooks.delay = float(value)

    @property
    def webhook_drop(self) -> bool:
        """True: deliveries are lost, nothing is sent or recorded (default False); assignable."""
        return self._api.webhooks.drop

    @webhook_drop.setter
    def webhook_drop(self, value: bool) -> None:
        self._api.webhooks.drop = bool(value)

    @property
    def models(self) -> list[dict[str, Any]]:
        """A copy of what ``GET /api/v3/models`` answers; assign a list to change it."""
        return copy.deepcopy(self._api.models)

    @models.setter
    def models(self, value: list[dict[str, Any]]) -> None:
        self._api.models = copy.deepcopy(value)
