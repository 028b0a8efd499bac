"""The account's own data: its balance, its webhook signing secret, the live model list, and
prices (``AccountCalls``: the client's methods for them)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from . import _prices
from ._client_base import ClientBase
from ._constants import BALANCE_MAX_DIGITS
from ._deadline import Deadline
from ._logging import hold_secret
from ._prices import Charge, Quote, read_amount
from ._transport import Transport
from .errors import APIError


def webhook_secret(transport: Transport, deadline: Deadline) -> str:
    """``Client.webhook_secret``: redacted, while ``transport`` lives, before it is returned."""
    data = transport.call("GET", "webhook/secret", deadline=deadline)
    secret = data.get("secret") if isinstance(data, Mapping) else data
    if not isinstance(secret, str) or not secret:
        raise APIError("the webhook secret answer has no secret", status_code=200)
    hold_secret(transport, secret)
    return secret


def live_models(transport: Transport, deadline: Deadline) -> list[dict[str, Any]]:
    """``Client.live_models``."""
    data = transport.call("GET", "models", deadline=deadline)
    if not isinstance(data, list):
        raise APIError("the model list answer has no list", status_code=200)
    return [entry for entry in data if isinstance(entry, dict)]


def balance(transport: Transport, deadline: Deadline) -> Decimal:
    """``Client.balance``."""
    data = transport.call("GET", "balance", deadline=deadline)
    value = data.get("balance") if isinstance(data, dict) else None
    amount = read_amount(value, BALANCE_MAX_DIGITS)
    if amount is None:
        raise APIError("the balance answer has no balance", status_code=200)
    return amount


class AccountCalls(ClientBase):
    """The client's calls about the account rather than one job (a base of ``Client``)."""

    def webhook_secret(self, *, timeout: float | None = None) -> str:
        """The account's webhook signing secret (``whsec_...``), for ``webhooks.verify``.
        Redacted from wavevid's logs from now on."""
        return webhook_secret(self._runtime.transport, self._deadline(timeout))

    def live_models(self, *, timeout: float | None = None) -> list[dict[str, Any]]:
        """WaveSpeed's live model list (``GET /api/v3/models``) as it answers it: each entry's
        ``model_id``, ``type``, ``base_price``, ``formula`` and ``api_schema``. See
        ``wavevid.catalog_sync`` to import or diff it."""
        return live_models(self._runtime.transport, self._deadline(timeout))

    def balance(self, *, timeout: float | None = None) -> Decimal:
        """The account balance in USD.

        Raises:
            APIError, APIConnectionError, ConfigurationError.
        """
        return balance(self._runtime.transport, self._deadline(timeout))

    def quote(self, model: str, input: Mapping[str, Any] | None = None, *,
              timeout: float | None = None, **params: Any) -> Quote:
        """WaveSpeed's price for this input (``POST /api/v3/model/price``; UNVERIFIED shape, see
        ``wavevid._prices``) beside the catalog's estimate; the input is checked and completed as
        a submit's. Nothing is uploaded: a local file is an InvalidParametersError."""
        return _prices.quote(self._runtime, model, input, params, self._deadline(timeout))

    def charge(self, job_id: str, *, timeout: float | None = None) -> Charge | None:
        """What WaveSpeed billed for a job (``POST /api/v3/billings/search``; UNVERIFIED shape),
        refunds deducted; None while no billing record names it."""
        return _prices.charge(self._runtime, job_id, self._deadline(timeout))
