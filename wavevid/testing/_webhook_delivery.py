"""Webhook deliveries of ``FakeWaveSpeed``: signed POSTs to loopback receivers, with retries.

A job submitted with ``?webhook=<url>`` is watched: when its terminal time comes (whether or not
anyone polls), or when ``FakeWaveSpeed.finish`` ends it, its payload is POSTed to the URL, signed
as WaveSpeed signs.

One scheduler thread keeps the timetable; a few worker threads send, so a slow receiver never
holds up the server or other deliveries. Threads start with the first watched job. Only loopback
hosts are contacted: a delivery to any other host is recorded as not sent, never retried.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import json
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wavevid.testing._jobs import FakeJob
from wavevid.testing._webhooks import (
    WebhookDelivery,
    WebhookOptions,
    is_loopback,
    sign_body,
)

WORKERS = 4
"""Threads sending deliveries at once."""
USER_AGENT = "wavevid-fake-webhooks"

_STOP_JOIN_SECONDS = 0.1
"""How long ``close`` waits, in all, for threads to end (an attempt in flight may take longer)."""
_ANSWER_BYTES = 64 * 1024
"""Bytes of a receiver's answer that are read (the rest is discarded)."""
_Answer = tuple[int | None, str | None]
"""The receiver's status, or ``None`` and why there is none."""
_NOT_LOOPBACK = "not sent: the fake delivers webhooks only to loopback hosts"


@dataclass(frozen=True)
class _Due:
    """Check ``job`` and, if it is terminal, plan its deliveries."""

    job: FakeJob
    generation: int


@dataclass(frozen=True)
class _Send:
    """One attempt of one delivery."""

    url: str
    job_id: str
    webhook_id: str
    body: bytes
    attempt: int
    generation: int


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other non-2xx: recorded, then retried."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookDispatcher:
    """Watches jobs with a webhook URL and delivers their outcome; every method is thread-safe.

    ``duplicates``, ``delay`` and ``drop`` shape deliveries planned after they are set: each
    event is sent ``1 + duplicates`` times (as separate deliveries, ``retry_seconds`` apart),
    the first one ``delay`` seconds after the job ends; with ``drop`` nothing is sent at all.
    """

    def __init__(
        self,
        secret: str,
        options: WebhookOptions,
        render: Callable[[FakeJob], dict[str, Any]],
    ) -> None:
        """``render`` turns a terminal job into its payload."""
        self.secret = secret
        self.options = options
        self.duplicates = 0
        self.delay = 0.0
        self.drop = False
        self._render = render
        self._changed = threading.Condition()
        self._timetable: list[tuple[float, int, _Due | _Send]] = []
        self._order = itertools.count()
        self._sends: queue.SimpleQueue[_Send | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._planned: set[str] = set()
        self._records: list[WebhookDelivery] = []
        self._generation = 0
        self._closed = False
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def watch(self, job: FakeJob) -> None:
        """Deliver ``job``'s outcome when it ends (now, if it has); once per job."""
        end = job.terminal_at()
        if not job.webhook or end is None:
            return  # no webhook, or a `never` job: FakeWaveSpeed.finish watches it again
        with self._changed:
            self._push(end, _Due(job, self._generation))

    def deliveries(self) -> list[WebhookDelivery]:
        """Every attempt so far, in the order they ended."""
        with self._changed:
            return list(self._records)

    def wait_for(self, count: int, timeout: float) -> list[WebhookDelivery]:
        """Block until ``count`` attempts are recorded; ``TimeoutError`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._records) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise TimeoutError(
                        f"{len(self._records)} webhook attempts recorded, expected {count}"
                    )
                self._changed.wait(remaining)
            return list(self._records)

    def clear(self) -> None:
        """Forget records and planned deliveries; attempts in flight are not recorded."""
        with self._changed:
            self._generation += 1
            self._records.clear()
            self._planned.clear()
            self._timetable.clear()

    def close(self) -> None:
        """Stop: nothing more is sent or retried. Waits briefly for the threads to end."""
        with self._changed:
            if self._closed:
                return
            self._closed = True
            self._timetable.clear()
            self._changed.notify_all()
            threads = list(self._threads)
        for _ in range(WORKERS):
            self._sends.put(None)
        deadline = time.monotonic() + _STOP_JOIN_SECONDS
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))

    # Scheduling (callers hold self._changed)

    def _push(self, at: float, task: _Due | _Send) -> None:
        if self._closed:
            return
        if not self._threads:
            self._start_threads()
        heapq.heappush(self._timetable, (at, next(self._order), task))
        self._changed.notify_all()

    def _start_threads(self) -> None:
        targets: Iterable[Callable[[], None]] = [self._schedule, *[self._work] * WORKERS]
        for number, target in enumerate(targets):
            name = "FakeWaveSpeed webhooks " + ("scheduler" if number == 0 else f"#{number}")
            thread = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def _schedule(self) -> None:
        with self._changed:
            while not self._closed:
                if not self._timetable:
                    self._changed.wait()
                    continue
                wait = self._timetable[0][0] - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                task = heapq.heappop(self._timetable)[2]
                if task.generation != self._generation:
                    continue
                if isinstance(task, _Send):
                    self._sends.put(task)
                else:
                    self._plan(task)

    def _plan(self, due: _Due) -> None:
        job = due.job
        if job.completed_monotonic is None:  # re-timed since: wait for its new end
            end = job.terminal_at()
            if end is not None:
                self._push(end, due)
            return
        if job.id in self._planned or not job.webhook:
            return
        self._planned.add(job.id)
        if self.drop or job.status not in self.options.statuses:
            return
        body = json.dumps(self._render(job)).encode()
        start = time.monotonic() + self.delay
        for copy in range(1 + max(int(self.duplicates), 0)):
            send = _Send(job.webhook, job.id, f"msg_{uuid.uuid4().hex}", body, 1, due.generation)
            self._push(start + copy * self.options.retry_seconds, send)

    # Sending (worker threads)

    def _work(self) -> None:
        while (send := self._sends.get()) is not None:
            if not self._closed:
                self._attempt(send)

    def _attempt(self, send: _Send) -> None:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **sign_body(send.body, self.secret, send.webhook_id, int(time.time())),
        }
        if is_loopback(send.url):
            status, error = self._post(send.url, send.body, headers)
        else:
            status, error = None, _NOT_LOOPBACK
        record = WebhookDelivery(
            send.url, send.job_id, send.webhook_id, send.attempt, status, error, send.body,
            headers, time.monotonic(),
        )  # fmt: skip
        with self._changed:
            if send.generation != self._generation:
                return
            self._records.append(record)
            self._changed.notify_all()
            retry = not record.ok and error != _NOT_LOOPBACK
            if retry and send.attempt < self.options.attempts:
                pause = self.options.retry_seconds * 2 ** (send.attempt - 1)
                later = dataclasses.replace(send, attempt=send.attempt + 1)
                self._push(time.monotonic() + pause, later)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> _Answer:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.options.timeout) as answer:
                answer.read(_ANSWER_BYTES)
                return int(answer.status), None
        except urllib.error.HTTPError as refusal:
            refusal.close()
            return refusal.code, None
        except Exception as error:  # any failure is recorded; the worker must survive it
            return None, f"{type(error).__name__}: {error}"
