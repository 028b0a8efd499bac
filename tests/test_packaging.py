"""The built-in catalog ships inside the wheel and resolves in an editable install, and an
editable install is a plain path that type checkers follow (no import hook)."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

import wavevid

# Both tests build from the source tree (egg-info, build/): one worker runs them one after another.
pytestmark = pytest.mark.xdist_group("packaging")

ROOT = Path(__file__).resolve().parents[1]
CHECK = (
    "import wavevid, sys; c = wavevid.load_catalog(); "
    "print(wavevid.__file__); print(' '.join(sorted(c.names()))); "
    "sys.exit(bool(wavevid.validate_catalog()))"
)
USER_SCRIPT = """\
import wavevid

catalog: wavevid.Catalog = wavevid.load_catalog()
names: list[str] = catalog.names()
print(len(names))
"""


def _run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _environment(tmp_path: Path) -> tuple[Path, Path]:
    """A venv of its own (its python, its site-packages), seeing this interpreter's packages
    only for the dependencies."""
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=False)
    site = next(environment.glob("lib/python*/site-packages"))
    dependencies = [path for path in sys.path if path.endswith("site-packages")]
    (site / "outer.pth").write_text("\n".join(dependencies) + "\n")
    return environment / "bin" / "python", site


def _elsewhere(tmp_path: Path) -> Path:
    """A folder outside the source tree, so that nothing is imported from the working folder."""
    away = tmp_path / "elsewhere"
    away.mkdir()
    return away


@pytest.fixture(scope="module")
def expected_names() -> str:
    return " ".join(sorted(wavevid.load_catalog(environment=False).names()))


def test_a_wheel_carries_the_catalog(tmp_path: Path, expected_names: str) -> None:
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", tmp_path / "dist", ROOT, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("wavevid-*.whl")
    python, site = _environment(tmp_path)
    _run(sys.executable, "-m", "pip", "install", "--no-deps", "--target", site, wheel, cwd=tmp_path)
    out = _run(python, "-c", CHECK, cwd=_elsewhere(tmp_path)).splitlines()
    assert out[0].startswith(str(site))
    assert out[1] == expected_names


def test_the_editable_install_finds_the_repository_catalog(
    tmp_path: Path, expected_names: str
) -> None:
    out = _run(sys.executable, "-c", CHECK, cwd=tmp_path).splitlines()
    assert out[0] == str(ROOT / "wavevid" / "__init__.py")
    assert out[1] == expected_names


def test_a_type_checker_follows_a_fresh_editable_install(
    tmp_path: Path, expected_names: str
) -> None:
    # README's second command, into a venv of its own; mypy cannot see through an import hook.
    python, _ = _environment(tmp_path)
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
         "--no-build-isolation", "-e", ROOT, cwd=tmp_path)
    away = _elsewhere(tmp_path)
    out = _run(python, "-c", CHECK, cwd=away).splitlines()
    assert out == [str(ROOT / "wavevid" / "__init__.py"), expected_names]
    (away / "app.py").write_text(USER_SCRIPT)
    _run(sys.executable, "-m", "mypy", "--strict", "--python-executable", python,
         "--cache-dir", tmp_path / "mypy-cache", "app.py", cwd=away)
