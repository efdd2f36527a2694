"""A share page: the customer publishes their painting on a page of its own, to show a friend.

The page has a key of its own (never the order's token, which opens the order: its photo, its
purchase, its deletion) and shows only the watermarked preview, with Open Graph tags so that
messengers draw a preview card. Withdrawing deletes the row: the page and its image look the row up
on every request, so they answer 404 at once. Deleting the customer's data and retention delete it
with the preview (orders/deletion.py, orders/retention.py); logs redact its key (picmatix/logs.py).
"""

from __future__ import annotations

import logging

from django.db import transaction

from orders.events import order_event
from orders.models import Order, OrderEvent, OrderShare, RenderJob

logger = logging.getLogger(__name__)


def order_shared_preview(order: Order) -> RenderJob | None:
    """The job whose preview a share page shows: the newest painted one (a re-render under way keeps
    the last good one on show); None once there is none, or once the customer's data was deleted."""
    if order.data_deleted_at:
        return None
    return order.jobs.filter(status=RenderJob.Status.DONE).exclude(preview="").first()


def order_share_publish(*, order_id: int) -> OrderShare | None:
    """Publish the order's painting (again: the same page while it is published); None when there is
    no painting to show."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order_shared_preview(order) is None:
            return None
        share, created = OrderShare.objects.get_or_create(order=order)
        if created:
            order_event(order=order, kind=OrderEvent.Kind.SHARE_PUBLISHED, actor="customer")
    if created:
        logger.info("order %s: painting published on a share page", order_id, extra={"order_id": order_id})
    return share


def order_share_withdraw(*, order_id: int) -> bool:
    """Take the share page down; False when it was not published."""
    with transaction.atomic():
        deleted, _ = OrderShare.objects.filter(order_id=order_id).delete()
        if deleted:
            order_event(order=order_id, kind=OrderEvent.Kind.SHARE_WITHDRAWN, actor="customer")
    return bool(deleted)


def order_share_by_key(key: str) -> OrderShare | None:
    return OrderShare.objects.select_related("order__style").filter(key=key).first()
