"""``AsyncClient``'s method groups that find jobs and ask about the account (the async forms of
``_job_lookups.JobLookups`` and ``_account.AccountCalls``, on the same functions), and what
every async method stands on: the runtime, the pool, plans driven from the loop."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from . import _account, _async_batch, _history, _prices, _recovery
from ._async_flow import drive
from ._client_base import ClientBase
from ._deadline import Deadline
from ._endpoints import Endpoint
from ._offload import Offload
from ._prices import Charge, Quote
from ._run_times import RunTimeEstimate
from ._steps import Plan
from .errors import SubmissionUncertainError
from .jobs import Job

T = TypeVar("T")


class AsyncClientBase(ClientBase):
    """The state ``AsyncClient`` sets up, and how its methods run blocking work."""

    _offload: Offload

    async def _run(self, call: Callable[[], T], deadline: Deadline | None = None) -> T:
        """``call()`` on the pool (a cancel cuts ``deadline``)."""
        return await self._offload.run(call, [] if deadline is None else [deadline])

    async def _drive(self, plan: Plan[T]) -> T:
        """``plan`` (``_steps``) run from the loop (``_async_flow.drive``)."""
        return await drive(self._offload, plan)

    async def _resolve(self, model: str) -> Endpoint:
        """``Runtime.resolve``: the catalog read on the pool the first time; the resolving,
        and its warnings, on the loop (they point at the caller's line)."""
        return await self._drive(self._runtime.resolve_steps(model))


class AsyncJobLookups(AsyncClientBase):
    """``JobLookups`` for ``AsyncClient``."""

    async def get_job(self, job_id: str, *, timeout: float | None = None) -> Job:
        """As ``Client.get_job``; a wait for the minimum gap is ``asyncio.sleep``."""
        return await self._drive(self._runtime.get_job_steps(job_id, self._deadline(timeout)))

    def run_time_estimates(self) -> list[RunTimeEstimate]:
        """As ``Client.run_time_estimates`` (no I/O)."""
        return self._runtime.checker.run_times.snapshot()

    def list_jobs(
        self,
        *,
        model: str | None = None,
        status: str | None = None,
        created_after: dt.datetime | None = None,
        created_before: dt.datetime | None = None,
        page_size: int = 100,
        timeout: float | None = None,
    ) -> AsyncIterator[Job]:
        """As ``Client.list_jobs``: ``async for job in aclient.list_jobs(...)``."""
        pages = functools.partial(
            _history.list_jobs, self._runtime, model=model, status=status,
            created_after=created_after, created_before=created_before, page_size=page_size,
        )
        return _async_batch.list_jobs(self._offload, pages, lambda: self._deadline(timeout))

    async def find_submission(
        self,
        error: SubmissionUncertainError,
        *,
        timeout: float | None = None,
        allow_unverified_single: bool = False,
    ) -> Job | None:
        """As ``Client.find_submission``: one look in recent history for the job of an
        uncertain submit (``error``, or a cancel's ``uncertain``); the job only on positive
        identification, else None with ``error.candidates`` set."""
        deadline = self._deadline(timeout)
        return await self._run(functools.partial(
            _recovery.look, self._runtime, error, deadline,
            allow_unverified_single=allow_unverified_single,
        ), deadline)


class AsyncAccountCalls(AsyncClientBase):
    """``AccountCalls`` for ``AsyncClient``."""

    async def balance(self, *, timeout: float | None = None) -> Decimal:
        """As ``Client.balance``: the account balance in USD."""
        deadline = self._deadline(timeout)
        return await self._run(
            functools.partial(_account.balance, self._runtime.transport, deadline), deadline
        )

    async def webhook_secret(self, *, timeout: float | None = None) -> str:
        """As ``Client.webhook_secret``."""
        deadline = self._deadline(timeout)
        return await self._run(
            functools.partial(_account.webhook_secret, self._runtime.transport, deadline),
            deadline,
        )

    async def live_models(self, *, timeout: float | None = None) -> list[dict[str, Any]]:
        """As ``Client.live_models``."""
        deadline = self._deadline(timeout)
        return await self._run(
            functools.partial(_account.live_models, self._runtime.transport, deadline), deadline
        )

    async def quote(self, model: str, input: Mapping[str, Any] | None = None, *,
                    timeout: float | None = None, **params: Any) -> Quote:
        """As ``Client.quote``."""
        await self._resolve(model)  # the catalog read, and any warning given, here
        deadline = self._deadline(timeout)
        return await self._run(functools.partial(
            _prices.quote, self._runtime, model, input, params, deadline), deadline)

    async def charge(self, job_id: str, *, timeout: float | None = None) -> Charge | None:
        """As ``Client.charge``."""
        deadline = self._deadline(timeout)
        return await self._run(
            functools.partial(_prices.charge, self._runtime, job_id, deadline), deadline
        )
