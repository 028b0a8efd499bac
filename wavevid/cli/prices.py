"""The price commands: ``quote`` (WaveSpeed's price for an input, before submitting) and
``charge`` (what WaveSpeed billed for a job). Both read shapes that are UNVERIFIED (see
``wavevid._prices``)."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import Any, TextIO

from . import inputs
from .exit_codes import ExitCode


def add_commands(commands: Any) -> None:
    """Add the price commands to an argparse subparsers object."""
    quote = commands.add_parser(
        "quote", help="WaveSpeed's price for an input, before submitting (nothing is charged)"
    )
    inputs.add_model_inputs(quote, files=False)
    quote.add_argument("--json", action="store_true")
    quote.set_defaults(run=_quote)

    charge = commands.add_parser("charge", help="what WaveSpeed billed for a job")
    charge.add_argument("job_id", metavar="ID")
    charge.add_argument("--json", action="store_true")
    charge.set_defaults(run=_charge)


def _quote(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    client = inputs.client_for(arguments)
    values = inputs.model_values(client, arguments)
    with inputs.in_command_words(client, arguments):
        quote = client.quote(arguments.model, values)
    if arguments.json:
        summary = {"model": quote.model, "path": quote.path, "amount": str(quote.amount),
                   "currency": quote.currency, "list_price": _text(quote.list_price),
                   "estimate": _text(quote.estimate)}  # fmt: skip
        out.write(json.dumps(summary, indent=2) + "\n")
        return ExitCode.OK
    out.write(f"WaveSpeed's price: {_money(quote.amount, quote.currency)} ({quote.path})\n")
    estimate = "none (the catalog has no price)" if quote.estimate is None else _money(
        quote.estimate, "USD"
    )
    out.write(f"catalog estimate: {estimate}\n")
    return ExitCode.OK


def _charge(arguments: argparse.Namespace, out: TextIO) -> ExitCode:
    job_id = arguments.job_id  # not a job id: InvalidParametersError (ExitCode.USAGE), nothing sent
    charge = inputs.client_for(arguments).charge(job_id)
    if arguments.json:
        summary = None if charge is None else {
            "job_id": charge.job_id, "amount": str(charge.amount), "currency": charge.currency,
            "deducted": str(charge.deducted), "refunded": str(charge.refunded),
        }
        out.write(json.dumps(summary, indent=2) + "\n")
    elif charge is None:
        out.write(f"no billing record names job {job_id} (yet)\n")
    else:
        refunded = f", {_money(charge.refunded, charge.currency)} refunded" if charge.refunded \
            else ""
        out.write(f"billed {_money(charge.amount, charge.currency)} for job {job_id}{refunded}\n")
    return ExitCode.OK


def _money(amount: Decimal, currency: str) -> str:
    """``$0.40``, ``$0.025``, ``1.50 EUR``: at least cents, every digit stated."""
    exponent = amount.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    text = f"{amount:.{places}f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)
