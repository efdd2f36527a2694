from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval

from core.mail import MAIL_ERRORS, email_refusal_code, email_send
from orders.emails import preview_email
from orders.events import order_event
from orders.models import Order, OrderEvent
from orders.services import order_mark_preview_email_sent

logger = logging.getLogger(__name__)

# A transient mail failure is tried again after 30 s, 60 s, 120 s ... (at most an hour apart, with
# jitter), 12 times: about half a day of a mail server's trouble.
MAIL_RETRY_BACKOFF_S = 30
MAIL_RETRY_BACKOFF_MAX_S = 3600
MAIL_MAX_RETRIES = 12


def email_deliver(task: Task, *, order: Order, email: str, send: Callable[[], None]) -> bool:
    """Run ``send`` for one customer email from inside ``task``; True once the server took it.

    The one place a mail failure is classified (``email_refusal_code``): the server refusing the
    recipient or the message for good is recorded on the order and logged, and never retried (another
    try gets the same answer, twelve times over); a refusal for now or a lost connection makes Celery
    try again with back-off; anything else is a bug and fails the task.
    """
    try:
        send()
    except MAIL_ERRORS as exc:
        code = email_refusal_code(exc)
        if code is None:
            countdown = get_exponential_backoff_interval(
                factor=MAIL_RETRY_BACKOFF_S,
                retries=task.request.retries,
                maximum=MAIL_RETRY_BACKOFF_MAX_S,
                full_jitter=True,
            )
            raise task.retry(exc=exc, countdown=countdown) from exc
        order_event(order=order, kind=OrderEvent.Kind.EMAIL_REFUSED, actor="system", email=email, code=code)
        logger.warning(
            "order %s: the mail server refused the %s email for good (SMTP %s); not retried",
            order.pk,
            email,
            code,
            extra={"order_id": order.pk},
        )
        return False
    return True


@shared_task(bind=True, max_retries=MAIL_MAX_RETRIES)
def order_preview_email_send(self: Task, order_id: int, resend: bool = False) -> None:
    order = Order.objects.select_related("style").filter(pk=order_id).first()
    if order is None or not order.email or (order.preview_email_sent_at is not None and not resend):
        return  # gone, anonymised at the customer's request, or already sent
    to = order.email
    if not email_deliver(self, order=order, email="preview", send=lambda: email_send(preview_email(order), to=to)):
        return
    order_mark_preview_email_sent(order_id=order_id, resend=resend)
    logger.info("order %s: preview email sent", order_id, extra={"order_id": order_id})


@shared_task(bind=True, max_retries=MAIL_MAX_RETRIES)
def order_render_failed_notify(self: Task, order_id: int) -> None:
    """Tell staff, and tell the customer honestly, that an order could not be painted."""
    from django.core.mail import mail_admins

    from orders.emails import render_failed_email

    order = Order.objects.select_related("style").filter(pk=order_id).first()
    if order is None or not order.email or order.events.filter(kind=OrderEvent.Kind.FAILURE_EMAIL_SENT).exists():
        return
    job = order.current_job
    if self.request.retries == 0:  # staff hear once, not once per try of the customer's email
        mail_admins(
            f"Render failed: order {order.pk}",
            f"Order {order.pk} ({order.email}, style {order.style.slug}) failed after "
            f"{job.attempts if job else 0} attempts.\nLast error: {job.error if job else '-'}\n",
            fail_silently=True,
        )
    to = order.email
    if email_deliver(
        self, order=order, email="render_failed", send=lambda: email_send(render_failed_email(order), to=to)
    ):
        order_event(order=order, kind=OrderEvent.Kind.FAILURE_EMAIL_SENT, actor="system")


# Registered under its first name: beat schedules and queued messages carry it.
@shared_task(name="orders.tasks.render_jobs_reap")
def render_jobs_reap_task() -> dict[str, list[int]]:
    """Recover the render queue: customers' render jobs, then staff's test renders."""
    from orders.jobs import render_jobs_reap
    from styles.services import style_trials_reap

    return {**render_jobs_reap().as_dict(), **style_trials_reap()}


@shared_task
def storage_reconcile() -> dict[str, object]:
    from orders.reconcile import reconcile

    return reconcile(fix=True).as_dict()


@shared_task
def retention_purge_run() -> dict[str, object]:
    from orders.retention import retention_purge

    return retention_purge().as_dict()


@shared_task(
    name="orders.tasks.order_staff_alert",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=MAIL_RETRY_BACKOFF_S,
    retry_backoff_max=MAIL_RETRY_BACKOFF_MAX_S,
    max_retries=MAIL_MAX_RETRIES,
)
def order_staff_alert_task(order_id: int, reason: str) -> None:
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
