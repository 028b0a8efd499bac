"""The public boundary: what DESIGN's contract names works after ``import wavevid``, the public
modules are a known few, every error is in the tree, and ``Client`` is keyword-only after the
key (positional use still works, with a DeprecationWarning, until 0.3)."""

from __future__ import annotations

import inspect
import pkgutil
import subprocess
import sys
import warnings

import pytest

import wavevid
from wavevid import catalog_sync, errors

#: Modules users may import by name; everything else in the package starts with an underscore.
PUBLIC_MODULES = {
    "catalog", "catalog_sync", "cli", "client", "errors", "jobs", "results", "testing",
    "webhooks",
}


def test_a_plain_import_reaches_the_documented_submodules() -> None:
    """DESIGN spells ``wavevid.webhooks.verify(...)`` after ``import wavevid``; in a fresh
    process, nothing else imported first."""
    code = (
        "import wavevid\n"
        "assert callable(wavevid.webhooks.verify) and callable(wavevid.webhooks.sign)\n"
        "assert callable(wavevid.catalog_sync.import_models)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "ok", done.stderr


def test_every_exported_name_resolves() -> None:
    for name in wavevid.__all__:
        assert getattr(wavevid, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        wavevid.nothing_here  # noqa: B018


def test_the_public_modules_are_the_known_few() -> None:
    names = {module.name for module in pkgutil.iter_modules(wavevid.__path__)}
    assert {name for name in names if not name.startswith("_")} == PUBLIC_MODULES


@pytest.mark.parametrize("name", sorted(PUBLIC_MODULES - {"cli", "testing"}))
def test_each_public_module_states_its_public_names(name: str) -> None:
    module = __import__(f"wavevid.{name}", fromlist=["__all__"])
    exported = module.__all__
    assert exported
    assert all(hasattr(module, attribute) for attribute in exported)
    assert not [attribute for attribute in exported if attribute.startswith("_")]


def test_every_error_is_in_the_tree_and_exported() -> None:
    classes = [value for value in vars(errors).values()
               if isinstance(value, type) and issubclass(value, Exception)
               and value.__module__.startswith(errors.__name__)]
    assert classes
    for cls in classes:
        root = wavevid.WavevidWarning if issubclass(cls, Warning) else wavevid.WavevidError
        assert issubclass(cls, root), cls
        assert getattr(wavevid, cls.__name__) is cls, cls
    assert issubclass(catalog_sync.SyncError, wavevid.CatalogError)
    assert issubclass(catalog_sync.SyncError, ValueError)  # what it was before 0.2


def test_client_is_keyword_only_after_the_key() -> None:
    parameters = inspect.signature(wavevid.Client).parameters
    kinds = {name: parameter.kind for name, parameter in parameters.items()}
    assert kinds.pop("api_key") is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert set(kinds.values()) == {inspect.Parameter.KEYWORD_ONLY}


def test_positional_options_still_work_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match=r"Client\(\): pass base_url, catalog_paths by "
                                                r"keyword .* stops working in wavevid 0\.3"):
        client = wavevid.Client("key", "http://127.0.0.1:9", [])
    assert client.base_url == "http://127.0.0.1:9"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wavevid.Client("key", base_url="http://127.0.0.1:9")  # the keyword way: no warning


def test_positional_misuse_is_refused_as_python_would() -> None:
    with pytest.raises(TypeError, match="multiple values for argument 'base_url'"):
        wavevid.Client("key", "http://127.0.0.1:9", base_url="http://127.0.0.1:8")
    with pytest.raises(TypeError, match="at most 7 positional arguments"):
        wavevid.Client("key", "http://127.0.0.1:9", None, None, None, None, None, "extra")
