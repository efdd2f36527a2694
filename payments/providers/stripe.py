"""Stripe (PICMATIX_PAYMENTS=stripe): PaymentIntents paid in the customer's browser with Stripe's
Payment Element, confirmed by re-reading the intent at Stripe, refunds through Stripe's API.

Stripe tells us a payment moved through a webhook (payments/receivers.py), and the recovery task
asks about payments whose webhook never came; both end in `payment_intent_sync`, which asks Stripe
for the intent as it is now and applies it (`payment_apply`): a duplicate, late or out-of-order
event re-reads the same truth and finds nothing left to change. Card details never reach the shop.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.tasks import task_send
from orders.events import order_event
from orders.models import Order, OrderEvent
from payments import stripe_api
from payments.models import Payment
from payments.money import to_minor
from payments.providers.base import Confirmation, PaymentProvider, PaymentStart, PaymentUnavailable
from payments.services import payment_apply, payment_idempotency_key

logger = logging.getLogger(__name__)

# The local id of the webhook endpoint configured from STRIPE_WEBHOOK_SECRET (dj-stripe keeps one
# row per endpoint; this one is never synced from Stripe, so it needs no real Stripe id).
WEBHOOK_ENDPOINT_ID = "we_picmatix_settings"
WEBHOOK_EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded"]


class StripeProvider(PaymentProvider):
    name = Payment.Provider.STRIPE.value
    moves_money = True

    def start(self, *, order: Order, amount: Decimal, currency: str) -> PaymentStart:
        """Create (or find again) the PaymentIntent for this amount and record it."""
        minor = to_minor(amount, currency)
        try:
            intent = stripe_api.payment_intent_create(
                amount=minor,
                currency=currency,
                metadata={"order_token": order.token, "order_id": str(order.pk)},
                description=f"picmatix order #{order.pk}",
                idempotency_key=payment_idempotency_key(order=order, amount=amount, currency=currency),
            )
        except stripe_api.StripeError as error:
            logger.error("order %s: PaymentIntent not created: %s", order.pk, error)
            raise PaymentUnavailable(str(error)) from error
        payment, created = Payment.objects.get_or_create(
            stripe_id=intent.id,
            defaults={"order": order, "amount": amount, "currency": currency, "livemode": intent.livemode},
        )
        if created:
            order_event(
                order=order,
                kind=OrderEvent.Kind.PAYMENT_STARTED,
                actor="customer",
                payment=intent.id,
                amount=str(amount),
                currency=currency,
            )
        return PaymentStart(payment=payment, client_secret=intent.client_secret)

    def confirm(self, *, reference: str, actor: str, card_number: str = "") -> Confirmation:
        """The customer's browser confirmed the intent with Stripe; ask Stripe how it ended.
        Raises stripe_api.StripeError, for the caller to retry."""
        if card_number:
            raise ValueError("card details go from the customer's browser to Stripe, never through the shop")
        return Confirmation(payment=payment_intent_sync(intent_id=reference, actor=actor))

    def refund(self, *, payment: Payment, actor: str) -> Payment:
        """Refund what is left through Stripe, then re-read the intent, which moves the payment (and the
        order, when no good payment is left) to refunded. Raises PaymentUnavailable."""
        left = payment.amount - payment.amount_refunded
        minor = to_minor(left, payment.currency)
        order_event(
            order=payment.order_id,
            kind=OrderEvent.Kind.REFUND_REQUESTED,
            actor=actor,
            payment=payment.stripe_id,
            amount=str(left),
            currency=payment.currency,
        )
        try:
            refund = stripe_api.refund_create(
                payment_intent=payment.stripe_id,
                amount=minor,
                metadata={"order_id": str(payment.order_id), "requested_by": actor},
                idempotency_key=refund_idempotency_key(payment=payment, amount_minor=minor),
            )
        except stripe_api.StripeError as error:
            order_event(
                order=payment.order_id,
                kind=OrderEvent.Kind.REFUND_FAILED,
                actor=actor,
                payment=payment.stripe_id,
                error=str(error)[:300],
            )
            logger.error("order %s: refund of %s failed: %s", payment.order_id, payment.stripe_id, error)
            raise PaymentUnavailable(str(error)) from error
        order_event(
            order=payment.order_id,
            kind=OrderEvent.Kind.REFUND_CREATED,
            actor=actor,
            payment=payment.stripe_id,
            refund=refund.id,
            status=refund.status,
        )
        try:
            synced = payment_intent_sync(intent_id=payment.stripe_id, actor=actor)
        except stripe_api.StripeError as error:
            # The money is on its way back; the charge.refunded webhook brings our rows up to date.
            logger.warning("order %s: refunded, but Stripe could not be read again: %s", payment.order_id, error)
            synced = None
        return synced or payment


def _stripe_in_use() -> bool:
    """Stripe is the shop's provider, so its keys are set (and were checked at start-up)."""
    provider: str = settings.PAYMENTS_PROVIDER
    return provider == StripeProvider.name


