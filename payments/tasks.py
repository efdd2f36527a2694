from __future__ import annotations

import stripe
from celery import shared_task

from core.mail import MAIL_TASK_RETRY
from payments.providers.stripe import payment_intent_sync, payments_recover
from payments.refunds import flagged_payments_refund_sweep, payment_flagged_refund
from payments.services import hd_emails_outbox_send, order_hd_email_deliver

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
    payment_intent_sync(intent_id=intent_id, actor=actor)


@shared_task(name="payments.tasks.payments_recover")  # its first name: the beat schedule carries it
def payments_recover_task() -> None:
    payments_recover()


@shared_task(**MAIL_TASK_RETRY)
def order_hd_email_send(order_id: int, resend: bool = False) -> None:
    order_hd_email_deliver(order_id=order_id, resend=resend)


@shared_task
def hd_emails_outbox_send_task() -> dict[str, int]:
    """Send the download emails of paid orders that the normal path lost (orders/outbox.py)."""
    return hd_emails_outbox_send()


@shared_task(retry_backoff=60, retry_backoff_max=3600, retry_jitter=True, max_retries=10, autoretry_for=(Exception,))
def payment_flagged_refund_task(payment_id: int) -> None:
    """Refund a payment that buys nothing (payments/refunds.py); staff are told at the first failure."""
    payment_flagged_refund(payment_id=payment_id)


@shared_task
def flagged_payments_refund_sweep_task() -> int:
    """Refund the payments that buy nothing whose own refund was never queued or gave up."""
    return flagged_payments_refund_sweep()
