"""``FakeWaveSpeed``: a loopback HTTP server that speaks WaveSpeed's REST protocol.

It is a real server on 127.0.0.1 (standard library only), so the code under test keeps its real
transport: connection pooling, timeouts, retries and streaming are exercised as they would be
against the live service. Faults (errors, drops, delays, slow or short bodies) and job outcomes
are injected per request or per job; every request is recorded, never the API key it carried.

    with FakeWaveSpeed(processing_seconds=0.05) as fake:
        fake.add_fault(Fault("submit", status=429, retry_after=1))
        ...  # point the client at fake.url with fake.api_key
        assert fake.requests[0].path == "/api/v3/lightricks/ltx-2-fast/text-to-video"
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from types import TracebackType

from wavevid.testing._fake_jobs import FakeJob
from wavevid.testing._fake_records import RequestRecord
from wavevid.testing._fake_routes import FakeApi, Settings
from wavevid.testing._fake_rules import Fault, JobScript
from wavevid.testing._fake_server import FakeHTTPServer

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
            )
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

    def reset(self) -> None:
        """Forget requests, jobs, uploads, faults and scripts (settings and counters remain)."""
        self._api.log.clear()
        self._api.jobs.clear()
        self._api.media.clear()
        self._api.faults.clear()
        self._api.scripts.clear()
