"""The built-in catalog ships inside the wheel and resolves in an editable install."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

import wavevid

ROOT = Path(__file__).resolve().parents[1]
CHECK = (
    "import wavevid, sys; c = wavevid.load_catalog(); "
    "print(wavevid.__file__); print(' '.join(sorted(c.names()))); "
    "sys.exit(bool(wavevid.validate_catalog()))"
)


def _run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def expected_names() -> str:
    return " ".join(sorted(wavevid.load_catalog(environment=False).names()))


def test_a_wheel_carries_the_catalog(tmp_path: Path, expected_names: str) -> None:
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", tmp_path / "dist", ROOT, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("wavevid-*.whl")
    # A venv of its own, seeing this interpreter's packages only for the dependencies.
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=False)
    site = next(environment.glob("lib/python*/site-packages"))
    _run(sys.executable, "-m", "pip", "install", "--no-deps", "--target", site, wheel, cwd=tmp_path)
    dependencies = [path for path in sys.path if path.endswith("site-packages")]
    (site / "outer.pth").write_text("\n".join(dependencies) + "\n")
    away = tmp_path / "elsewhere"
    away.mkdir()
    out = _run(environment / "bin" / "python", "-c", CHECK, cwd=away).splitlines()
    assert out[0].startswith(str(site))
    assert out[1] == expected_names


def test_the_editable_install_finds_the_repository_catalog(
    tmp_path: Path, expected_names: str
) -> None:
    out = _run(sys.executable, "-c", CHECK, cwd=tmp_path).splitlines()
    assert out[0] == str(ROOT / "wavevid" / "__init__.py")
    assert out[1] == expected_names
