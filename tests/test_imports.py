"""What importing wavevid pulls in: never Django (the Django example depends on wavevid, not the
reverse), and not requests until a client needs it."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import wavevid

CHECK = """
import importlib, json, pkgutil, sys
import wavevid
names = [info.name for info in pkgutil.walk_packages(wavevid.__path__, "wavevid.")]
names = [name for name in names if name != "wavevid.__main__"]   # that one runs the command
for name in names:
    importlib.import_module(name)
for name in wavevid.__all__:                                      # the lazily loaded ones too
    getattr(wavevid, name)
django = sorted(name for name in sys.modules if name.partition(".")[0] == "django")
print(json.dumps({"imported": names, "django": django}))
"""


def test_no_wavevid_module_imports_django(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    every_module = [info.name for info in pkgutil.walk_packages(wavevid.__path__, "wavevid.")]
    assert sorted(found["imported"]) == sorted(set(every_module) - {"wavevid.__main__"})
    assert "wavevid.testing.pytest_plugin" in found["imported"]
    assert found["django"] == []


def test_importing_wavevid_does_not_import_requests() -> None:
    code = (
        "import sys, wavevid; wavevid.load_catalog().get('ltx-2-fast');"
        " print('requests' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
