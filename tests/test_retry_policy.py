"""The retry policy on its own: pure decisions, pinned jitter."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime

import pytest

from wavevid._retry import Failure, RetryPolicy
from wavevid._times import parse_retry_after


def policy(**overrides: object) -> RetryPolicy:
    return RetryPolicy(**{"random": lambda: 0.0, **overrides})  # type: ignore[arg-type]


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [policy().delay(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@pytest.mark.parametrize("draw", [0.0, 0.25, 0.999])
def test_jitter_shortens_the_wait_by_at_most_half(draw: float) -> None:
    wait = policy(random=lambda: draw).delay(2)
    assert 1.0 < wait <= 2.0
    assert wait == 2.0 * (1 - 0.5 * draw)


def test_retry_after_replaces_the_backoff() -> None:
    assert policy().delay(3, retry_after=1.5) == 1.5
    assert policy().delay(0, retry_after=-4) == 0.0


@pytest.mark.parametrize("failure", list(Failure))
def test_a_get_may_retry_every_failure(failure: Failure) -> None:
    assert policy().retryable(failure)


@pytest.mark.parametrize(
    ("failure", "allowed"),
    [
        (Failure.NOT_CONNECTED, True),
        (Failure.RATE_LIMITED, True),
        (Failure.NO_ANSWER, False),
        (Failure.SERVER_ERROR, False),
    ],
)
def test_a_submit_retries_only_when_provably_not_accepted(failure: Failure, allowed: bool) -> None:
    assert policy().for_submits().retryable(failure) is allowed


def test_no_wait_ends_past_the_deadline() -> None:
    rules = policy()
    assert rules.next_wait(Failure.SERVER_ERROR, 0, remaining=10) == 0.5
    assert rules.next_wait(Failure.SERVER_ERROR, 0, remaining=0.5) is None
    assert rules.next_wait(
        Failure.RATE_LIMITED, 0, remaining=30, retry_after=31
    ) is None


def test_retries_run_out() -> None:
    rules = policy(max_retries=2)
    assert rules.next_wait(Failure.NO_ANSWER, 1, remaining=100) == 1.0
    assert rules.next_wait(Failure.NO_ANSWER, 2, remaining=100) is None
    assert policy(max_retries=0).for_submits().next_wait(
        Failure.NOT_CONNECTED, 0, remaining=100
    ) is None


def test_parse_retry_after() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)
    parsed = parse_retry_after(format_datetime(later, usegmt=True))
    assert parsed is not None
    assert 28 <= parsed <= 30
    earlier = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30)
    assert parse_retry_after(format_datetime(earlier, usegmt=True)) == 0.0
