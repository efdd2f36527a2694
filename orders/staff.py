"""Staff actions on an order (backoffice/actions.py puts them in the admin). Each is guarded by the
order's state, repeatable, and written to the event log with the staff user as actor."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import enqueue
from orders.events import order_event
from orders.models import Order, OrderEvent, RenderJob
from orders.services import order_recipe

logger = logging.getLogger(__name__)


class OrderActionRefused(Exception):
    """The order's state does not allow this action; the message says why, for staff."""


def order_rerender(*, order_id: int, actor: str) -> RenderJob:
    """Paint the order again (a new job with the style's current recipe), e.g. after staff fixed it."""
    with transaction.atomic():
        # The row lock makes two staff clicking at once queue one job, not two.
        order = Order.objects.select_for_update(of=("self",)).select_related("style").get(pk=order_id)
        if order.data_deleted_at or not order.content_image:
            raise OrderActionRefused(_("the customer's photo is no longer stored"))
        if order.status == Order.Status.REFUNDED:
            raise OrderActionRefused(_("the order was refunded"))
        if order.jobs.filter(status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING]).exists():
            raise OrderActionRefused(_("it is being painted right now"))
        job = RenderJob.objects.create(order=order, recipe=order_recipe(order))
        if order.status in (Order.Status.FAILED, Order.Status.PREVIEW_READY):
            # A paid order stays paid (render_job_finish leaves it so); others show the painting live again.
            Order.objects.filter(pk=order.pk).update(status=Order.Status.RENDERING, updated_at=timezone.now())
        order_event(
            order=order, job=job, kind=OrderEvent.Kind.RERENDER_REQUESTED, actor=actor, previous_status=order.status
        )
        transaction.on_commit(partial(enqueue.render_job_enqueue, job.pk))
    logger.info("order %s: re-render queued as job %s by %s", order_id, job.pk, actor, extra={"order_id": order_id})
    return job


def order_preview_email_resend(*, order_id: int, actor: str) -> None:
    """Send the preview email again, whether or not it went out before."""
    order = Order.objects.get(pk=order_id)
    if not order.email:
        raise OrderActionRefused(_("the customer's email was deleted"))
    job = order.current_job
    if job is None or job.status != RenderJob.Status.DONE or not job.preview:
        raise OrderActionRefused(_("there is no preview yet"))
    with transaction.atomic():
        order_event(order=order_id, kind=OrderEvent.Kind.PREVIEW_EMAIL_RESEND_REQUESTED, actor=actor)
        transaction.on_commit(partial(enqueue.preview_email_enqueue, order_id, True))
