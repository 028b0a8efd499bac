"""What a client's operations share: the transport, the catalog (read on first use), model
names resolved to endpoints (``_endpoints``), and Jobs made from what WaveSpeed says about
them."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ._checks import CHECK_POLICY, JobChecker, is_loopback_url
from ._constants import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_EXPECTED_SECONDS,
    MAX_RETRIES,
    POLL_INTERVAL_ENV,
    RECOVERY_DELAYS,
    REQUEST_TIMEOUT,
    SUBMIT_RETRIES,
)
from ._deadline import Clock, Deadline
from ._download import DownloadLimits
from ._endpoints import Endpoint, resolve
from ._job_data import JOB_ID_CHARACTERS, is_job_id
from ._locks import ForkSafeLock
from ._logging import get_logger
from ._retry import RetryPolicy
from ._short_text import short_repr
from ._steps import Call, Plan, run
from ._transport import SessionFactory, Transport
from .catalog import Catalog, load_catalog
from .errors import APIError, ConfigurationError, InvalidParametersError, ParameterProblem
from .jobs import Job

logger = get_logger("wavevid.client")

#: ``catalog_paths``: one folder (a str or path-like), or several.
CatalogPaths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


class Runtime:
    """One client's shared state; safe to share across threads."""

    def __init__(
        self,
        transport: Transport,
        catalog_paths: CatalogPaths,
        clock: Clock,
        sleep: Callable[[float], None],
        poll_interval: float | None,
        recovery_delays: Sequence[float] = RECOVERY_DELAYS,
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.sleep = sleep
        self.recovery_delays = tuple(sorted(recovery_delays))
        """Seconds after an uncertain submit at which the history is searched for the job."""
        self.download_limits = DownloadLimits()
        """Size limits of downloads into memory and to files (``Client`` sets its own)."""
        self._ours: set[str] = set()
        self._ours_lock = ForkSafeLock()
        self._in_flight: Counter[str] = Counter()
        if poll_interval is None and os.environ.get(POLL_INTERVAL_ENV):
            poll_interval = _positive_float(POLL_INTERVAL_ENV, os.environ[POLL_INTERVAL_ENV])
        self.checker = JobChecker(self._check_job, clock, sleep, poll_interval,
                             loopback=is_loopback_url(transport.base_url),
                             retries=transport.policy.max_retries)
        # A str is one folder, never a sequence of one-letter folders.
        if isinstance(catalog_paths, (str, os.PathLike)):
            catalog_paths = (catalog_paths,)
        self._catalog_paths = tuple(catalog_paths)
        self._catalog: Catalog | None = None
        self._catalog_lock = ForkSafeLock()

    @classmethod
    def configured(
        cls,
        *,
        api_key: str | None,
        base_url: str | None,
        catalog_paths: CatalogPaths,
        request_timeout: float | None,
        poll_interval: float | None,
        max_retries: int | None,
        submit_retries: int | None,
        recovery_delays: Sequence[float],
        session_factory: SessionFactory | None,
        max_download_memory_bytes: int | None,
        max_download_file_bytes: int | None,
        clock: Clock,
        sleep: Callable[[float], None],
    ) -> Runtime:
        """A runtime from ``Client``'s (and ``AsyncClient``'s) arguments, the environment
        filling what is None. Raises ConfigurationError as ``Client`` does."""
        limits = DownloadLimits.configured(max_download_memory_bytes, max_download_file_bytes)
        policy = RetryPolicy(max_retries=MAX_RETRIES if max_retries is None else max_retries)
        transport = Transport(
            api_key=api_key if api_key is not None else os.environ.get(API_KEY_ENV),
            base_url=base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
            request_timeout=REQUEST_TIMEOUT if request_timeout is None else request_timeout,
            policy=policy,
            submit_policy=policy.for_submits(
                SUBMIT_RETRIES if submit_retries is None else submit_retries
            ),
            session_factory=session_factory,
            clock=clock,
            sleep=sleep,
        )
        runtime = cls(transport, catalog_paths, clock, sleep, poll_interval, recovery_delays)
        runtime.download_limits = limits
        return runtime

    @property
    def catalog(self) -> Catalog:
        with self._catalog_lock:
            if self._catalog is None:
                self._catalog = load_catalog(*self._catalog_paths)
            return self._catalog

    def catalog_steps(self) -> Plan[Catalog]:
        """``catalog`` as a plan: reading it the first time is a call (it reads files)."""
        if self._catalog is None:
            yield Call(lambda: self.catalog)
        return self.catalog

    def remember(self, job_id: str) -> None:
        """Note a job this client submitted: never a candidate for another submit's recovery."""
        with self._ours_lock:
            self._ours.add(job_id)

    def claim(self, job_id: str) -> bool:
        """Adopt a recovered job: False when this client already has it (another thread's)."""
        with self._ours_lock:
            if job_id in self._ours:
                return False
            self._ours.add(job_id)
            return True

    def is_ours(self, job_id: str) -> bool:
        with self._ours_lock:
            return job_id in self._ours

    @contextmanager
    def submitting(self, fingerprint: str) -> Iterator[None]:
        """A submit of this body is under way: until its answer, its job may be in the history
        unclaimed, and no recovery of an identical body may take it."""
        with self._ours_lock:
            self._in_flight[fingerprint] += 1
        try:
            yield
        finally:
            with self._ours_lock:
                self._in_flight[fingerprint] -= 1
                if not self._in_flight[fingerprint]:
                    del self._in_flight[fingerprint]

    def is_submitting(self, fingerprint: str) -> bool:
        with self._ours_lock:
            return fingerprint in self._in_flight

    def resolve_steps(self, name: str) -> Plan[Endpoint]:
        """:meth:`resolve` as a plan: the catalog read first, as a call, if it is not yet (the
        resolving itself, and its warnings, happen where the plan runs)."""
        yield from self.catalog_steps()
        return self.resolve(name)

    def resolve(self, name: str) -> Endpoint:
        """The endpoint of a catalog name, alias or path (``_endpoints.resolve``).

        Raises:
            UnknownModelError: before any request (see ``_endpoints.resolve``).
        """
        return resolve(self.catalog, name)

    def check_once(self, job_id: str, deadline: Deadline) -> Mapping[str, Any] | None:
        """For a job nobody waits on (a recovery candidate): one check, no retries, the gap kept;
        inside the gap the last answer seen, else None."""
        data = self.checker.check(job_id, self.checker.intervals(None)[0], deadline)
        if data is None:
            latest = self.checker.checks.latest(job_id)
            return latest[0] if latest else None
        return data

    def _check_job(self, job_id: str, deadline: Deadline) -> Mapping[str, Any]:
        """One check: a GET without the transport's retries (the caller schedules the next)."""
        data = self.transport.call(
            "GET", f"predictions/{job_id}/result", deadline=deadline, job_id=job_id,
            policy=CHECK_POLICY,
        )
        if not isinstance(data, Mapping) or not is_job_id(data.get("id")):
            raise APIError("the job answer has no job", status_code=200, job_id=job_id)
        return data

    def get_job(self, job_id: str, deadline: Deadline) -> Job:
        """``Client.get_job``: :meth:`get_job_steps` run on this thread."""
        return run(self.get_job_steps(job_id, deadline), self.sleep)

    def get_job_steps(self, job_id: str, deadline: Deadline) -> Plan[Job]:
        """``get_job`` as a plan (``_steps``): one check, or within the job's minimum gap the
        last answer (see ``_checks``); a transient failure checked again after the gap.
        Raises InvalidParametersError (a ValueError) for what is not a job id, before any
        request."""
        if not is_job_id(job_id):
            raise InvalidParametersError("get_job", [ParameterProblem(
                "job_id", f"{short_repr(job_id)} is not a WaveSpeed job id ({JOB_ID_CHARACTERS})"
            )])
        data = yield from self.checker.get_steps(job_id, deadline)
        yield from self.catalog_steps()
        return self.job_from(data)

    def job_from(
        self, data: Mapping[str, Any], endpoint: Endpoint | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> Job:
        """A Job for data WaveSpeed sent about it (a submit answer, a poll, a history item).

        ``endpoint`` and ``payload`` are known for a job this client submitted; otherwise the
        model is looked up by the path in the data, and the payload is the data's ``input``.
        """
        if endpoint is None:
            named = data.get("model")
            path = named if isinstance(named, str) else ""
            model = self.catalog.find(path)
            endpoint = Endpoint(path, model)
            payload = input_in(data)
        model = endpoint.model
        expected = model.expected_seconds(payload) if model else DEFAULT_EXPECTED_SECONDS
        return Job(data, self.checker, expected_seconds=expected,
                   model_name=endpoint.name or None, payload=payload, entry=model,
                   path=endpoint.path)


def input_in(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The job input WaveSpeed states in ``data``: ``inputs``, else ``input`` (WaveSpeed's own
    CLI reads both; history items in the documented shape carry neither), or None."""
    for key in ("inputs", "input"):
        value = data.get(key)
        if isinstance(value, Mapping):
            return value
    return None


def _positive_float(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, not {text!r}")
    return value
