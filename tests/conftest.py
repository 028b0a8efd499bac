"""Shared fixtures. Every test runs with no WAVESPEED_* or WAVEVID_* variable set, so that a
developer's real key or catalog folders can never leak into a test."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("WAVESPEED_", "WAVEVID_")):
            monkeypatch.delenv(name)


WriteCatalog = Callable[..., Path]


@pytest.fixture
def write_catalog(tmp_path: Path) -> WriteCatalog:
    """write_catalog(text, folder="user", file="models.yaml") -> the folder, with the
    dedented YAML ``text`` written to ``folder/file`` under tmp_path."""

    def write(text: str, folder: str = "user", file: str = "models.yaml") -> Path:
        directory = tmp_path / folder
        directory.mkdir(exist_ok=True)
        (directory / file).write_text(textwrap.dedent(text), encoding="utf-8")
        return directory

    return write
