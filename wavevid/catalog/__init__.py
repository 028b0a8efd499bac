"""The model catalog: YAML entries read from folders, merged, checked, and looked up by name.

Reading and merging (``files``, ``entries``, ``merge``, ``presets``, ``check``, ``loading``) are
separate from what the client uses at run time (``model.Model``, ``collection.Catalog``); only
the names below are public.
"""

from __future__ import annotations

from .collection import Catalog
from .loading import load_catalog, validate_catalog
from .model import Model

__all__ = ["Catalog", "Model", "load_catalog", "validate_catalog"]
