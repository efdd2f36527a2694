from __future__ import annotations

import logging

import stripe
from celery import shared_task
from django.conf import settings

from orders.emails import email_send
from orders.models import Order
from orders.tasks import TRANSIENT_MAIL_ERRORS
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


@shared_task
def payments_recover() -> None:
    if not settings.PAYMENTS_ENABLED:
        return
    checked = services.payments_recover()
    if checked:
        logger.info("payments recovery: %s payment(s) checked at Stripe", checked)


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
)
def order_hd_email_send(order_id: int, resend: bool = False) -> None:
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PAID or not order.email:
        return  # refunded meanwhile, never paid, or the customer's data deleted: no link goes out
    if order.hd_email_sent_at is not None and not resend:
        return
    email_send(hd_email(order), to=order.email)
    services.order_mark_hd_email_sent(order_id=order_id, resend=resend, actor="system")
    logger.info("order %s: HD download email sent", order_id)
