"""The only module that talks to Stripe's API for our own calls (dj-stripe makes its own).

It returns plain dataclasses, so the rest of the shop never handles StripeObjects, and it never
runs inside a database transaction (callers keep slow I/O out of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import stripe
from django.conf import settings

# Stripe's own errors, re-exported so callers need not import stripe.
StripeError = stripe.StripeError


@dataclass(frozen=True)
class Intent:
    """What we need to know about one PaymentIntent, as Stripe reports it now."""

    id: str
    status: str
    amount: int  # minor units
    currency: str  # upper case, as in our tables
    livemode: bool
    client_secret: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    amount_refunded: int = 0  # minor units, from the latest charge
    refunded: bool = False  # the latest charge was refunded in full
    failure: str = ""  # why the last attempt failed, when it did


def _client() -> stripe.StripeClient:
    # One HTTP client for the process, shared with the calls dj-stripe makes through stripe-python's
    # global API: one connection pool, and one place where Stripe can be replaced.
    if stripe.default_http_client is None:
        stripe.default_http_client = stripe.new_default_http_client()
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, http_client=stripe.default_http_client, max_network_retries=2
    )


def _intent(obj: Any) -> Intent:
    data: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    charge = data.get("latest_charge")
    charge = charge if isinstance(charge, dict) else {}
    error = data.get("last_payment_error") or {}
    return Intent(
        id=data["id"],
        status=data["status"],
        amount=int(data["amount"]),
        currency=str(data["currency"]).upper(),
        livemode=bool(data.get("livemode")),
        client_secret=data.get("client_secret") or "",
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
        amount_refunded=int(charge.get("amount_refunded") or 0),
        refunded=bool(charge.get("refunded")),
        failure=str(error.get("message") or error.get("code") or ""),
    )


def payment_intent_create(
    *, amount: int, currency: str, metadata: dict[str, str], description: str, idempotency_key: str
) -> Intent:
    """A PaymentIntent for `amount` minor units; the same key returns the same intent (for 24 h)."""
    intent = _client().v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency.lower(),
            "metadata": metadata,
            "description": description,
            # The Payment Element offers whatever methods the Stripe dashboard enables for this currency.
            "automatic_payment_methods": {"enabled": True},
        },
        options={"idempotency_key": idempotency_key},
    )
    return _intent(intent)


def payment_intent_retrieve(intent_id: str) -> Intent:
    """The intent as it is now, with its latest charge (refunds live on the charge)."""
    intent = _client().v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})
    return _intent(intent)


@dataclass(frozen=True)
class Refund:
    id: str
    status: str  # pending, succeeded, failed, requires_action or canceled
    amount: int  # minor units


def refund_create(*, payment_intent: str, amount: int, metadata: dict[str, str], idempotency_key: str) -> Refund:
    """Refund `amount` minor units of the intent's charge; the same key returns the same refund (24 h)."""
    refund = _client().v1.refunds.create(
        params={"payment_intent": payment_intent, "amount": amount, "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )
    data: dict[str, Any] = refund.to_dict()
    return Refund(id=data["id"], status=str(data.get("status") or ""), amount=int(data["amount"]))
