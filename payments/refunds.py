"""Refunds: what any refund checks first, then the payment's own provider gives the money back.

Apart from payments/services.py because the providers build on the services: a refund needs both.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext

from orders.events import order_staff_alert
from orders.models import OrderEvent
from orders.staff import OrderActionRefused
from payments.models import Payment
from payments.providers import payment_provider_of

logger = logging.getLogger(__name__)


def payment_refund(*, payment: Payment, actor: str) -> Payment:
    """Refund what is left of a succeeded payment through the provider it was made with.
    Raises OrderActionRefused (nothing to refund) or PaymentUnavailable (the provider failed)."""
    if payment.status != Payment.Status.SUCCEEDED:
        raise OrderActionRefused(
            gettext("payment %(id)s is %(status)s") % {"id": payment.stripe_id, "status": payment.status}
        )
    if payment.amount - payment.amount_refunded <= 0:
        raise OrderActionRefused(gettext("payment %(id)s is already refunded") % {"id": payment.stripe_id})
    return payment_provider_of(payment).refund(payment=payment, actor=actor)


def order_refund(*, order_id: int, actor: str) -> list[Payment]:
    """Refund every succeeded payment of the order (usually one; a second one paid by mistake too)."""
    payments = list(Payment.objects.select_related("order").filter(order_id=order_id, status=Payment.Status.SUCCEEDED))
    if not payments:
        raise OrderActionRefused(gettext("no payment to refund"))
    return [payment_refund(payment=payment, actor=actor) for payment in payments]


def payment_flagged_refund(*, payment_id: int) -> bool:
    """Give back a flagged payment (it buys nothing: a second one, a mismatch, a painting gone).
    Where the provider fails, staff are emailed at once (once per payment) and the error is raised
    for the task to try again later; True once refunded."""
    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None or not payment.flag or payment.status != Payment.Status.SUCCEEDED:
        return False  # refunded meanwhile (by staff, or an earlier try), or nothing to give back
    try:
        payment_refund(payment=payment, actor="system")
    except Exception:
        reason = f"payment {payment.stripe_id} buys nothing ({payment.flag}) and could not be refunded by itself"
        told = payment.order.events.filter(kind=OrderEvent.Kind.STAFF_ALERTED, data__reason=reason).exists()
        if not told:
            order_staff_alert(order_id=payment.order_id, reason=reason, actor="system")
        logger.exception("order %s: %s", payment.order_id, reason, extra={"order_id": payment.order_id})
        raise
    logger.info("order %s: flagged payment %s refunded", payment.order_id, payment.stripe_id)
    return True


# What _payment_succeeded writes on a payment that buys nothing (payments/services.py).
UNDELIVERABLE = "could not be delivered"


def flagged_payments_refund_sweep(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Refund the payments that buy nothing and are still not refunded: their own refund task was never
    queued (the broker refused it after the commit) or gave up. Returns how many were refunded."""
    since = timezone.now() - older_than
    due = Payment.objects.filter(status=Payment.Status.SUCCEEDED, flag__endswith=UNDELIVERABLE, updated_at__lt=since)
    refunded = 0
    for payment_id in due.values_list("pk", flat=True)[:50]:
        try:
            refunded += payment_flagged_refund(payment_id=payment_id)
        except Exception:
            continue
    return refunded
