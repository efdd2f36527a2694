"""dj-stripe's webhook signals -> "look at this PaymentIntent again", after the webhook commits.

dj-stripe has verified the signature and stored the Event (a second delivery of the same event id
never reaches these receivers). No decision is taken here: the task re-reads the intent from Stripe
(payments/services.py), outside the webhook's transaction.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from djstripe.event_handlers import djstripe_receiver
from djstripe.models import Event

from orders.signals import order_files_forgetting
from payments.providers.stripe import payment_sync_later
from payments.services import order_stripe_records_forget


@djstripe_receiver(["payment_intent.succeeded", "payment_intent.payment_failed"])
def payment_intent_changed(sender: Any, event: Event, **kwargs: Any) -> None:
    intent_id = (event.data.get("object") or {}).get("id")
    if intent_id:
        payment_sync_later(intent_id=intent_id, actor=f"stripe:{event.id}")


@djstripe_receiver("charge.refunded")
def charge_refunded(sender: Any, event: Event, **kwargs: Any) -> None:
    intent_id = (event.data.get("object") or {}).get("payment_intent")
    if intent_id:
        payment_sync_later(intent_id=str(intent_id), actor=f"stripe:{event.id}")


@receiver(order_files_forgetting, dispatch_uid="payments.stripe_records_forget")
def _order_files_forgetting(*, order_id: int, **kwargs: Any) -> list[str]:
    # What dj-stripe copied of the order's payments goes with its files; no file of ours to delete.
    order_stripe_records_forget(order_id=order_id)
    return []
