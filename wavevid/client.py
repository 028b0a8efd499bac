"""``Client``: configuration, the catalog, and the operations, as thin glue over the modules that
do the work (catalog, payload, transport, jobs, download, media)."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from . import download, media
from ._constants import (
    API_KEY_ENV,
    BASE_URL_ENV,
    BATCH_WORKERS,
    CALL_DEADLINE,
    DEFAULT_BASE_URL,
    DEFAULT_EXPECTED_SECONDS,
    DOWNLOAD_TIMEOUT,
    FIND_SUBMISSION_SLACK,
    JOB_PROGRESS_SHARE,
    JOB_TIMEOUT,
    MAX_RETRIES,
    POLL_INTERVAL_ENV,
    REQUEST_TIMEOUT,
    SYNC_READ_TIMEOUT,
    UPLOAD_TIMEOUT,
)
from ._deadline import Clock, Deadline
from ._logging import get_logger, register_secret
from ._progress import Progress, ProgressCallback
from ._retry import RetryPolicy
from ._transport import SessionFactory, Transport
from .batch import BatchProgress, run_batch
from .catalog import Catalog, Model, load_catalog
from .errors import (
    APIError,
    ConfigurationError,
    DownloadError,
    SubmissionUncertainError,
    UnknownModelError,
)
from .jobs import Job, Poller, Stopped, attach_job
from .payload import fingerprint, is_local_media, with_defaults
from .results import BatchItem, VideoResult

logger = get_logger("wavevid.client")

_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_warned_paths: set[str] = set()


class Client:
    """A WaveSpeed client. One instance is safe to share across threads; ``close()`` (or a
    ``with`` block) releases its pooled connections.

    Args:
        api_key: the WaveSpeed key; default: ``WAVESPEED_API_KEY``. A missing key is a
            ConfigurationError at the first request, not here.
        base_url: default: ``WAVESPEED_BASE_URL`` or https://api.wavespeed.ai. Plain http is
            refused unless the host is loopback.
        catalog_paths: extra catalog folders, read after ``WAVEVID_CATALOG_PATH``'s.
        request_timeout: seconds one HTTP request may wait for the server; never a job deadline.
        poll_interval: None to schedule polls from the model's expected time (or the fixed
            interval in ``WAVEVID_POLL_INTERVAL``); a number to poll at that fixed interval.
        max_retries: retries of safe requests (a submit is retried only when provably not
            accepted).
        session_factory: makes each thread's ``requests.Session`` (proxies, CA bundle, mTLS).

    Raises:
        ConfigurationError: a bad base URL.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        catalog_paths: Sequence[str | os.PathLike[str]] | None = None,
        request_timeout: float | None = None,
        poll_interval: float | None = None,
        max_retries: int | None = None,
        session_factory: SessionFactory | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._catalog_paths = tuple(catalog_paths or ())
        self._catalog: Catalog | None = None
        self._catalog_lock = threading.Lock()
        self._clock = clock
        if poll_interval is None and os.environ.get(POLL_INTERVAL_ENV):
            poll_interval = _positive_float(POLL_INTERVAL_ENV, os.environ[POLL_INTERVAL_ENV])
        self._poller = Poller(self._fetch_job, clock, sleep, poll_interval)
        self._transport = Transport(
            api_key=api_key if api_key is not None else os.environ.get(API_KEY_ENV),
            base_url=base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
            request_timeout=_or(request_timeout, REQUEST_TIMEOUT),
            policy=RetryPolicy(max_retries=MAX_RETRIES if max_retries is None else max_retries),
            session_factory=session_factory,
            clock=clock,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"<wavevid.Client {self._transport.base_url}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections. The client stays usable; later calls reconnect."""
        self._transport.close()

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def catalog(self) -> Catalog:
        """The catalog: built-in, ``WAVEVID_CATALOG_PATH`` folders, then ``catalog_paths``;
        read on first use."""
        with self._catalog_lock:
            if self._catalog is None:
                self._catalog = load_catalog(*self._catalog_paths)
            return self._catalog

    def _deadline(self, seconds: float | None = None) -> Deadline:
        return Deadline(_or(seconds, CALL_DEADLINE), self._clock)

    # --- jobs ----------------------------------------------------------------------------------

    def submit(
        self,
        model: str,
        input: Mapping[str, Any] | None = None,
        *,
        webhook_url: str | None = None,
        validate: bool = True,
        sync: bool = False,
        timeout: float | None = None,
        **params: Any,
    ) -> Job:
        """Validate, upload local media, POST the job once, and return it at once.

        Args:
            model: a catalog name, alias or WaveSpeed path. A path outside the catalog is sent
                unvalidated (warned once).
            input: model parameters; keyword arguments add more.
            webhook_url: WaveSpeed POSTs the outcome there (see ``wavevid.webhooks``).
            validate: False sends the input as given (defaults are still filled in).
            sync: ask WaveSpeed to answer when the video is ready (``enable_sync_mode``); if it
                answers still-processing, the returned job is polled as usual.
            timeout: seconds for uploads and the submit itself.

        Raises:
            InvalidParametersError, UnknownModelError: nothing was uploaded or sent.
            SubmissionUncertainError: the job may exist; see ``find_submission``.
            APIError, APIConnectionError, ConfigurationError.
        """
        if timeout is None:
            timeout = CALL_DEADLINE + (SYNC_READ_TIMEOUT if sync else 0.0)
        deadline = Deadline(timeout, self._clock)
        return self._submit(model, _merged(input, params), deadline, webhook_url, validate, sync)

    def _submit(
        self,
        name: str,
        values: dict[str, Any],
        deadline: Deadline,
        webhook_url: str | None,
        validate: bool = True,
        sync: bool = False,
    ) -> Job:
        model = self._model(name)
        if model is None:
            payload = {key: value for key, value in values.items() if value is not None}
        elif validate:
            payload = model.build_payload(values)
        else:
            payload = with_defaults(model.defaults, values)
        payload = self._upload_local_media(payload, deadline)
        if sync:
            payload["enable_sync_mode"] = True
        path = model.path if model else name
        data = self._transport.submit(
            path,
            payload,
            deadline=deadline,
            query={"webhook": webhook_url} if webhook_url else None,
            read_timeout=SYNC_READ_TIMEOUT if sync else None,
        )
        if not isinstance(data, Mapping) or not data.get("id"):
            raise APIError("the submit answer has no job id", status_code=200)
        logger.info("submitted job %s to %s", data["id"], path)
        expected = model.expected_seconds(payload) if model else DEFAULT_EXPECTED_SECONDS
        return Job(data, self._poller, expected_seconds=expected,
                   model_name=model.name if model else name, payload=payload)

    def _model(self, name: str) -> Model | None:
        """The catalog model, or None for a WaveSpeed path the catalog does not know."""
        try:
            return self.catalog.get(name)
        except UnknownModelError:
            if "/" not in name.strip("/"):
                raise
        if name not in _warned_paths:
            _warned_paths.add(name)
            logger.warning("%s is not in the catalog: its input is sent unvalidated", name)
        return None

    def _upload_local_media(self, payload: dict[str, Any], deadline: Deadline) -> dict[str, Any]:
        """The payload with each local file (Path, bytes, binary file) replaced by its URL."""
        return {
            key: self._upload_in(value, deadline) if is_local_media(value) else value
            for key, value in payload.items()
        }

    def _upload_in(self, value: Any, deadline: Deadline) -> str:
        return media.upload(self._transport, value, deadline=deadline)

    def get_job(self, job_id: str, *, timeout: float | None = None) -> Job:
        """The job's current state, from its id alone (one GET): from any process or machine.

        Raises:
            ValueError: not a job id. NotFoundError: no such job (WaveSpeed keeps 7 days).
        """
        if not _JOB_ID.match(job_id):
            raise ValueError(f"not a WaveSpeed job id: {job_id!r}")
        data = self._fetch_job(job_id, self._deadline(timeout))
        return self._job_from(data)

    def _fetch_job(self, job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        data = self._transport.call(
            "GET", f"predictions/{job_id}/result", deadline=deadline, job_id=job_id
        )
        if not isinstance(data, Mapping) or "id" not in data:
            raise APIError("the job answer has no job", status_code=200, job_id=job_id)
        return data

    def _job_from(self, data: Mapping[str, Any]) -> Job:
        """A Job for data WaveSpeed sent about it (a poll, a history item)."""
        path = str(data.get("model") or "")
        model = self.catalog.find(path)
        payload = data.get("input") if isinstance(data.get("input"), Mapping) else None
        expected = model.expected_seconds(payload) if model else DEFAULT_EXPECTED_SECONDS
        return Job(data, self._poller, expected_seconds=expected,
                   model_name=model.name if model else path or None, payload=payload)

    def list_jobs(
        self,
        *,
        model: str | None = None,
        status: str | None = None,
        created_after: dt.datetime | None = None,
        created_before: dt.datetime | None = None,
        page_size: int = 100,
        timeout: float | None = None,
    ) -> Iterator[Job]:
        """Recent jobs, newest first, fetched a page at a time as you iterate (WaveSpeed keeps
        7 days of history). ``model`` is a catalog name or a WaveSpeed path."""
        query: dict[str, Any] = {"page_size": page_size}
        if model:
            known = self.catalog.find(model)
            query["model"] = known.path if known else model
        if status:
            query["status"] = status
        for key, moment in (("created_after", created_after), ("created_before", created_before)):
            if moment is not None:
                query[key] = _iso(moment)
        page = 1
        while True:
            body = {**query, "page": page}
            data = self._transport.call(
                "POST", "predictions", deadline=self._deadline(timeout), body=body
            )
            if not isinstance(data, Mapping):
                raise APIError("the history answer has no page", status_code=200)
            items = data.get("items") or []
            for item in items:
                yield self._job_from(item)
            total = data.get("total")
            if not items or (isinstance(total, int) and page * page_size >= total):
                return
            page += 1

    def find_submission(
        self, error: SubmissionUncertainError, *, timeout: float | None = None
    ) -> Job | None:
        """Look in recent history for the job an uncertain submit may have created: same model,
        created since shortly before the submit, same input (by fingerprint). Best effort: None
        means no match was found, not that the job does not exist."""
        since = error.submitted_at - dt.timedelta(seconds=FIND_SUBMISSION_SLACK)
        for job in self.list_jobs(model=error.model, created_after=since, timeout=timeout):
            if job.payload is not None and fingerprint(job.payload) == error.fingerprint:
                return job
        return None

    # --- files ---------------------------------------------------------------------------------

    def upload(self, source: media.MediaSource, *, timeout: float | None = None) -> str:
        """Upload a local file (``pathlib.Path``, bytes, or a binary file object); returns the
        URL to pass as a media parameter. A ``str`` is refused: it is a URL already."""
        return media.upload(
            self._transport, source, deadline=Deadline(_or(timeout, UPLOAD_TIMEOUT), self._clock)
        )

    def download(
        self, job_or_url: Job | str, path: str | os.PathLike[str], *, timeout: float | None = None
    ) -> Path:
        """Save a completed job's video (or an http(s) output URL) to ``path``: complete or
        not at all.

        Raises:
            DownloadError: nothing partial is left, an existing file is untouched.
        """
        url = _output_url(job_or_url) if isinstance(job_or_url, Job) else job_or_url
        deadline = Deadline(_or(timeout, DOWNLOAD_TIMEOUT), self._clock)
        return download.download_to_path(self._transport, url, path, deadline=deadline)

    # --- generation ----------------------------------------------------------------------------

    def generate(
        self,
        model: str,
        input: Mapping[str, Any] | None = None,
        *,
        output_path: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        progress_callback: ProgressCallback | None = None,
        webhook_url: str | None = None,
        **params: Any,
    ) -> VideoResult:
        """Submit, wait and download: the finished video, before it returns.

        Args:
            model: a catalog name, alias or WaveSpeed path.
            input: model parameters; keyword arguments add more.
            output_path: stream the video there (its folder is checked before submitting);
                else the bytes are kept in memory (``result.read()``).
            timeout: deadline of the job (submit, queue, processing); default JOB_TIMEOUT. The
                download has its own (DOWNLOAD_TIMEOUT).
            progress_callback: ``callback(fraction, message)``, ending at exactly 1.0.

        Raises:
            InvalidParametersError, UnknownModelError, DownloadError (an unwritable folder):
                before anything is submitted.
            JobFailedError, JobTimeoutError (with the job id), SubmissionUncertainError,
            DownloadError, APIError, APIConnectionError, ConfigurationError.
        """
        return self._generate(model, _merged(input, params), output_path=output_path,
                              timeout=timeout, progress_callback=progress_callback,
                              webhook_url=webhook_url)

    def _generate(
        self,
        model: str,
        values: dict[str, Any],
        *,
        output_path: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        progress_callback: ProgressCallback | None = None,
        webhook_url: str | None = None,
        stop: threading.Event | None = None,
        on_submitted: Callable[[Job], None] | None = None,
    ) -> VideoResult:
        started = self._clock()
        target = download.check_writable(output_path) if output_path is not None else None
        deadline = Deadline(JOB_TIMEOUT if timeout is None else timeout, self._clock)
        progress = Progress(progress_callback, JOB_PROGRESS_SHARE)
        job = self._submit(model, values, deadline, webhook_url)
        if on_submitted:
            on_submitted(job)
        try:
            progress.queued()
            job.wait_until(deadline, progress, stop)
            url = _output_url(job)

            def on_bytes(received: int, total: int | None) -> None:
                if stop is not None and stop.is_set():
                    raise Stopped(job.id)
                progress.downloading(received, total)

            content, path = download.fetch(
                self._transport, url, target,
                deadline=Deadline(DOWNLOAD_TIMEOUT, self._clock), on_progress=on_bytes,
            )
        except KeyboardInterrupt as interrupt:
            attach_job(interrupt, job.id)
            raise
        except DownloadError as error:
            error.job_id = job.id
            if hasattr(error, "add_note"):
                error.add_note(f"job {job.id} completed; client.download(client.get_job("
                               f"{job.id!r}), path) downloads it again")
            raise
        progress.finished()
        catalog_model = self.catalog.find(model)
        return VideoResult(
            job_id=job.id,
            model_name=catalog_model.name if catalog_model else model,
            model_path=job.model or (catalog_model.path if catalog_model else model),
            url=url,
            outputs=job.outputs,
            parameters=dict(job.payload or {}),
            estimated_cost=catalog_model.estimate_cost(job.payload) if catalog_model else None,
            elapsed_seconds=self._clock() - started,
            has_nsfw_contents=job.has_nsfw_contents,
            path=path,
            _content=content,
        )

    def generate_many(
        self,
        requests: Sequence[Mapping[str, Any]],
        max_workers: int = BATCH_WORKERS,
        *,
        progress_callback: BatchProgress | None = None,
    ) -> list[BatchItem]:
        """Generate several videos, ``max_workers`` at a time; one failure does not stop the rest.

        Args:
            requests: mappings with ``model`` and ``input``, and optionally ``output_path``,
                ``timeout``, ``webhook_url``.
            max_workers: jobs in flight at once (3 matches the default account tier).
            progress_callback: ``callback(index, fraction, message)`` per request.

        Returns:
            A BatchItem per request, in order: ``result`` or ``error``, and the ``job_id``.

        Raises:
            KeyboardInterrupt: after stopping the workers, with ``job_ids`` (every job
                submitted so far) set on it.
        """
        return run_batch(self._generate, requests, max_workers, progress_callback)

    # --- account -------------------------------------------------------------------------------

    def webhook_secret(self, *, timeout: float | None = None) -> str:
        """The account's webhook signing secret (``whsec_...``), for ``webhooks.verify``.
        Redacted from wavevid's logs from now on."""
        data = self._transport.call("GET", "webhook/secret", deadline=self._deadline(timeout))
        secret = data.get("secret") if isinstance(data, Mapping) else data
        if not isinstance(secret, str) or not secret:
            raise APIError("the webhook secret answer has no secret", status_code=200)
        register_secret(secret)
        return secret

    def live_models(self, *, timeout: float | None = None) -> list[dict[str, Any]]:
        """WaveSpeed's live model list (``GET /api/v3/models``) as it answers it: each entry's
        ``model_id``, ``type``, ``base_price``, ``formula`` and ``api_schema``. See
        ``wavevid.catalog_sync`` to import or diff it."""
        data = self._transport.call("GET", "models", deadline=self._deadline(timeout))
        if not isinstance(data, list):
            raise APIError("the model list answer has no list", status_code=200)
        return [entry for entry in data if isinstance(entry, dict)]

    def balance(self, *, timeout: float | None = None) -> Decimal:
        """The account balance in USD.

        Raises:
            APIError, APIConnectionError, ConfigurationError.
        """
        data = self._transport.call("GET", "balance", deadline=self._deadline(timeout))
        value = data.get("balance") if isinstance(data, dict) else None
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            raise APIError("the balance answer has no balance", status_code=200)
        return Decimal(str(value))


def _or(value: float | None, default: float) -> float:
    """``value`` unless it is None: 0 is a value (a deadline already passed), not a default."""
    return default if value is None else value


def _merged(input: Mapping[str, Any] | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """``input`` and keyword parameters as one mapping; a name given in both is an error."""
    values = dict(input or {})
    both = sorted(set(values) & set(params))
    if both:
        raise TypeError(f"given both in input and as keywords: {', '.join(both)}")
    values.update(params)
    return values


def _output_url(job: Job) -> str:
    """A completed job's video URL. Raises DownloadError when there is none to download."""
    if not job.succeeded:
        raise DownloadError(f"job {job.id} is {job.status}, not completed: nothing to download")
    url = job.outputs[0] if job.outputs else None
    if not isinstance(url, str):
        raise DownloadError(f"job {job.id} completed without an output URL: {job.outputs!r}")
    return url


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _positive_float(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, not {text!r}")
    return value
