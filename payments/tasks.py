from __future__ import annotations

import logging

import stripe
from celery import Task, shared_task
from django.conf import settings

from core.mail import email_send
from orders.models import Order
from orders.tasks import MAIL_MAX_RETRIES, email_deliver
from payments import services
from payments.emails import hd_email

logger = logging.getLogger(__name__)

# Stripe errors worth another try later: the network, Stripe's own trouble, rate limits.
TRANSIENT_STRIPE_ERRORS = (
    stripe.APIConnectionError,
    stripe.APIError,
    stripe.RateLimitError,
)


@shared_task(
    autoretry_for=TRANSIENT_STRIPE_ERRORS, retry_backoff=10, retry_backoff_max=600, retry_jitter=True, max_retries=8
)
def payment_intent_sync_task(intent_id: str, actor: str) -> None:
    services.payment_intent_sync(intent_id=intent_id, actor=actor)


@shared_task(name="payments.tasks.payments_recover")  # its first name: the beat schedule carries it
def payments_recover_task() -> None:
    if not settings.PAYMENTS_ENABLED:
        return
    checked = services.payments_recover()
    if checked:
        logger.info("payments recovery: %s payment(s) checked at Stripe", checked)


@shared_task(bind=True, max_retries=MAIL_MAX_RETRIES)
def order_hd_email_send(self: Task, order_id: int, resend: bool = False) -> None:
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PAID or not order.email:
        return  # refunded meanwhile, never paid, or the customer's data deleted: no link goes out
    if order.hd_email_sent_at is not None and not resend:
        return
    to = order.email
    if not email_deliver(self, order=order, email="hd", send=lambda: email_send(hd_email(order), to=to)):
        return
    services.order_mark_hd_email_sent(order_id=order_id, resend=resend, actor="system")
    logger.info("order %s: HD download email sent", order_id)
