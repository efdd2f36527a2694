"""Payments, whoever the provider (payments/providers/): apply what the provider reports to our rows,
mark the order paid, deliver the HD file.

Every provider reports a payment as the PaymentIntent Stripe would return, and `payment_apply`
moves our rows forward with guarded UPDATEs: applying the same report twice changes nothing. Only
the preview_ready -> paid UPDATE of the order queues the HD email, so an order is delivered at most
once whatever arrives how often.
"""

from __future__ import annotations

import hashlib
import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.tasks import task_send
from orders.emails import order_email_deliver
from orders.events import order_event, order_staff_alert
from orders.models import Order, OrderEvent, RenderJob
from orders.outbox import order_email_claim, order_email_release, outbox_send
from orders.selectors import order_sellable
from orders.sharing import order_share_mark
from payments import stripe_api
from payments.emails import hd_email
from payments.models import Payment
from payments.money import MoneyError, from_minor, to_minor

logger = logging.getLogger(__name__)


# By name: payments/tasks.py imports this module, never the reverse (core/tasks.py).
def _enqueue_hd_email(order_id: int, resend: bool = False) -> None:
    task_send("payments.tasks.order_hd_email_send", order_id, resend)


def payment_idempotency_key(*, order: Order, amount: Decimal, currency: str) -> str:
    """Same order, same amount -> same PaymentIntent (a double click, a reload after a timeout)."""
    # A digest of the token, not the bare id, keeps two installs (a laptop and staging sharing a
    # Stripe test account) from colliding on "order 1"; the token itself stays out of the header.
    digest = hashlib.sha256(order.token.encode()).hexdigest()[:16]
    return f"picmatix-order-{order.pk}-{digest}-{to_minor(amount, currency)}-{currency.lower()}"


def _mismatch(payment: Payment, intent: stripe_api.Intent) -> str:
    if intent.metadata.get("order_token") != payment.order.token:
        return "the PaymentIntent's metadata names another order"
    if intent.currency != payment.currency:
        return f"paid in {intent.currency}, the order asked for {payment.currency}"
    if intent.amount != to_minor(payment.amount, payment.currency):
        return f"amount {intent.amount} (minor units), the order asked for {to_minor(payment.amount, payment.currency)}"
    return ""


def _payment_unknown(intent: stripe_api.Intent, actor: str) -> Payment | None:
    """An intent we have no row for: ours only if its metadata names one of our orders."""
    order = Order.objects.filter(token=intent.metadata.get("order_token") or "-").first()
    if order is None:
        logger.info("PaymentIntent %s is not for this shop; ignored", intent.id)
        return None
    try:
        amount = from_minor(intent.amount, intent.currency)
    except MoneyError:
        amount = Decimal(0)
    reason = "a PaymentIntent this shop did not create (or did not record)"
    with transaction.atomic():
        payment, created = Payment.objects.get_or_create(
            stripe_id=intent.id,
            defaults={
                "order": order,
                "amount": amount,
                "currency": intent.currency,
                "livemode": intent.livemode,
                "flag": reason,
            },
        )
        if created:
            order_event(
                order=order, kind=OrderEvent.Kind.PAYMENT_FLAGGED, actor=actor, payment=intent.id, reason=reason
            )
    logger.error("order %s: payment %s flagged: %s", order.pk, intent.id, reason)
    return Payment.objects.select_related("order").get(pk=payment.pk)


def _payment_flag(payment: Payment, reason: str, actor: str) -> None:
    """Set the flag once (inside the caller's transaction); staff see it on the order and the payment."""
    if Payment.objects.filter(pk=payment.pk, flag="").update(flag=reason[:300], updated_at=timezone.now()):
        order_event(
            order=payment.order_id,
            kind=OrderEvent.Kind.PAYMENT_FLAGGED,
            actor=actor,
            payment=payment.stripe_id,
            reason=reason,
        )
        logger.error("order %s: payment %s flagged: %s", payment.order_id, payment.stripe_id, reason)
    payment.flag = payment.flag or reason[:300]


def payment_apply(*, intent: stripe_api.Intent, actor: str) -> Payment | None:
    """Move our rows to match the intent Stripe reported. Repeatable: a second call changes nothing."""
    payment = Payment.objects.select_related("order").filter(stripe_id=intent.id).first()
    if payment is None:
        payment = _payment_unknown(intent, actor)
        if payment is None:
            return None
    now = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(checked_at=now)
    mismatch = _mismatch(payment, intent)
    with transaction.atomic():
        if mismatch:
            _payment_flag(payment, mismatch, actor)
        if intent.status == "succeeded" and intent.refunded:
            _payment_refunded(payment, intent, actor)
        elif intent.status == "succeeded":
            _payment_succeeded(payment, intent, actor)
        elif intent.status == "canceled":
            _payment_move(payment, Payment.Status.CANCELED, OrderEvent.Kind.PAYMENT_CANCELED, actor)
        elif intent.status == "requires_payment_method" and intent.failure:
            # Not final: the customer may try another card on the same intent, which then succeeds.
            _payment_move(
                payment, Payment.Status.FAILED, OrderEvent.Kind.PAYMENT_FAILED, actor, reason=intent.failure[:300]
            )
    payment.refresh_from_db()
    return payment


