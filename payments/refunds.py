"""Refunds: what any refund checks first, then the payment's own provider gives the money back.

Apart from payments/services.py because the providers build on the services: a refund needs both.
"""

from __future__ import annotations

from django.utils.translation import gettext

from orders.staff import OrderActionRefused
from payments.models import Payment
from payments.providers import payment_provider_of


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
