"""Run as a script (``test_fake.py`` does): load ``wavevid.testing`` with every import outside
the standard library refused, wavevid's own modules included (the ``wavevid`` package's
``__init__``, which needs PyYAML and more, never runs), then send the fake one request of each
kind. Exits 0 when the fake loads and answers, and naming the refused imports otherwise.

``pytest_plugin`` is left out: a pytest plugin needs pytest, and gives ``wavevid.Client``s. So is
``FakeWaveSpeed.client()``, which builds a ``wavevid.Client``: the fake's one use of wavevid.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import pkgutil
import sys
import types
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

OWN = "wavevid.testing"
MODEL = "wavespeed-ai/hunyuan-video-1.5/text-to-video"
refused: list[str] = []


def is_own(name: str) -> bool:
    return name == OWN or name.startswith(f"{OWN}.")


class StandardLibraryOnly(importlib.abc.MetaPathFinder):
    """Refuses every module outside the standard library and ``wavevid.testing``, and records
    the refusals the fake met (a standard module's optional import may meet one too)."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name.partition(".")[0] in sys.stdlib_module_names or is_own(name):
            return None  # the usual finders find it
        importer = importing_module()
        if is_own(importer):
            refused.append(f"{importer} imports {name}")
        raise ImportError(f"{name}: outside the standard library and {OWN}")


def importing_module() -> str:
    """The module whose code runs the import being found: the first caller outside importlib."""
    frame = sys._getframe(2)  # the caller of ``find_spec``
    while frame.f_back is not None and frame.f_globals["__name__"].startswith("importlib"):
        frame = frame.f_back
    return str(frame.f_globals["__name__"])


def load_the_fake_alone() -> Any:
    found = importlib.util.find_spec("wavevid")  # found, not run
    assert found is not None
    parent = types.ModuleType("wavevid")
    parent.__path__ = list(found.submodule_search_locations or ())
    sys.modules["wavevid"] = parent
    sys.meta_path.insert(0, StandardLibraryOnly())
    testing = importlib.import_module(OWN)
    for module in pkgutil.iter_modules(testing.__path__, f"{OWN}."):
        if module.name != f"{OWN}.pytest_plugin":
            importlib.import_module(module.name)
    return testing


def call(url: str, body: Any = None, method: str = "POST", **headers: str) -> Any:
    """The answer's ``data`` (or raw bytes), for any status; a GET without ``body``. A header
    given as ``""`` is not sent."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Authorization": "Bearer test-key", "Content-Type": "application/json", **headers}
    sent = {name: value for name, value in headers.items() if value}
    request = urllib.request.Request(url, data, sent, method="GET" if body is None else method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
    except urllib.error.HTTPError as error:
        raw = error.read()
    try:
        return json.loads(raw).get("data")
    except ValueError:
        return raw


def send_one_of_each(testing: Any) -> None:
    """Submit (with a webhook, a dropped key, a fault), poll, download, upload both ways, list,
    page the history, quote, bill, and hold a sync-mode submit."""
    with testing.FakeWaveSpeed(processing_seconds=0) as fake:
        api = f"{fake.url}/api/v3"
        fake.add_fault(testing.Fault("poll", status=503))
        job = call(f"{api}/{MODEL}?webhook={fake.url}/hook", {"prompt": "a fox", "typo": 1})
        call(f"{api}/predictions/{job['id']}/result")
        done = call(f"{api}/predictions/{job['id']}/result")
        call(done["outputs"][0], Range="bytes=0-99")
        ticket = call(f"{api}/media/uploads", {"filename": "a.png", "size": 3})
        upload = ticket["upload"]
        call(upload["url"], b"png", upload["method"], Authorization="", **upload["headers"])
        call(ticket["download_url"])
        form = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
        call(f"{api}/media/upload/binary", form + b"png\r\n--b--\r\n",
             **{"Content-Type": "multipart/form-data; boundary=b"})  # fmt: skip
        for path in ("models", "balance", "webhook/secret"):
            call(f"{api}/{path}")
        call(f"{api}/predictions", {"page": 1, "page_size": 10})
        call(f"{api}/model/price", {"model_id": MODEL, "inputs": {"duration": 5}})
        call(f"{api}/billings/search", {"page": 1, "page_size": 10})
        call(f"{api}/{MODEL}", {"prompt": "a fox", "enable_sync_mode": True})
        fake.wait_for_webhooks(1)


def main() -> int | str:
    try:
        send_one_of_each(load_the_fake_alone())
    except ImportError:
        if not refused:
            raise
    return f"outside the standard library: {'; '.join(refused)}" if refused else 0


if __name__ == "__main__":
    sys.exit(main())
