"""Warnings where users see them, once: ``WavevidWarning`` for misuse and trust notices,
logging for operations, and the ``WAVEVID_LOG`` switch that a typo cannot break.

Each test names its own models and paths: a warning is given once per subject per process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import wavevid
from tests.conftest import WriteCatalog
from wavevid import _logging
from wavevid.cli import main
from wavevid.testing import FakeWaveSpeed

NOT_VERIFIED = "parameters not verified against WaveSpeed's live schema"


def unverified(write_catalog: WriteCatalog, name: str) -> wavevid.Catalog:
    """A catalog with ``name`` (unverified, ltx-2-fast's parameters on a path of its own) and
    ``NAME-short``, a preset of it."""
    return wavevid.load_catalog(write_catalog(f"""
        version: 1
        models:
          {name}:
            extends: ltx-2-fast
            path: me/{name}
            verified: false
          {name}-short:
            preset_of: {name}
            input: {{properties: {{duration: {{type: integer, const: 6}}}}}}
    """, folder=name))


def caught(action: object) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        action()  # type: ignore[operator]
    return [w for w in seen if issubclass(w.category, wavevid.WavevidWarning)]


def test_the_unverified_warning_comes_once_after_a_body_was_built(
    write_catalog: WriteCatalog, caplog: pytest.LogCaptureFixture
) -> None:
    model = unverified(write_catalog, "warned-once").get("warned-once")
    with warnings.catch_warnings(record=True) as before_errors:
        warnings.simplefilter("always")
        with pytest.raises(wavevid.InvalidParametersError):
            model.build_payload({"duration": 7})
    warned = [w for w in before_errors if issubclass(w.category, wavevid.WavevidWarning)]
    assert warned == []  # never before errors
    with caplog.at_level(logging.DEBUG, logger="wavevid"):
        [warning] = caught(lambda: model.build_payload({"prompt": "a fox"}))
        assert caught(lambda: model.build_payload({"prompt": "again"})) == []
        again = unverified(write_catalog, "warned-once").get("warned-once")  # a new catalog
        assert caught(lambda: again.build_payload({"prompt": "a fox"})) == []
    assert caplog.records == []  # a warning, not a log record
    assert warning.category is wavevid.UnverifiedModelWarning
    assert str(warning.message) == (
        f"warned-once: {NOT_VERIFIED}; a request may be rejected or priced differently. Check"
        " with `wavevid catalog diff warned-once` (needs WAVESPEED_API_KEY)"
    )
    assert warning.filename == __file__  # the user's line, not wavevid's
    assert ".yaml" not in str(warning.message)
    assert os.sep not in str(warning.message)


def test_a_presets_warning_names_its_owner_for_the_check(write_catalog: WriteCatalog) -> None:
    preset = unverified(write_catalog, "owned").get("owned-short")
    [warning] = caught(lambda: preset.build_payload({"prompt": "a fox"}))
    assert str(warning.message).startswith(f"owned-short (a preset of owned): {NOT_VERIFIED};")
    assert "`wavevid catalog diff owned`" in str(warning.message)


def test_a_verified_model_gives_no_warning() -> None:
    retake = wavevid.load_catalog().get("ltx-2-retake")
    assert caught(lambda: retake.build_payload({"video": "https://x.test/a.mp4", "prompt": "x"})) \
        == []


def test_users_filter_them_the_usual_way(write_catalog: WriteCatalog) -> None:
    model = unverified(write_catalog, "filtered").get("filtered")
    with warnings.catch_warnings():
        warnings.simplefilter("error", wavevid.WavevidWarning)
        with pytest.raises(wavevid.UnverifiedModelWarning):
            model.build_payload({"prompt": "a fox"})


def test_a_path_outside_the_catalog_is_warned_about_once(
    wavevid_client: wavevid.Client, fake_wavespeed: FakeWaveSpeed
) -> None:
    fake_wavespeed.add_model({"model_id": "vendor/warned-path"})
    [warning] = caught(lambda: wavevid_client.submit("vendor/warned-path", prompt="x"))
    assert warning.category is wavevid.UnvalidatedInputWarning
    assert str(warning.message).startswith(
        "vendor/warned-path is not in the catalog: its input is sent unvalidated"
    )
    assert "wavevid catalog import vendor/warned-path" in str(warning.message)
    assert caught(lambda: wavevid_client.submit("vendor/warned-path", prompt="y")) == []


@pytest.fixture
def command(
    fake_wavespeed: FakeWaveSpeed, monkeypatch: pytest.MonkeyPatch, write_catalog: WriteCatalog
) -> Path:
    """The folder of ``cli-*`` models, served by the fake the command's client talks to."""
    monkeypatch.setenv("WAVESPEED_API_KEY", fake_wavespeed.api_key)
    monkeypatch.setenv("WAVESPEED_BASE_URL", fake_wavespeed.url)
    monkeypatch.setenv("WAVEVID_POLL_INTERVAL", "0.01")
    names = ("cli-loud", "cli-quiet", "cli-submit-quiet", "cli-demo", "cli-invalid")
    folder = write_catalog("version: 1\nmodels:\n" + "".join(
        f"  {name}:\n    extends: ltx-2-fast\n    path: me/{name}\n" for name in names
    ), folder="cli")
    for name in names:
        fake_wavespeed.add_model({"model_id": f"me/{name}"})
    return folder


@pytest.mark.filterwarnings("default::wavevid.UnverifiedModelWarning")  # as users see it
def test_the_command_prints_it_as_one_line_and_quiet_silences_it(
    command: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = str(tmp_path / "v.mp4")
    base = ["--catalog", str(command)]
    assert main([*base, "generate", "cli-loud", "--prompt", "x", "-o", output, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main([*base, "generate", "cli-quiet", "--prompt", "x", "-o", output, "--quiet"]) == 0
    assert main([*base, "submit", "cli-submit-quiet", "--prompt", "x", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert main([*base, "submit", "cli-demo", "--prompt", "x"]) == 0
    assert capsys.readouterr().err == (
        f"wavevid: cli-demo: {NOT_VERIFIED}; a request may be rejected or priced differently."
        " Check with `wavevid catalog diff cli-demo` (needs WAVESPEED_API_KEY)\n"
    )


def test_the_command_never_warns_before_an_invalid_parameter(
    command: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--catalog", str(command), "submit", "cli-invalid", "--param", "duration=7"]) == 2
    err = capsys.readouterr().err
    assert NOT_VERIFIED not in err
    assert "duration: 7 is not one of" in err


@pytest.fixture
def log_handlers() -> Iterator[logging.Logger]:
    root = logging.getLogger("wavevid")
    handlers, level = list(root.handlers), root.level
    try:
        yield root
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.parametrize("value", ["error", "CRITICAL", " Warning "])
def test_wavevid_log_takes_every_level(
    value: str, monkeypatch: pytest.MonkeyPatch, log_handlers: logging.Logger
) -> None:
    monkeypatch.setenv("WAVEVID_LOG", value)
    _logging.configure_from_environment()
    assert log_handlers.level == logging.getLevelName(value.strip().upper())
    assert len(log_handlers.handlers) == 2  # the library's NullHandler and stderr


def test_an_unknown_wavevid_log_is_reported_once_and_ignored(
    monkeypatch: pytest.MonkeyPatch, log_handlers: logging.Logger,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WAVEVID_LOG", "verbose-typo")
    _logging.configure_from_environment()
    _logging.configure_from_environment()
    assert capsys.readouterr().err == (
        "wavevid: WAVEVID_LOG='verbose-typo' is not a level, ignored"
        " (allowed: debug, info, warning, error, critical)\n"
    )
    assert [type(handler) for handler in log_handlers.handlers] == [logging.NullHandler]


def test_an_unknown_wavevid_log_does_not_stop_an_import(tmp_path: Path) -> None:
    environment = {**os.environ, "WAVEVID_LOG": "loud"}
    done = subprocess.run([sys.executable, "-c", "import wavevid; print('imported')"],
                          env=environment, capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, check=True)
    assert done.stdout == "imported\n"
    assert done.stderr.count("WAVEVID_LOG='loud' is not a level") == 1
