"""Where a job goes: a model name resolved to an :class:`Endpoint` (a catalog model, or a
WaveSpeed path outside the catalog), and what a model path may be."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._short_text import short_repr
from ._warn import warn_once
from .catalog import Catalog, Model
from .errors import UnknownModelError, UnvalidatedInputWarning

_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Endpoint:
    """Where a job goes: a catalog model, or a WaveSpeed path the catalog does not know."""

    path: str
    model: Model | None = None

    @property
    def name(self) -> str:
        """The catalog name, or the path outside the catalog."""
        return self.model.name if self.model else self.path


def resolve(catalog: Catalog, name: str) -> Endpoint:
    """The endpoint of a catalog name, alias or path; a WaveSpeed path outside the catalog is
    its own endpoint (an UnvalidatedInputWarning, once per path: its input goes unvalidated).

    Raises:
        UnknownModelError: a name (no ``/``) the catalog does not know, or a path that is not a
            WaveSpeed model path (see :func:`is_model_path`): before any request.
    """
    try:
        model = catalog.get(name)
    except UnknownModelError:
        if "/" not in name.strip("/"):
            raise
    else:
        return Endpoint(model.path, model)
    path = name.strip("/")
    if not is_model_path(path):
        raise _not_a_model_path(name)
    warn_once(UnvalidatedInputWarning, path, (
        f"{path} is not in the catalog: its input is sent unvalidated, and WaveSpeed drops"
        f" a parameter it does not know (`wavevid catalog import {path}` writes an entry)"
    ))
    return Endpoint(path)


def is_model_path(text: str) -> bool:
    """Whether ``text`` is a WaveSpeed model path: two or more segments of letters, digits,
    ``.``, ``_`` and ``-``, none of them empty, ``.`` or ``..`` (the path becomes the URL's:
    ``x/../../balance`` must never reach ``/api/balance``)."""
    segments = text.split("/")
    return len(segments) > 1 and all(
        _PATH_SEGMENT.fullmatch(segment) and segment not in (".", "..") for segment in segments
    )


def _not_a_model_path(name: str) -> UnknownModelError:
    error = UnknownModelError(name, [])
    error.args = (
        f"{short_repr(name)} is neither a model in the catalog nor a WaveSpeed model path"
        " (segments of letters, digits, '.', '_' and '-'; none empty, none '..')",
    )
    return error
