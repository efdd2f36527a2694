"""The order's append-only event log, and alerting staff through it."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import mail_admins
from django.db import transaction
from django.urls import reverse

from orders import enqueue
from orders.models import Order, OrderEvent, RenderJob


def order_event(
    *, order: Order | int, kind: str, actor: str, job: RenderJob | int | None = None, **data: Any
) -> OrderEvent:
    order_id = order if isinstance(order, int) else order.pk
    job_id = job if isinstance(job, int) or job is None else job.pk
    return OrderEvent.objects.create(order_id=order_id, job_id=job_id, kind=kind, actor=actor, data=data)


def order_staff_alert(*, order_id: int, reason: str, actor: str, job: int | None = None) -> None:
    """Write why staff must look at the order into its log, and email them (PICMATIX_STAFF_EMAILS)."""
    order_event(order=order_id, job=job, kind=OrderEvent.Kind.STAFF_ALERTED, actor=actor, reason=reason)
    transaction.on_commit(partial(enqueue.staff_alert_enqueue, order_id, reason))


def order_staff_alert_send(*, order_id: int, reason: str) -> None:
    """The staff alert's email (to PICMATIX_STAFF_EMAILS); a mail failure is raised for the task to retry."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    admin_url = settings.SITE_URL + reverse("admin:orders_order_change", args=[order_id])
    mail_admins(
        f"Order {order_id} needs staff ({order.get_status_display()})",
        f"Order {order_id} ({order.email or 'email deleted'}, status {order.status}): {reason}.\n{admin_url}\n",
    )
