from __future__ import annotations

import logging
import smtplib

from celery import shared_task

from orders.emails import email_send, preview_email
from orders.models import Order
from orders.services import order_mark_preview_email_sent

logger = logging.getLogger(__name__)

# Failures a later try can cure: the mail server down, refusing for now, or the network away.
TRANSIENT_MAIL_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPResponseException,
    ConnectionError,
    TimeoutError,
    OSError,
)


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=12,
)
def order_preview_email_send(order_id: int) -> None:
    order = Order.objects.select_related("style").filter(pk=order_id).first()
    if order is None or order.preview_email_sent_at is not None:
        return
    email_send(preview_email(order), to=order.email)
    order_mark_preview_email_sent(order_id=order_id)
    logger.info("order %s: preview email sent", order_id)
