"""The files of a download to a path: the pre-submit check proves that ``<name>.part`` can be
created next to the target, and a KeyboardInterrupt at any step (of the check, or of the
download) leaves no ``.part`` and no probe file behind. Each interrupt is injected
deterministically, by making one file operation raise it right after it has done its work."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_http import Hostile

from wavevid import errors
from wavevid._deadline import Deadline
from wavevid._download import check_writable, download_to_path
from wavevid._retry import RetryPolicy
from wavevid._transport import Transport
from wavevid.testing import FakeWaveSpeed

VIDEO = os.urandom(200 * 1024)
OLD = b"the previous video"
REAL_OPEN = os.open


def name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255


def long_name(folder: Path, spare: int) -> str:
    """A file name ``spare`` characters short of the folder's limit (so that adding ``.part``
    passes it when ``spare`` < 5)."""
    return "v" * (name_max(folder) - spare - len(".mp4")) + ".mp4"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def video_url() -> Iterator[str]:
    with Hostile() as host:
        host.answer("/video", VIDEO)
        yield host.url("/video")


@pytest.fixture
def transport() -> Iterator[Transport]:
    made = Transport(api_key=None, base_url="http://127.0.0.1:1", request_timeout=5.0,
                     policy=RetryPolicy())
    yield made
    made.close()


# --- the pre-submit check ----------------------------------------------------------------------


@pytest.mark.parametrize("spare", [0, 1, 4])
def test_a_name_too_long_for_its_part_file_is_refused_before_paying(
    tmp_path: Path, spare: int
) -> None:
    name = long_name(tmp_path, spare)  # 251 to 255 characters: the name fits, .part does not
    (tmp_path / name).write_bytes(OLD)  # the target itself can exist
    with pytest.raises(errors.DownloadError, match=r"cannot create v+\.mp4\.part in .*too long"):
        check_writable(tmp_path / name)
    assert leftovers(tmp_path) == [name]


def test_generate_refuses_such_a_name_before_submitting(tmp_path: Path) -> None:
    target = tmp_path / long_name(tmp_path, 2)
    with FakeWaveSpeed() as fake, fake.client() as client:
        with pytest.raises(errors.DownloadError, match="too long"):
            client.generate("ltx-2-fast", prompt="a fox", output_path=target)
        assert fake.requests == []
    assert leftovers(tmp_path) == []


def test_a_name_that_leaves_room_for_part_passes(tmp_path: Path) -> None:
    name = long_name(tmp_path, len(".part"))
    assert check_writable(tmp_path / name) == (tmp_path / name).resolve()
    assert leftovers(tmp_path) == []


def test_a_name_too_long_even_without_part_is_a_download_error(tmp_path: Path) -> None:
    with pytest.raises(errors.DownloadError, match="cannot save a download"):
        check_writable(tmp_path / ("v" * (name_max(tmp_path) + 1)))


def test_a_stale_part_file_passes_and_is_left_for_the_download(tmp_path: Path) -> None:
    (tmp_path / "out.mp4.part").write_bytes(OLD)
    check_writable(tmp_path / "out.mp4")
    assert leftovers(tmp_path) == ["out.mp4.part"]
    assert (tmp_path / "out.mp4.part").read_bytes() == OLD


def test_a_symlink_where_the_part_file_goes_is_refused_before_paying(tmp_path: Path) -> None:
    (tmp_path / "victim").write_bytes(OLD)
    (tmp_path / "out.mp4.part").symlink_to(tmp_path / "victim")
    with pytest.raises(errors.DownloadError, match=r"cannot create .*it exists and is a symbolic"):
        check_writable(tmp_path / "out.mp4")
    assert (tmp_path / "victim").read_bytes() == OLD


def test_check_writable_refuses_a_folder_the_probe_cannot_write_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a read-only folder does, also for runs as root (which ignore folder permissions).
    def refused(path: Any, flags: int, mode: int = 0o777) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("os.open", refused)
    with pytest.raises(errors.DownloadError, match=r"cannot create out\.mp4\.part in .*denied"):
        check_writable(tmp_path / "out.mp4")


# --- interrupts --------------------------------------------------------------------------------


def interrupting_open(when: Callable[[int], bool]) -> Callable[..., int]:
    """os.open that, for flags matching ``when``, makes the file, then is interrupted before
    its caller sees the descriptor."""

    def opened(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        handle = REAL_OPEN(path, flags, mode, **kwargs)
        if when(flags):
            os.close(handle)
            raise KeyboardInterrupt
        return handle

    return opened


def after(real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, then a KeyboardInterrupt: the step was done, its follow-up never ran."""

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise KeyboardInterrupt

    return interrupted


@pytest.mark.parametrize("stale_part", [False, True])
@pytest.mark.parametrize("step", ["open", "close"])
def test_an_interrupt_during_the_check_leaves_no_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, stale_part: bool
) -> None:
    if stale_part:  # then the folder is tried with a probe of another name
        (tmp_path / "out.mp4.part").write_bytes(OLD)
    if step == "open":
        monkeypatch.setattr("os.open", interrupting_open(lambda flags: bool(flags & os.O_EXCL)))
    else:
        monkeypatch.setattr("os.close", after(os.close))
    with pytest.raises(KeyboardInterrupt):
        check_writable(tmp_path / "out.mp4")
    monkeypatch.undo()
    assert leftovers(tmp_path) == (["out.mp4.part"] if stale_part else [])


def part_opened(flags: int) -> bool:
    return bool(flags & os.O_TRUNC)


@pytest.mark.parametrize(
    "step",
    ["os.open", "os.fdopen", "os.fsync", "os.replace"],
)
def test_an_interrupt_at_any_step_of_the_download_leaves_no_part(
    transport: Transport, video_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(OLD)
    if step == "os.open":  # the .part file was made, the descriptor never returned
        monkeypatch.setattr("os.open", interrupting_open(part_opened))
    elif step == "os.fdopen":  # the descriptor was never wrapped in a file
        monkeypatch.setattr("os.fdopen", after(lambda handle, *a, **k: os.close(handle)))
    elif step == "os.replace":  # the file was complete, the rename did not happen
        monkeypatch.setattr("os.replace", after(lambda *args: None))
    else:
        monkeypatch.setattr(step, after(getattr(os, step.removeprefix("os."))))
    with pytest.raises(KeyboardInterrupt):
        download_to_path(transport, video_url, target, deadline=Deadline(5))
    monkeypatch.undo()
    assert leftovers(tmp_path) == ["out.mp4"]
    assert target.read_bytes() == OLD


def test_an_interrupt_after_the_rename_keeps_the_new_file(
    transport: Transport, video_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.replace", after(os.replace))
    with pytest.raises(KeyboardInterrupt):
        download_to_path(transport, video_url, tmp_path / "out.mp4", deadline=Deadline(5))
    monkeypatch.undo()
    assert leftovers(tmp_path) == ["out.mp4"]
    assert (tmp_path / "out.mp4").read_bytes() == VIDEO
