"""A catalog model: where a request goes, what it takes, what it costs, how long it runs.

Built by :mod:`wavevid.catalog` from a checked entry; importable from there and from wavevid.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _pricing, _run_times
from .._constants import DEFAULT_EXPECTED_SECONDS
from .._payload import with_defaults
from .._warn import warn_once
from ..errors import UnverifiedModelWarning

if TYPE_CHECKING:
    from .._payload import PayloadBuilder


class Model:
    """One catalog model: where it is sent, what it takes, what it costs, how long it runs.

    Built by :class:`Catalog`; read-only by convention.
    """

    def __init__(self, name: str, definition: Mapping[str, Any], source: Path) -> None:
        self.name: str = name
        """The catalog name, e.g. ``ltx-2-pro``."""
        self.path: str = definition["path"]
        """The WaveSpeed model path, POSTed to ``/api/v3/{path}``."""
        self.task: str = definition["task"]
        """What it does: ``text-to-video``, ``image-to-video``, ``video-to-video``..."""
        self.title: str = definition.get("title", name)
        self.description: str = definition.get("description", "")
        self.aliases: tuple[str, ...] = tuple(definition.get("aliases", ()))
        self.verified: bool = definition.get("verified", False)
        """False while the parameters are not confirmed against WaveSpeed's live schema."""
        self.input_schema: Mapping[str, Any] = definition["input"]
        """JSON Schema (draft 2020-12) of the request body."""
        self.pricing: Mapping[str, Any] = definition.get("pricing", {"unknown": "not stated"})
        self.timing: float | Mapping[str, float] = definition.get(
            "expected_seconds", DEFAULT_EXPECTED_SECONDS
        )
        self.source: Path = source
        """The catalog file that defined (or last amended) this entry."""
        self.preset_of: str | None = definition.get("preset_of")
        """For a preset, the entry that owns its WaveSpeed path (same price, same run time);
        None for an entry of its own. Jobs looked up by path belong to the owner."""
        properties = self.input_schema["properties"]
        self.defaults: Mapping[str, Any] = {
            key: spec["default"] if "default" in spec else spec["const"]
            for key, spec in properties.items()
            if "default" in spec or "const" in spec
        }
        """Each parameter's default (a ``const`` is its own default), filled in when the input
        leaves it out."""
        self.media: Mapping[str, str] = {
            key: spec["x-wavevid-media"]
            for key, spec in properties.items()
            if "x-wavevid-media" in spec
        }
        """Media parameters and their kind (``image``, ``video``, ``audio``)."""
        self._builder: PayloadBuilder | None = None

    def __repr__(self) -> str:
        return f"<Model {self.name} {self.path}>"

    @property
    def parameters(self) -> Mapping[str, Mapping[str, Any]]:
        """Each input parameter's schema, in catalog order."""
        properties: Mapping[str, Mapping[str, Any]] = self.input_schema["properties"]
        return properties

    @property
    def required(self) -> tuple[str, ...]:
        """The parameters an input must give."""
        return tuple(self.input_schema.get("required", ()))

    def build_payload(self, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The request body for ``input``: defaults filled in, every value checked.

        A ``None`` value means "not given". Media parameters may hold a ``pathlib.Path``,
        ``bytes`` or a binary file object, returned as they are (the client uploads them);
        a ``str`` there must be an http(s) URL or a data URI.

        Raises:
            InvalidParametersError: listing every problem, not only the first.
            CatalogError: the entry's schema refers outside itself (never for an entry that
                was checked on load: see docs/catalog.md, "What a schema may refer to").
        """
        if self._builder is None:
            from .._payload import PayloadBuilder

            self._builder = PayloadBuilder(self.name, self.input_schema, self.defaults)
        payload = self._builder.build(input)
        self._warn_if_unverified()
        return payload

    def estimate_cost(
        self, input: Mapping[str, Any] | None = None, *, output_seconds: float | None = None
    ) -> Decimal | None:
        """An estimate of the price in USD for ``input`` (defaults filled in), or None when the
        catalog does not know it, or when it depends on an output length that neither the
        input nor ``output_seconds`` states (e.g. a retake priced by its input clip's length).
        """
        values = with_defaults(self.defaults, input)
        return _pricing.estimate_cost(self.pricing, values, output_seconds)

    def expected_seconds(
        self, input: Mapping[str, Any] | None = None, *, output_seconds: float | None = None
    ) -> float:
        """Typical run time in seconds once the job leaves the queue (a guess that drives
        polling and progress, never a deadline)."""
        values = with_defaults(self.defaults, input)
        return _run_times.expected_seconds(self.timing, values, output_seconds)

    def _warn_if_unverified(self) -> None:
        """Once per model and process, after a body was built (never before an error)."""
        if self.verified:
            return
        owner = self.preset_of or self.name
        named = f"{self.name} (a preset of {owner})" if self.preset_of else self.name
        warn_once(UnverifiedModelWarning, self.name, (
            f"{named}: parameters not verified against WaveSpeed's live schema; a request may be"
            f" rejected or priced differently. Check with `wavevid catalog diff {owner}`"
            " (needs WAVESPEED_API_KEY)"
        ))
