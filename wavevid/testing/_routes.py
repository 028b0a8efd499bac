"""WaveSpeed's REST protocol as ``FakeWaveSpeed`` speaks it: routing, auth, limits, faults and
the prediction endpoints (uploads: ``_uploads``; history: ``_history``)."""

from __future__ import annotations

import hmac
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wavevid.testing._default_models import default_models
from wavevid.testing._history import history_page
from wavevid.testing._http_server import Inbound, Reply
from wavevid.testing._job_store import JobStore
from wavevid.testing._jobs import FakeJob, Plan, render_prediction
from wavevid.testing._limits import PollWatch, StartLimiter
from wavevid.testing._media import MediaStore
from wavevid.testing._model_list import ModelList, split_body
from wavevid.testing._prices import billings, quote
from wavevid.testing._records import DroppedKeys, Ledger, RequestLog, RequestRecord
from wavevid.testing._responses import (
    Refusal,
    Response,
    failure,
    json_object,
    media,
    raw,
    status_failure,
    success,
)
from wavevid.testing._rules import Fault, JobScript, RuleBook, subset_matches
from wavevid.testing._sample_video import sample_video, video_for_job
from wavevid.testing._settings import Settings
from wavevid.testing._uploads import Uploads
from wavevid.testing._webhook_delivery import WebhookDispatcher
from wavevid.testing._webhooks import WebhookOptions, webhook_payload

_API_PREFIX = "/api/v3/"
_RESERVED = "(?!(?:predictions|media|webhook|balance|models|model|billings)(?:/|$))"
_SYNC_TIMEOUT = (
    "Sync mode timed out after {seconds:g} seconds. "
    "The prediction is still processing asynchronously."
)


@dataclass(frozen=True)
class _Call:
    """One routed request, as an endpoint sees it."""

    record: RequestRecord
    params: dict[str, str]
    job: FakeJob | None
    note_job: Callable[[str], None]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    target: str | None
    endpoint: Callable[[_Call], Response]