def refund_idempotency_key(*, payment: Payment, amount_minor: int) -> str:
    """Same payment, same amount left -> the same refund at Stripe (a double click, a retry)."""
    return f"picmatix-refund-{payment.stripe_id}-{amount_minor}"


def payment_intent_sync(*, intent_id: str, actor: str) -> Payment | None:
    """Ask Stripe for the intent and apply what it says. Raises stripe_api.StripeError to retry."""
    intent = stripe_api.payment_intent_retrieve(intent_id)
    return payment_apply(intent=intent, actor=actor)


# By name: payments/tasks.py imports this module, never the reverse (core/tasks.py).
def _enqueue_sync(intent_id: str, actor: str) -> None:
    task_send("payments.tasks.payment_intent_sync_task", intent_id, actor)


def payment_sync_later(*, intent_id: str, actor: str) -> None:
    """Queue a look at Stripe once the current transaction (a webhook's) has committed."""
    transaction.on_commit(lambda: _enqueue_sync(intent_id, actor))


def payments_due_for_check(*, now: datetime | None = None) -> list[str]:
    """Intents still open after a while, within the window: their webhook may never come."""
    now = now or timezone.now()
    quiet = now - timedelta(seconds=settings.PAYMENTS_RECOVER_AFTER_SECONDS)
    return list(
        Payment.objects.filter(
            provider=Payment.Provider.STRIPE,  # Stripe has never heard of a demonstration payment
            status__in=[Payment.Status.PENDING, Payment.Status.FAILED],
            created_at__lt=quiet,
            created_at__gte=now - timedelta(hours=settings.PAYMENTS_RECOVER_WINDOW_HOURS),
        )
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=quiet))
        .order_by("created_at")
        .values_list("stripe_id", flat=True)[:200]
    )


def payments_recover() -> int:
    """Ask Stripe about each payment due for a check; returns how many were looked at. Nothing while
    Stripe is not the shop's provider: without its keys there is no one to ask."""
    if not _stripe_in_use():
        return 0
    checked = 0
    for intent_id in payments_due_for_check():
        try:
            payment_intent_sync(intent_id=intent_id, actor="system:recovery")
        except stripe_api.StripeError as error:
            logger.warning("payment %s: Stripe not reachable for recovery: %s", intent_id, error)
            continue
        checked += 1
    if checked:
        logger.info("payments recovery: %s payment(s) checked at Stripe", checked)
    return checked


def stripe_webhook_endpoint_sync() -> str:
    """Keep dj-stripe's endpoint row for our settings; returns the URL to register at Stripe ('' when
    Stripe is not the shop's provider).

    The URL holds a random UUID (dj-stripe's design: unguessable, so strangers cannot fill the
    trigger table); it is chosen once and kept. The signing secret comes from STRIPE_WEBHOOK_SECRET.
    """
    from djstripe.models import WebhookEndpoint

    if not _stripe_in_use():
        return ""
    endpoint, _created = WebhookEndpoint.objects.get_or_create(
        id=WEBHOOK_ENDPOINT_ID,
        defaults={"enabled_events": WEBHOOK_EVENTS, "status": "enabled", "url": "", "api_version": ""},
    )
    url = settings.SITE_URL + reverse("djstripe:djstripe_webhook_by_uuid", kwargs={"uuid": endpoint.djstripe_uuid})
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        secret=settings.STRIPE_WEBHOOK_SECRET, livemode=settings.STRIPE_LIVE_MODE, url=url
    )
    return url
