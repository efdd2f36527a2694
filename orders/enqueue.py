"""Queueing the Celery tasks an order's life needs, each by its registered name (core/tasks.py).

By name, so that orders imports neither the render worker glue (rendering/) nor payments, which
build on it. Every message is sent after commit, outside any transaction.
"""

from __future__ import annotations

from django.utils import timezone

from core.tasks import task_send
from orders.models import RenderJob


def render_job_enqueue(job_id: int) -> None:
    """Send the "job N may be ready" message."""
    # Stamp first: if sending fails, the reaper sees an overdue job and sends again.
    RenderJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    task_send("rendering.tasks.render_job_run", job_id)


def preview_email_enqueue(order_id: int, resend: bool = False) -> None:
    if resend:
        task_send("orders.tasks.order_preview_email_send", order_id, True)
    else:
        task_send("orders.tasks.order_preview_email_send", order_id)  # the message every worker version understands


def failure_notices_enqueue(order_id: int) -> None:
    task_send("orders.tasks.order_render_failed_notify", order_id)


def staff_alert_enqueue(order_id: int, reason: str) -> None:
    task_send("orders.tasks.order_staff_alert", order_id, reason)


def hd_email_again_enqueue(order_id: int) -> None:
    """A paid order's lost painting is back: payments sends its download email again."""
    task_send("payments.tasks.order_hd_email_send", order_id, True)


def order_links_email_enqueue(request_id: int) -> None:
    """Send the "links to your orders" email of one request (orders/find_orders.py)."""
    task_send("orders.tasks.order_links_email_send_task", request_id)
