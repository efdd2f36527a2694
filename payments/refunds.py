"""Refunds, through Stripe or, for a demonstration payment, the demo provider (payments/demo.py).

Apart from payments/services.py because the demo provider builds on it: a refund needs both.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext

from orders.events import order_event
from orders.models import OrderEvent
from orders.staff import OrderActionRefused
from payments import stripe_api
from payments.demo import payment_demo_refund
from payments.models import Payment
from payments.money import to_minor
from payments.services import PaymentUnavailable, payment_intent_sync

logger = logging.getLogger(__name__)


def refund_idempotency_key(*, payment: Payment, amount_minor: int) -> str:
    """Same payment, same amount left -> the same refund at Stripe (a double click, a retry)."""
    return f"picmatix-refund-{payment.stripe_id}-{amount_minor}"


def payment_refund(*, payment: Payment, actor: str) -> Payment:
    """Refund what is left of a succeeded payment through Stripe, then re-read the intent, which
    moves the payment (and the order, when no good payment is left) to refunded."""
    if payment.status != Payment.Status.SUCCEEDED:
        raise OrderActionRefused(
            gettext("payment %(id)s is %(status)s") % {"id": payment.stripe_id, "status": payment.status}
        )
    left = payment.amount - payment.amount_refunded
    if left <= 0:
        raise OrderActionRefused(gettext("payment %(id)s is already refunded") % {"id": payment.stripe_id})
    if payment.provider == Payment.Provider.DEMO:
        return payment_demo_refund(payment=payment, actor=actor)
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


def order_refund(*, order_id: int, actor: str) -> list[Payment]:
    """Refund every succeeded payment of the order (usually one; a second one paid by mistake too)."""
    payments = list(Payment.objects.select_related("order").filter(order_id=order_id, status=Payment.Status.SUCCEEDED))
    if not payments:
        raise OrderActionRefused(gettext("no payment to refund"))
    return [payment_refund(payment=payment, actor=actor) for payment in payments]
