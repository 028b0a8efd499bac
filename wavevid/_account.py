"""The account's own data: its balance, its webhook signing secret, and the live model list."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ._constants import BALANCE_MAX_DIGITS
from ._deadline import Deadline
from ._logging import hold_secret
from ._prices import read_amount
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
