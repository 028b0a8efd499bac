"""A progress callback that cannot take its arguments is a TypeError before anything is sent,
wherever callbacks enter (``wavevid._progress.check_callback``); a callable whose signature
cannot be read is taken on trust."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

import wavevid
from wavevid._progress import check_callback
from wavevid.testing import FakeWaveSpeed

REQUEST = {"model": "ltx-2-fast", "input": {"prompt": "a fox"}}


def one_argument(percent: float) -> None:
    """What newcomers write: ``lambda pct: ...``."""


def test_generate_refuses_a_one_argument_callback_before_sending(
    fake: FakeWaveSpeed, wavevid_client: wavevid.Client
) -> None:
    with pytest.raises(TypeError) as raised:
        wavevid_client.generate(
            "ltx-2-fast", prompt="a fox", progress_callback=one_argument  # type: ignore[arg-type]
        )
    assert str(raised.value) == (
        "progress_callback(fraction, message) must take 2 positional arguments;"
        " one_argument(percent) cannot (too many positional arguments)"
    )
    assert fake.requests == []


def test_generate_video_refuses_it_before_sending(
    fake: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVESPEED_API_KEY", fake.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake.url)
    with pytest.raises(TypeError, match=r"must take 2 positional arguments"):
        wavevid.generate_video(
            "a fox", model="ltx-2-fast", progress_callback=one_argument  # type: ignore[arg-type]
        )
    assert fake.requests == []


def test_generate_many_wants_three_arguments_before_sending(
    fake: FakeWaveSpeed, wavevid_client: wavevid.Client
) -> None:
    two: Callable[[float, str], None] = lambda fraction, message: None  # noqa: E731
    with pytest.raises(TypeError) as raised:
        wavevid_client.generate_many([REQUEST], progress_callback=two)  # type: ignore[arg-type]
    assert "progress_callback(index, fraction, message) must take 3" in str(raised.value)
    assert fake.requests == []


def test_wait_refuses_it_before_checking(
    fake: FakeWaveSpeed, wavevid_client: wavevid.Client
) -> None:
    job = wavevid_client.submit("ltx-2-fast", prompt="a fox")
    sent = len(fake.requests)
    with pytest.raises(TypeError, match=r"one_argument\(percent\) cannot"):
        job.wait(progress_callback=one_argument)  # type: ignore[arg-type]
    assert len(fake.requests) == sent


class Bar:
    def __call__(self, fraction: float, message: str) -> None:
        """A callable object, as tqdm wrappers are."""


def three(tag: str, fraction: float, message: str) -> None:
    """Made a two-argument callback by ``functools.partial``."""


@pytest.mark.parametrize(
    "callback",
    [
        None,
        Bar(),
        functools.partial(three, "tag"),
        lambda *anything: None,
        lambda fraction, message, extra=None: None,
        max,  # a builtin whose signature cannot be read: taken on trust
    ],
    ids=["none", "callable-object", "partial", "star-args", "a-default", "no-signature"],
)
def test_callables_that_can_take_two_arguments_pass(callback: Any) -> None:
    check_callback(callback, 2, "progress_callback(fraction, message)")


@pytest.mark.parametrize(
    ("callback", "words"),
    [
        (functools.partial(three, "tag", 0.5), "partial(message) cannot"),
        (lambda fraction, message, *, when: None, "missing a required argument: 'when'"),
        ("print", "must be callable, not str"),
    ],
    ids=["partial-of-one", "keyword-only", "not-callable"],
)
def test_callables_that_cannot_are_named(callback: Any, words: str) -> None:
    with pytest.raises(TypeError) as raised:
        check_callback(callback, 2, "progress_callback(fraction, message)")
    assert words in str(raised.value)


def test_a_partial_callback_is_called_to_the_end(wavevid_client: wavevid.Client) -> None:
    seen: list[tuple[str, float, str]] = []
    wavevid_client.generate(
        "ltx-2-fast", prompt="a fox",
        progress_callback=functools.partial(lambda *call: seen.append(call), "tag"),
    )
    assert seen[-1] == ("tag", 1.0, "done")
