"""WaveSpeed's REST protocol as ``FakeWaveSpeed`` speaks it: routing, auth, faults, endpoints."""

from __future__ import annotations

import hmac
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeGuard
from urllib.parse import quote

from wavevid.testing._fake_delivery import WebhookDispatcher
from wavevid.testing._fake_jobs import FakeJob, JobStore, Plan, render_prediction
from wavevid.testing._fake_media import (
    MediaStore,
    StoredMedia,
    guess_type,
    media_kind,
    parse_multipart_file,
)
from wavevid.testing._fake_models import default_models
from wavevid.testing._fake_records import RequestLog, RequestRecord
from wavevid.testing._fake_responses import Response, failure, media, status_failure, success
from wavevid.testing._fake_rules import Fault, JobScript, RuleBook, subset_matches
from wavevid.testing._fake_server import Inbound, Reply
from wavevid.testing._fake_webhooks import WebhookOptions, webhook_payload

_API_PREFIX = "/api/v3/"
_RESERVED = "(?!(?:predictions|media|webhook|balance|models)(?:/|$))"
_SYNC_TIMEOUT = (
    "Sync mode timed out after {seconds:g} seconds. "
    "The prediction is still processing asynchronously."
)


@dataclass(frozen=True)
class Settings:
    """The fixed configuration of one fake."""

    api_key: str
    processing_seconds: float
    queue_seconds: float
    sync_timeout_seconds: float
    webhook_secret: str
    video_bytes: bytes


class _Refusal(Exception):
    """Raised by an endpoint to answer an error envelope instead of its normal answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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
        self.models = default_models() if models is None else models
        self.webhooks = WebhookDispatcher(
            settings.webhook_secret,
            webhooks or WebhookOptions(),
            lambda job: webhook_payload(job, self.base_url),
        )
        self.log = RequestLog()
        self.jobs = JobStore()
        self.media = MediaStore()
        self.faults: RuleBook[Fault] = RuleBook()
        self.scripts: RuleBook[JobScript] = RuleBook()
        self._connections = 0
        self._connections_lock = threading.Lock()
        self._routes = self._route_table()

    def _route_table(self) -> tuple[_Route, ...]:
        table: tuple[tuple[str, str, str | None, Callable[[_Call], Response]], ...] = (
            ("GET", "/api/v3/balance", None, self._balance),
            ("GET", "/api/v3/webhook/secret", None, self._webhook_secret),
            ("GET", "/api/v3/models", None, self._models),
            ("GET", "/api/v3/predictions/(?P<job>[^/]+)(?:/result)?", "poll", self._result),
            ("POST", "/api/v3/predictions", None, self._history),
            ("POST", "/api/v3/media/uploads", "upload", self._upload_ticket),
            ("POST", "/api/v3/media/upload/binary", "upload", self._upload_binary),
            ("POST", f"/api/v3/{_RESERVED}(?P<model>.+)", "submit", self._submit),
            ("PUT", "/upload/(?P<token>[^/]+)", "upload", self._upload_put),
            ("GET", r"/outputs/(?P<job>[^/]+)\.mp4", "download", self._download),
            ("GET", "/media/(?P<token>[^/]+)/[^/]+", None, self._uploaded_file),
        )
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
        """Record, authenticate, route, apply the first matching fault, and answer."""
        record = _record_of(inbound)
        slot = self.log.append(record)
        if inbound.path.startswith(_API_PREFIX) and not inbound.authorized:
            return Reply(failure(401, "Unauthorized: invalid API key"))
        route, params = self._match(inbound.method, inbound.path)
        job = self.jobs.get(params.get("job"))
        if job is not None:
            self.log.attach_job(slot, job.id)
        fault = self._take_fault(route, job, record)
        if fault is not None and fault.status is not None:
            return Reply(status_failure(fault.status, fault.retry_after), fault)
        if route is None:
            return Reply(failure(404, f"Not found: {inbound.method} {inbound.path}"), fault)
        call = _Call(record, params, job, lambda job_id: self.log.attach_job(slot, job_id))
        try:
            return Reply(route.endpoint(call), fault)
        except _Refusal as refusal:
            return Reply(failure(refusal.status, str(refusal)), fault)

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
        body = _json_object(call.record)
        script = self.scripts.take(lambda candidate: subset_matches(candidate.when, body))
        plan = Plan.from_script(
            script,
            queue_seconds=self.settings.queue_seconds,
            processing_seconds=self.settings.processing_seconds,
        )
        job = self.jobs.create(call.params["model"], body, call.record.query.get("webhook"), plan)
        call.note_job(job.id)
        self.webhooks.watch(job)
        if body.get("enable_sync_mode") is True:
            return self._sync_answer(job)
        return success(render_prediction(job, self.base_url, submitted=True))

    def _sync_answer(self, job: FakeJob) -> Response:
        seconds = self.settings.sync_timeout_seconds
        finished = self.jobs.wait_terminal(job, seconds)
        data = render_prediction(job, self.base_url)
        if not finished:
            data.update(status="processing", code=5004, error=_SYNC_TIMEOUT.format(seconds=seconds))
        return success(data)

    def _result(self, call: _Call) -> Response:
        if call.job is None:
            raise _Refusal(404, f"Prediction not found: {call.params['job']}")
        return success(render_prediction(call.job, self.base_url))

    def _download(self, call: _Call) -> Response:
        if call.job is None or call.job.status != "completed":
            raise _Refusal(404, "Output not found")
        return media(self.settings.video_bytes, "video/mp4", call.record.header("Range"))

    def _history(self, call: _Call) -> Response:
        query = _json_object(call.record)
        page, size = query.get("page"), query.get("page_size")
        if not (_is_int_in(page, 1, None) and _is_int_in(size, 1, 100)):
            raise _Refusal(400, "page must be an integer >= 1 and page_size one in 1..100")
        model, status = query.get("model"), query.get("status")
        after, before = _moment(query, "created_after"), _moment(query, "created_before")
        listed = [
            job for job in self.jobs.newest_first() if _listed(job, model, status, after, before)
        ]
        start = (page - 1) * size
        items = [self._history_item(job) for job in listed[start : start + size]]
        return success({"page": page, "total": len(listed), "items": items})

    def _history_item(self, job: FakeJob) -> dict[str, Any]:
        return {**render_prediction(job, self.base_url), "input": job.input}

    # Account

    def _balance(self, call: _Call) -> Response:
        return success({"balance": self.balance})

    def _webhook_secret(self, call: _Call) -> Response:
        return success({"secret": self.settings.webhook_secret})

    def _models(self, call: _Call) -> Response:
        return success(self.models)

    # Media

    def _upload_ticket(self, call: _Call) -> Response:
        body = _json_object(call.record)
        filename, size, content_type = (
            body.get("filename"),
            body.get("size"),
            body.get("content_type"),
        )
        if not (
            isinstance(filename, str)
            and filename
            and _is_int_in(size, 0, None)
            and isinstance(content_type, (str, type(None)))
        ):
            raise _Refusal(
                400, "Expected filename, size (an integer >= 0), content_type (optional)"
            )
        kind = _kind_of(filename, content_type)
        content_type = content_type or guess_type(filename)
        ticket = self.media.open_ticket(filename, size, content_type)
        upload = {
            "method": "PUT",
            "url": f"{self.base_url}/upload/{ticket.token}",
            "headers": {"Content-Type": content_type},
        }
        return success({**self._media_fields(kind, ticket.token, filename, size), "upload": upload})

    def _upload_put(self, call: _Call) -> Response:
        ticket = self.media.ticket(call.params["token"])
        if ticket is None:
            raise _Refusal(404, "Unknown upload URL")
        _check_presigned_put(call.record, ticket.content_type, ticket.size)
        stored = StoredMedia(ticket.filename, ticket.content_type, call.record.body)
        self.media.put(ticket.token, stored)
        return Response(200)

    def _upload_binary(self, call: _Call) -> Response:
        content_type = call.record.header("Content-Type") or ""
        stored = parse_multipart_file(content_type, call.record.body)
        if stored is None:
            raise _Refusal(400, "Expected multipart/form-data with a 'file' field")
        kind = _kind_of(stored.filename, stored.content_type)
        token = self.media.add(stored)
        return success(self._media_fields(kind, token, stored.filename, len(stored.data)))

    def _media_fields(self, kind: str, token: str, filename: str, size: int) -> dict[str, Any]:
        download_url = f"{self.base_url}/media/{token}/{quote(filename, safe='')}"
        return {"type": kind, "download_url": download_url, "filename": filename, "size": size}

    def _uploaded_file(self, call: _Call) -> Response:
        stored = self.media.get(call.params["token"])
        if stored is None:
            raise _Refusal(404, "Media not found")
        return media(stored.data, stored.content_type, call.record.header("Range"))


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


def _json_object(record: RequestRecord) -> dict[str, Any]:
    """The request's JSON body; a 400 refusal unless it is an object."""
    if not isinstance(record.json, dict):
        raise _Refusal(400, "The request body must be a JSON object")
    return record.json


