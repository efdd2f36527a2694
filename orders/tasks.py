from __future__ import annotations

from celery import Task, shared_task

from core.mail import MAIL_TASK_RETRY
from orders.events import order_staff_alert_send
from orders.find_orders import order_links_email_send, order_links_outbox_send
from orders.services import order_failure_notices_send, order_preview_email_deliver, preview_emails_outbox_send


@shared_task(**MAIL_TASK_RETRY)
def order_preview_email_send(order_id: int, resend: bool = False) -> None:
    order_preview_email_deliver(order_id=order_id, resend=resend)


@shared_task(bind=True, **MAIL_TASK_RETRY)
def order_render_failed_notify(self: Task, order_id: int) -> None:
    """Tell staff, and tell the customer honestly, that an order could not be painted."""
    order_failure_notices_send(order_id=order_id, first_try=self.request.retries == 0)


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


@shared_task(name="orders.tasks.order_staff_alert", **MAIL_TASK_RETRY)
def order_staff_alert_task(order_id: int, reason: str) -> None:
    """Email staff (PICMATIX_STAFF_EMAILS) that an order needs a person; the event is already in its log."""
    order_staff_alert_send(order_id=order_id, reason=reason)


@shared_task
def preview_emails_outbox_send_task() -> dict[str, int]:
    """Send the preview emails the normal path lost (orders/outbox.py)."""
    return preview_emails_outbox_send()


@shared_task(**MAIL_TASK_RETRY)
def order_links_email_send_task(request_id: int) -> None:
    """Email the links to the orders of an address someone typed in "Find my orders"."""
    order_links_email_send(request_id=request_id)


@shared_task
def order_links_outbox_send_task() -> dict[str, int]:
    """Send the "Find my orders" emails the normal path lost (orders/find_orders.py)."""
    return order_links_outbox_send()
