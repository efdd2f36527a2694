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
def order_preview_email_send(order_id: int, resend: bool = False) -> None:
    order = Order.objects.select_related("style").filter(pk=order_id).first()
    if order is None or not order.email or (order.preview_email_sent_at is not None and not resend):
        return  # gone, anonymised at the customer's request, or already sent
    email_send(preview_email(order), to=order.email)
    order_mark_preview_email_sent(order_id=order_id, resend=resend)
    logger.info("order %s: preview email sent", order_id, extra={"order_id": order_id})


@shared_task(autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, retry_backoff_max=3600, max_retries=12)
def order_render_failed_notify(order_id: int) -> None:
    """Tell staff, and tell the customer honestly, that an order could not be painted."""
    from django.core.mail import mail_admins

    from orders.emails import render_failed_email
    from orders.services import order_event

    order = Order.objects.select_related("style").filter(pk=order_id).first()
    if order is None or not order.email or order.events.filter(kind="failure_email_sent").exists():
        return
    job = order.current_job
    mail_admins(
        f"Render failed: order {order.pk}",
        f"Order {order.pk} ({order.email}, style {order.style.slug}) failed after "
        f"{job.attempts if job else 0} attempts.\nLast error: {job.error if job else '-'}\n",
        fail_silently=True,
    )
    email_send(render_failed_email(order), to=order.email)
    order_event(order=order, kind="failure_email_sent", actor="system")


@shared_task
def render_jobs_reap() -> dict[str, list[int]]:
    """Recover the render queue: customers' render jobs, then staff's test renders."""
    from orders.services import render_jobs_reap as reap
    from styles.services import style_trials_reap

    return {**reap().as_dict(), **style_trials_reap()}


@shared_task
def storage_reconcile() -> dict[str, object]:
    from orders.reconcile import reconcile

    return reconcile(fix=True).as_dict()


@shared_task
def retention_purge_run() -> dict[str, object]:
    from orders.retention import retention_purge

    return retention_purge().as_dict()


@shared_task(autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, retry_backoff_max=3600, max_retries=12)
def order_staff_alert(order_id: int, reason: str) -> None:
    """Email staff (PICMATIX_STAFF_EMAILS) that an order needs a person; the event is already in its log."""
    from django.conf import settings
    from django.core.mail import mail_admins
    from django.urls import reverse

    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    admin_url = settings.SITE_URL + reverse("admin:orders_order_change", args=[order_id])
    mail_admins(
        f"Order {order_id} needs staff ({order.get_status_display()})",
        f"Order {order_id} ({order.email or 'email deleted'}, status {order.status}): {reason}.\n{admin_url}\n",
    )