def _is_int_in(value: object, low: int, high: int | None) -> TypeGuard[int]:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return low <= value and (high is None or value <= high)


def _moment(query: dict[str, Any], name: str) -> datetime | None:
    """Parse optional ISO-8601 date-time ``query[name]`` (naive means UTC); 400 if invalid."""
    value = query.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.endswith("Z"):  # Python 3.10 does not accept "Z"
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):  # not a string, or not ISO-8601
        raise _Refusal(400, f"{name} must be an ISO-8601 date-time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _listed(
    job: FakeJob,
    model: object,
    status: object,
    after: datetime | None,
    before: datetime | None,
) -> bool:
    """History filter: ``created_after`` is inclusive, ``created_before`` exclusive."""
    return (
        (model is None or job.model == model)
        and (status is None or job.status == status)
        and (after is None or job.created_at >= after)
        and (before is None or job.created_at < before)
    )


def _kind_of(filename: str, content_type: str | None) -> str:
    """``image``, ``video`` or ``audio``; a 400 refusal for any other file."""
    kind = media_kind(filename, content_type)
    if kind is None:
        raise _Refusal(400, f"Unsupported file type: {filename}")
    return kind


def _check_presigned_put(record: RequestRecord, content_type: str, size: int) -> None:
    """Refuse (400) a PUT with a key, another Content-Type, or another size than announced."""
    if record.had_authorization:
        raise _Refusal(400, "A presigned upload URL must not receive an Authorization header")
    if record.header("Content-Type") != content_type:
        raise _Refusal(400, f"Content-Type must be {content_type!r}, as in the upload headers")
    if len(record.body) != size:
        raise _Refusal(400, f"Expected {size} bytes as announced, received {len(record.body)}")