class FakeApi:
    """The state and endpoints behind one ``FakeWaveSpeed``; every method is thread-safe.

    ``base_url`` must be set (once the port is known) before the first request is handled.
    """

    def __init__(
        self,
        settings: Settings,
        webhooks: WebhookOptions | None = None,
        models: list[dict[str, Any]] | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = ""
        self.balance = 100.0
        self.models = ModelList(default_models() if models is None else models)
        self.webhooks = WebhookDispatcher(
            settings.webhook_secret,
            webhooks or WebhookOptions(),
            lambda job: webhook_payload(job, self.base_url),
        )
        self.log = RequestLog()
        self.jobs = JobStore(settings.max_concurrency)
        self.uploads = Uploads(MediaStore(), settings.upload_headers, lambda: self.base_url)
        self.faults: RuleBook[Fault] = RuleBook()
        self.scripts: RuleBook[JobScript] = RuleBook()
        self.dropped: Ledger[DroppedKeys] = Ledger()
        self.polls = PollWatch(settings.min_poll_interval, settings.enforce_min_poll_interval)
        self.starts = StartLimiter(settings.starts_per_minute, settings.start_window_seconds)
        self._connections = 0
        self._connections_lock = threading.Lock()
        self._routes = self._route_table()

    def _route_table(self) -> tuple[_Route, ...]:
        uploads = self.uploads
        table: tuple[tuple[str, str, str | None, Callable[[_Call], Response]], ...] = (
            ("GET", "/api/v3/balance", None, lambda call: success({"balance": self.balance})),
            ("GET", "/api/v3/webhook/secret", None,
             lambda call: success({"secret": self.settings.webhook_secret})),
            ("GET", "/api/v3/models", None, lambda call: success(self.models.snapshot())),
            ("GET", "/api/v3/predictions/(?P<job>[^/]+)(?:/result)?", "poll", self._result),
            ("POST", "/api/v3/predictions", None, self._history),
            ("POST", "/api/v3/model/price", None, lambda call: quote(self.models, call.record)),
            ("POST", "/api/v3/billings/search", None,
             lambda call: billings(self.models, self.jobs.newest_first(), call.record)),
            ("POST", "/api/v3/media/uploads", "upload", lambda call: uploads.ticket(call.record)),
            ("POST", "/api/v3/media/upload/binary", "upload",
             lambda call: uploads.binary(call.record)),
            ("POST", f"/api/v3/{_RESERVED}(?P<model>.+)", "submit", self._submit),
            ("PUT", "/upload/(?P<token>[^/]+)", "upload",
             lambda call: uploads.put(call.record, call.params["token"])),
            ("GET", r"/outputs/(?P<job>[^/]+)\.mp4", "download", self._download),
            ("GET", "/media/(?P<token>[^/]+)/[^/]+", None,
             lambda call: uploads.file(call.record, call.params["token"])),
        )  # fmt: skip
        return tuple(_Route(m, re.compile(p), t, e) for m, p, t, e in table)

    @property
    def connections_accepted(self) -> int:
        """How many TCP connections the server has accepted."""
        with self._connections_lock:
            return self._connections

    def accept_connection(self) -> int:
        """Count a new TCP connection and return its id (1, 2, ...)."""
        with self._connections_lock:
            self._connections += 1
            return self._connections

    def is_authorized(self, authorization: str) -> bool:
        """Tell whether ``authorization`` is ``Bearer <api_key>``, in constant time."""
        expected = f"Bearer {self.settings.api_key}".encode()
        return hmac.compare_digest(authorization.encode("latin-1"), expected)

    def handle(self, inbound: Inbound) -> Reply:
        """Record, authenticate, route, check the poll rate, apply the first matching fault,
        and answer."""
        record = _record_of(inbound)
        slot = self.log.append(record)
        if inbound.path.startswith(_API_PREFIX) and not inbound.authorized:
            return Reply(failure(401, "Invalid API key"))
        route, params = self._match(inbound.method, inbound.path)
        job = self.jobs.get(params.get("job"))
        if job is not None:
            self.log.attach_job(slot, job.id)
        if route is not None and route.target == "poll" and job is not None:
            wait = self.polls.check(job.id, record.at)
            if wait is not None:
                detail = f"Checked too often: at most one check per {self.polls.min_interval:g} s"
                return Reply(failure(429, detail, {"Retry-After": _seconds(wait)}))
        fault = self._take_fault(route, job, record)
        answer = None if fault is None else _fault_answer(fault)
        if answer is not None and fault is not None and not fault.create:
            return Reply(answer, fault)
        if route is None:
            return Reply(failure(404, f"No route for {inbound.method} {inbound.path}"), fault)
        call = _Call(record, params, job, lambda job_id: self.log.attach_job(slot, job_id))
        try:
            if answer is not None and fault is not None and fault.create:
                self._create(call)
                return Reply(answer, fault)
            return Reply(route.endpoint(call), fault)
        except Refusal as refusal:
            return Reply(refusal.response(), fault)

    def reset(self) -> None:
        """Forget requests, jobs, uploads, faults, scripts, webhook deliveries, dropped keys,
        poll checks and the start window."""
        for forgetful in (self.log, self.jobs, self.uploads.store, self.faults, self.scripts,
                          self.webhooks, self.dropped, self.polls, self.starts):  # fmt: skip
            forgetful.clear()

    def video(self, job_id: str) -> bytes:
        """The bytes served for job ``job_id``'s output."""
        given = self.settings.video_bytes
        return video_for_job(sample_video(), job_id) if given is None else given

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            found = route.pattern.fullmatch(path) if route.method == method else None
            if found is not None:
                return route, found.groupdict()
        return None, {}

    def _take_fault(
        self, route: _Route | None, job: FakeJob | None, record: RequestRecord
    ) -> Fault | None:
        target = route.target if route is not None else None
        job_id = job.id if job is not None else None
        subject = job.input if job is not None else record.json
        return self.faults.take(lambda fault: fault.applies_to(target, job_id, subject))

    # Predictions

    def _submit(self, call: _Call) -> Response:
        job = self._create(call)
        if job.input.get("enable_sync_mode") is True:
            return self._sync_answer(job)
        return success(render_prediction(job, self.base_url, submitted=True))

    def _create(self, call: _Call) -> FakeJob:
        """Create the job a submit asks for, or refuse it (400, 404, 429) creating none."""
        body = json_object(call.record)
        model = call.params["model"]
        listed = self.models.find(model)
        if listed is None and self.settings.known_models_only:
            # UNVERIFIED: the real answer to an unknown model path is not documented.
            raise Refusal(404, f"Model not found: {model}")
        wait = self.starts.admit(time.monotonic())
        if wait is not None:
            limit = f"{self.settings.starts_per_minute} task starts per minute"
            raise Refusal(429, f"Rate limit exceeded: {limit}", {"Retry-After": str(wait)})
        kept, dropped = split_body(body, listed if self.settings.drop_unknown_keys else None)
        script = self.scripts.take(lambda candidate: subset_matches(candidate.when, kept))
        plan = Plan.from_script(
            script,
            queue_seconds=self.settings.queue_seconds,
            processing_seconds=self.settings.processing_seconds,
        )
        job = self.jobs.create(model, kept, call.record.query.get("webhook"), plan)
        call.note_job(job.id)
        if dropped:
            self.dropped.add(DroppedKeys(job.id, model, dropped))
        self.webhooks.watch(job)
        return job

    def _sync_answer(self, job: FakeJob) -> Response:
        seconds = self.settings.sync_timeout_seconds
        finished = self.jobs.wait_terminal(job, seconds)
        data = render_prediction(job, self.base_url)
        if not finished:
            data.update(status="processing", code=5004, error=_SYNC_TIMEOUT.format(seconds=seconds))
        return success(data)

    def _result(self, call: _Call) -> Response:
        if call.job is None:
            raise Refusal(404, f"Prediction not found: {call.params['job']}")
        with_input = self.settings.result_input
        return success(render_prediction(call.job, self.base_url, with_input=with_input))

    def _download(self, call: _Call) -> Response:
        if call.job is None or call.job.status != "completed":
            raise Refusal(404, "Output not found")
        return media(self.video(call.job.id), "video/mp4", call.record.header("Range"))

    def _history(self, call: _Call) -> Response:
        data = history_page(
            json_object(call.record),
            self.jobs.newest_first(),
            self.base_url,
            with_input=self.settings.history_input,
            with_total=self.settings.history_total,
        )
        return success(data)


def _fault_answer(fault: Fault) -> Response | None:
    """What a fault with a ``status`` answers; ``None`` for a fault without one."""
    if fault.status is None:
        return None
    if fault.body is not None:
        return raw(fault.status, fault.body, fault.retry_after)
    return status_failure(fault.status, fault.retry_after)


def _seconds(wait: float) -> str:
    """``Retry-After`` for a wait of ``wait`` seconds, rounded up to the millisecond."""
    return f"{math.ceil(wait * 1000) / 1000:g}"


def _record_of(inbound: Inbound) -> RequestRecord:
    return RequestRecord(
        method=inbound.method,
        path=inbound.path,
        query=inbound.query,
        headers=inbound.headers,
        had_authorization=inbound.had_authorization,
        body=inbound.body,
        json=_parse_json(inbound.body),
        connection_id=inbound.connection_id,
        job_id=None,
        at=time.monotonic(),
    )


def _parse_json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