def _payment_move(payment: Payment, status: str, kind: OrderEvent.Kind, actor: str, **data: Any) -> bool:
    now = timezone.now()
    moved = Payment.objects.filter(pk=payment.pk, status__in=[Payment.Status.PENDING, Payment.Status.FAILED]).exclude(
        status=status
    )
    if not moved.update(status=status, updated_at=now):
        return False
    order_event(order=payment.order_id, kind=kind, actor=actor, payment=payment.stripe_id, **data)
    return True


def _payment_succeeded(payment: Payment, intent: stripe_api.Intent, actor: str) -> None:
    refunded = from_minor(intent.amount_refunded, payment.currency) if intent.amount_refunded else Decimal(0)
    if refunded and Payment.objects.filter(pk=payment.pk).exclude(amount_refunded=refunded).update(
        amount_refunded=refunded
    ):
        order_event(
            order=payment.order_id,
            kind=OrderEvent.Kind.PAYMENT_PARTLY_REFUNDED,
            actor=actor,
            payment=payment.stripe_id,
            refunded=str(refunded),
        )
    data = {"amount": str(payment.amount), "currency": payment.currency}
    if not _payment_move(payment, Payment.Status.SUCCEEDED, OrderEvent.Kind.PAYMENT_SUCCEEDED, actor, **data):
        return  # already succeeded (a duplicate), or refunded/canceled: nothing to deliver
    if payment.flag:
        # Money arrived, but not as we asked (amount, currency): nothing is delivered, and what to give
        # back is for a person to judge, so staff hear at once.
        reason = f"payment {payment.stripe_id} arrived but not as asked ({payment.flag}): refund it by hand"
        order_staff_alert(order_id=payment.order_id, reason=reason, actor=actor)
        return
    if not order_mark_paid(order_id=payment.order_id, payment=payment, actor=actor):
        status = Order.objects.values_list("status", flat=True).get(pk=payment.order_id)
        _payment_flag(payment, f"paid while the order was {status} and could not be delivered", actor)
        # It buys nothing (a second payment, or a painting gone or being painted again): it goes back
        # by itself, outside this transaction; staff hear if it cannot.
        payment_id = payment.pk
        transaction.on_commit(lambda: task_send("payments.tasks.payment_flagged_refund_task", payment_id))


def _payment_refunded(payment: Payment, intent: stripe_api.Intent, actor: str) -> None:
    now = timezone.now()
    refunded = from_minor(intent.amount_refunded or intent.amount, payment.currency)
    changed = (
        Payment.objects.filter(pk=payment.pk)
        .exclude(status=Payment.Status.REFUNDED)
        .update(status=Payment.Status.REFUNDED, amount_refunded=refunded, updated_at=now)
    )
    if not changed:
        return
    order_event(order=payment.order_id, kind=OrderEvent.Kind.PAYMENT_REFUNDED, actor=actor, payment=payment.stripe_id)
    # The order is refunded when no good payment is left (a second, flagged payment refunded by
    # staff leaves the first one's delivery alone).
    still_paid = Payment.objects.filter(order_id=payment.order_id, status=Payment.Status.SUCCEEDED, flag="")
    if not still_paid.exists() and Order.objects.filter(pk=payment.order_id, status=Order.Status.PAID).update(
        status=Order.Status.REFUNDED, updated_at=now
    ):
        order_event(order=payment.order_id, kind=OrderEvent.Kind.ORDER_REFUNDED, actor=actor, payment=payment.stripe_id)
        # The painting without the mark was the customer's to show because they paid for it.
        order_share_mark(order_id=payment.order_id)


def order_mark_paid(*, order_id: int, payment: Payment, actor: str) -> bool:
    """preview_ready -> paid, once; only this transition queues the HD email."""
    now = timezone.now()
    # Only an order whose painting can be delivered: not purged, deleted or being painted again.
    changed = Order.objects.filter(order_sellable(), pk=order_id).update(
        status=Order.Status.PAID, paid_at=now, updated_at=now
    )
    if changed != 1:
        return False
    order_event(
        order=order_id,
        kind=OrderEvent.Kind.ORDER_PAID,
        actor=actor,
        payment=payment.stripe_id,
        amount=str(payment.amount),
        currency=payment.currency,
    )
    transaction.on_commit(lambda: _enqueue_hd_email(order_id))
    logger.info("order %s paid (%s %s)", order_id, payment.amount, payment.currency)
    return True


