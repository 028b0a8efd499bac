"""docs/architecture.md is the module map: it names every module of the package, and every
module it names exists (so a rename or a new module cannot leave it stale)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAP = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "wavevid"


def _modules(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.py") if path.stem not in {"__main__"}}


def test_every_module_of_the_package_is_on_the_map() -> None:
    words = set(re.findall(r"\b\w+\b", MAP))
    for package in (PACKAGE, PACKAGE / "catalog", PACKAGE / "cli"):
        missing = sorted(_modules(package) - words - {"__init__"})
        assert not missing, f"docs/architecture.md does not name {package.name}/{missing}"


def test_every_module_on_the_map_exists() -> None:
    files = {path.stem for path in PACKAGE.rglob("*.py")}
    mentioned = set(re.findall(r"`(_[a-z][a-z_]*)(?:\.py)?[`.]", MAP))
    stale = sorted(name for name in mentioned if name not in files)
    assert not stale, f"docs/architecture.md names modules that do not exist: {stale}"
