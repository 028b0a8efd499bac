"""``FakeWaveSpeed``: a loopback HTTP server that speaks WaveSpeed's REST protocol.

It is a real server on 127.0.0.1 (standard library only), so the code under test keeps its real
transport: connection pooling, timeouts, retries and streaming are exercised as they would be
against the live service. Faults (errors, drops, delays, slow or short bodies) and job outcomes
are injected per request or per job; every request is recorded, never the API key it carried.

    with FakeWaveSpeed(processing_seconds=0.05) as fake:
        fake.add_fault(Fault("submit", status=429, retry_after=1))
        client = fake.client()
        ...
        assert fake.requests[0].path == "/api/v3/lightricks/ltx-2-fast/text-to-video"

It is as strict as the real service, each rule with its own opt-out and ``strict=False`` for
all: it serves only the models it lists, drops (and records) body keys a model does not know,
and answers history and errors in the documented shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from wavevid.testing._http_server import FakeHTTPServer
from wavevid.testing._jobs import TERMINAL_STATUSES, FakeJob
from wavevid.testing._limits import WINDOW_SECONDS
from wavevid.testing._records import DroppedKeys, PollViolation, RequestRecord
from wavevid.testing._routes import FakeApi
from wavevid.testing._rules import Fault, JobScript
from wavevid.testing._sample_video import sample_video
from wavevid.testing._settings import Settings
from wavevid.testing._uploads import UploadHeaders
from wavevid.testing._webhook_controls import WebhookControls
from wavevid.testing._webhooks import (
    DEFAULT_ATTEMPTS,
    DEFAULT_RETRY_SECONDS,
    DEFAULT_TIMEOUT,
    DOCUMENTED_STATUSES,
    WebhookOptions,
)

if TYPE_CHECKING:
    from wavevid.client import Client

DEFAULT_WEBHOOK_SECRET = "whsec_wavevid-fake-0123456789abcdef0123456789abcdef"
"""The webhook secret a fake hands out unless told otherwise (a test value, not a real one)."""


class FakeWaveSpeed(WebhookControls):
    """A WaveSpeed API on ``127.0.0.1`` for tests; see the module docstring and docs/testing.md.

    Jobs go ``created`` (for ``queue_seconds``), then ``processing`` (for ``processing_seconds``),
    then ``completed`` unless a ``JobScript`` says otherwise. Completed jobs serve, at
    ``<url>/outputs/<id>.mp4``, ``video_for(id)``: the shipped sample MP4 with the job's id in
    a ``free`` box, or exactly ``video_bytes`` when given. A sync-mode submit is held until its
    job ends or ``sync_timeout_seconds`` pass. With ``idle_timeout`` set, a keep-alive
    connection idle that long is closed by the server, as load balancers do.

    Strict as the real service (docs/testing.md: "How strict the fake is"); ``strict=False``
    turns off ``known_models_only`` (other paths get 404), ``drop_unknown_keys`` (keys a
    model's schema does not name are dropped and recorded in ``dropped_keys``), the documented
    history shape (``history_input``, ``history_total``: no ``input``, no ``total``) and the
    documented webhook statuses (``webhook_statuses``: ``completed`` and ``failed``); a
    strictness option left ``None`` follows ``strict``. Off unless asked: ``result_input=False``
    (poll answers without ``input``), ``min_poll_interval`` (closer checks of one job recorded
    in ``poll_violations``; 429 under ``enforce_min_poll_interval``), ``max_concurrency`` (more
    jobs stay ``created``), ``starts_per_minute`` (429 beyond it, no job; its window is
    ``start_window_seconds``, a minute as WaveSpeed's, shorter for tests) and
    ``upload_headers="if-none-match"`` (tickets whose PUT headers are only ``If-None-Match``).

    Webhooks: when a job submitted with ``?webhook=<url>`` ends (at its terminal time, polled
    or not, or on ``finish``) and its status is in ``webhook_statuses``, its payload is POSTed
    to ``url`` from a background thread, up to ``webhook_attempts`` times while the receiver
    fails (non-2xx or no answer), waiting ``webhook_retry_seconds`` and doubling. Only loopback
    URLs are contacted; others are recorded as not sent.

    ``start`` may be called once; ``stop`` closes every connection and is idempotent. All
    accessors and mutators are thread-safe and may be used while requests are in flight.
    Invalid options raise ``ValueError``.
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
        webhook_statuses: Iterable[str] | None = None,
        models: list[dict[str, Any]] | None = None,
        port: int = 0,
        strict: bool = True,
        known_models_only: bool | None = None,
        drop_unknown_keys: bool | None = None,
        history_input: bool | None = None,
        history_total: bool | None = None,
        result_input: bool = True,
        min_poll_interval: float | None = None,
        enforce_min_poll_interval: bool = False,
        max_concurrency: int | None = None,
        starts_per_minute: int | None = None,
        start_window_seconds: float = WINDOW_SECONDS,
        upload_headers: UploadHeaders = "content-type",
    ) -> None:
        """Configure the fake; nothing listens until ``start`` (on ``port``, default: any free
        one). A strictness option left ``None`` follows ``strict``."""
        if webhook_statuses is None:
            webhook_statuses = DOCUMENTED_STATUSES if strict else TERMINAL_STATUSES
        self._api = FakeApi(
            Settings(
                api_key=api_key,
                processing_seconds=processing_seconds,
                queue_seconds=queue_seconds,
                sync_timeout_seconds=sync_timeout_seconds,
                webhook_secret=webhook_secret,
                video_bytes=video_bytes,
                known_models_only=strict if known_models_only is None else known_models_only,
                drop_unknown_keys=strict if drop_unknown_keys is None else drop_unknown_keys,
                history_input=(not strict) if history_input is None else history_input,
                history_total=(not strict) if history_total is None else history_total,
                result_input=result_input,
                min_poll_interval=min_poll_interval,
                enforce_min_poll_interval=enforce_min_poll_interval,
                max_concurrency=max_concurrency,
                starts_per_minute=starts_per_minute,
                start_window_seconds=start_window_seconds,
                upload_headers=upload_headers,
            ),
            WebhookOptions(
                attempts=webhook_attempts,
                retry_seconds=webhook_retry_seconds,
                timeout=webhook_timeout,
                statuses=frozenset(webhook_statuses),
            ),
            models,
        )
        self._idle_timeout = idle_timeout
        self._port = port
        self._server: FakeHTTPServer | None = None

    def start(self) -> FakeWaveSpeed:
        """Bind a free port and serve in a daemon thread; returns ``self``.

        Raises ``RuntimeError`` when called a second time.
        """
        if self._server is not None:
            raise RuntimeError("FakeWaveSpeed.start() may be called only once")
        self._server = FakeHTTPServer(self._api, self._idle_timeout, self._port)
        self._api.base_url = self._server.url
        self._server.serve_in_background(f"FakeWaveSpeed {self._server.url}")
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection; in-flight requests get no answer."""
        if self._server is None or not self._server.serving:
            return
        self._api.webhooks.close()
        self._server.stop()
        self._api.jobs.close()  # releases held sync-mode submits, which then answer nothing

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

    def client(self, **options: Any) -> Client:
        """Return a new ``wavevid.Client`` bound to this fake (its URL and key), polling at an
        interval matched to the fake's job times (and never closer than ``min_poll_interval``).

        ``options`` go to ``wavevid.Client`` and win over those (e.g. ``poll_interval=None``
        for the real schedule). Close the client when done (``with fake.client() as client``).
        """
        from wavevid.client import Client  # only here: the fake itself needs no HTTP client

        interval = self._api.settings.client_poll_interval
        defaults = {"api_key": self.api_key, "base_url": self.url, "poll_interval": interval}
        return Client(**{**defaults, **options})

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
        """The ``video_bytes`` given, else the sample MP4 every job's output is made from."""
        given = self._api.settings.video_bytes
        return sample_video() if given is None else given

    def video_for(self, job_id: str) -> bytes:
        """The bytes served for job ``job_id``'s output: ``video_bytes`` when given, else the
        sample MP4 with ``job_id`` in an appended ``free`` box (still a valid MP4)."""
        return self._api.video(job_id)

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
    def dropped_keys(self) -> list[DroppedKeys]:
        """A snapshot of the body keys dropped because the model does not know them, one record
        per submit that had any, in submit order."""
        return self._api.dropped.snapshot()

    @property
    def poll_violations(self) -> list[PollViolation]:
        """A snapshot of the checks that came sooner than ``min_poll_interval``."""
        return self._api.polls.violations.snapshot()

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
        """End job ``job_id`` now: it takes its scripted outcome (``completed`` for ``never``);
        jobs waiting for its concurrency slot start.

        A job that is terminal already is left as it is; ``KeyError`` for an unknown id.
        """
        for job in self._api.jobs.finish(job_id):
            self._api.webhooks.watch(job)

    def reset(self) -> None:
        """Forget requests, jobs, uploads, faults, scripts, webhook deliveries (recorded and
        planned), dropped keys, poll checks and the start window; settings, the model list,
        counters and the webhook switches remain."""
        self._api.reset()

    @property
    def models(self) -> list[dict[str, Any]]:
        """A copy of what ``GET /api/v3/models`` answers, the models the fake serves; assign a
        list to change it."""
        return self._api.models.snapshot()

    @models.setter
    def models(self, value: list[dict[str, Any]]) -> None:
        self._api.models.replace(value)

    def add_model(self, entry: Mapping[str, Any]) -> None:
        """Serve one more model: ``entry`` in the live list's shape (see ``models_from_catalog``),
        replacing any entry with the same ``model_id``; ``ValueError`` without one."""
        self._api.models.add(entry)