def order_mark_hd_email_sent(*, order_id: int, resend: bool, actor: str) -> None:
    now = timezone.now()
    if resend:
        Order.objects.filter(pk=order_id).update(hd_email_sent_at=now, updated_at=now)
    elif not Order.objects.filter(pk=order_id, hd_email_sent_at__isnull=True).update(
        hd_email_sent_at=now, updated_at=now
    ):
        return
    order_event(order=order_id, kind=OrderEvent.Kind.HD_EMAIL_SENT, actor=actor, resend=resend)


def order_hd_email_deliver(*, order_id: int, resend: bool = False) -> bool:
    """Send the HD download email once (again when asked to resend) and record it; False if nothing went out.
    A mail failure a later try may cure is raised, for the task to retry."""
    order = Order.objects.select_related("style").filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PAID or not order.email:
        return False  # refunded meanwhile, never paid, or the customer's data deleted: no link goes out
    if order.hd_email_sent_at is not None and not resend:
        return False
    claim = None if resend else order_email_claim(order_id=order_id, email="hd")
    if not resend and claim is None:
        return False  # another sender holds it (orders/outbox.py)
    try:
        delivered = order_email_deliver(order, email="hd", rendered=hd_email(order))
        if delivered:
            order_mark_hd_email_sent(order_id=order_id, resend=resend, actor="system")
    finally:
        # After the mark: once it is recorded as sent, nobody may claim it again.
        if claim is not None:
            order_email_release(order_id=order_id, email="hd", claim=claim)
    if not delivered:
        return False
    logger.info("order %s: HD download email sent", order_id)
    return True


def hd_emails_outbox_send() -> dict[str, int]:
    """Send the download emails of paid orders that the normal path lost (orders/outbox.py): a mail
    server down for long, a broker that refused the message at payment, a Redis flushed."""
    return outbox_send(
        Order.objects.filter(status=Order.Status.PAID, paid_at__isnull=False),
        email="hd",
        since_field="paid_at",
        deliver=lambda order_id: order_hd_email_deliver(order_id=order_id),
    )


def order_hd_email_resend(*, order_id: int, actor: str) -> bool:
    """Staff send the download link again (a fresh signature); only to a paid order."""
    if not Order.objects.filter(pk=order_id, status=Order.Status.PAID).exists():
        return False
    with transaction.atomic():
        order_event(order=order_id, kind=OrderEvent.Kind.HD_EMAIL_RESEND_REQUESTED, actor=actor)
        transaction.on_commit(lambda: _enqueue_hd_email(order_id, resend=True))
    return True


def order_hd_link_request(*, order: Order) -> str:
    """The customer asks for a new download link (theirs expired): emailed to the order's own address
    only, so having the order's page gives no one else the file. Returns ``sent``, ``not_paid``,
    ``remaking`` while a lost HD file is being painted again (its email follows by itself), or
    ``gone`` when retention has deleted the HD file."""
    if order.status != Order.Status.PAID:
        return "not_paid"
    if not order.jobs.filter(status=RenderJob.Status.DONE).exclude(hd="").exists():
        active = order.jobs.filter(status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING])
        return "remaking" if active.exists() else "gone"
    return "sent" if order_hd_email_resend(order_id=order.pk, actor="customer") else "not_paid"


def order_stripe_records_forget(*, order_id: int) -> None:
    """dj-stripe's copies of the order's payments go with the customer's data (deleted at their request,
    or by retention): the events and webhook bodies Stripe sent, the intents, charges and payment methods
    it synced, which hold billing names, addresses and card details. Our Payment rows stay: amounts,
    currencies and Stripe's ids are what accounting keeps (Stripe keeps the rest)."""
    from django.db.models import Q
    from djstripe import models as djstripe

    ids = list(Payment.objects.filter(order_id=order_id).values_list("stripe_id", flat=True))
    if not ids:
        return
    charges = djstripe.Charge.objects.filter(payment_intent__id__in=ids)
    intents = djstripe.PaymentIntent.objects.filter(id__in=ids)
    methods = {
        *charges.exclude(payment_method=None).values_list("payment_method_id", flat=True),
        *intents.exclude(payment_method=None).values_list("payment_method_id", flat=True),
    }
    events = djstripe.Event.objects.filter(Q(data__object__id__in=ids) | Q(data__object__payment_intent__in=ids))
    djstripe.WebhookEventTrigger.objects.filter(event__in=events).delete()
    events.delete()
    charges.delete()
    intents.delete()
    djstripe.PaymentMethod.objects.filter(id__in=methods).delete()  # DJSTRIPE_FOREIGN_KEY_TO_FIELD "id"
