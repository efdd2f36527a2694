"""A share page: the customer publishes their painting on a page of its own, to show a friend.

The page has a key of its own (never the order's token, which opens the order: its photo, its
purchase, its deletion) and shows the watermarked preview, or, once the order is paid and if the
customer chooses, a web-size copy of the HD painting without the mark (made at publish, so that a
share page never streams the print file). Open Graph tags let messengers draw a preview card.
Withdrawing deletes the row and the copy: the page and its image look the row up on every request,
so they answer 404 at once. A refund takes the mark back; deleting the customer's data and
retention delete the page and its copy (orders/deletion.py, orders/retention.py); the storage
reconcile finds a copy left behind; logs redact the key (picmatix/logs.py).
"""

from __future__ import annotations

import io
import logging
import secrets
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from orders.events import order_event
from orders.models import Order, OrderEvent, OrderShare, RenderJob
from orders.selectors import order_painted_job

logger = logging.getLogger(__name__)


def order_shared_preview(order: Order) -> RenderJob | None:
    """The job whose preview a share page shows: the newest painted one (a re-render under way keeps
    the last good one on show); None once there is none, or once the customer's data was deleted."""
    if order.data_deleted_at:
        return None
    return order.jobs.filter(status=RenderJob.Status.DONE).exclude(preview="").first()


#: The clean copy's long side: sharp on any phone or laptop screen, a fraction of the print file.
CLEAN_LONG_SIDE = 1600


class ShareNotPaid(Exception):
    """The painting without the mark was asked for on an order that is not paid."""


def order_share_can_be_clean(order: Order) -> bool:
    """Whether the customer may show the painting without the mark: paid, and its HD file made."""
    return order.status == Order.Status.PAID and _hd_job(order) is not None


def _hd_job(order: Order) -> RenderJob | None:
    return None if order.data_deleted_at else order_painted_job(order)


def _clean_copy(job: RenderJob) -> tuple[ContentFile[bytes], tuple[int, int]]:
    with default_storage.open(job.hd.name, "rb") as handle, Image.open(handle) as hd:
        image = hd.convert("RGB")
    image.thumbnail((CLEAN_LONG_SIDE, CLEAN_LONG_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, optimize=True, progressive=True)
    # A name of its own, unrelated to the share's key or the order's token (storage names reach logs).
    return ContentFile(buffer.getvalue(), name=f"{secrets.token_hex(16)}.jpg"), image.size


def _delete_after_commit(name: str) -> None:
    if name:
        transaction.on_commit(partial(default_storage.delete, name))


def order_share_publish(*, order_id: int, clean: bool = False) -> OrderShare | None:
    """Publish the order's painting, or change what the published page shows (the same page and key):
    the watermarked preview, or with ``clean`` the painting without the mark, which needs a paid order
    (ShareNotPaid otherwise). None when there is no painting to show."""
    order = Order.objects.get(pk=order_id)
    copy, size = None, (0, 0)
    if clean:
        job = _hd_job(order) if order.status == Order.Status.PAID else None
        if job is None:
            raise ShareNotPaid
        share = OrderShare.objects.filter(order_id=order_id).first()
        if share is None or not share.clean:
            copy, size = _clean_copy(job)  # read and scaled before the lock: the HD file is large
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order_shared_preview(order) is None:
            return None
        if clean and not order_share_can_be_clean(order):
            raise ShareNotPaid  # refunded or deleted meanwhile
        share, created = OrderShare.objects.select_for_update().get_or_create(order=order)
        if created:
            order_event(order=order, kind=OrderEvent.Kind.SHARE_PUBLISHED, actor="customer", clean=clean)
        changed = bool(share.clean) != clean
        if copy is not None and not share.clean:
            share.clean_width, share.clean_height = size
            share.clean.save(copy.name or "", copy, save=True)
        elif not clean and share.clean:
            _delete_after_commit(share.clean.name)
            OrderShare.objects.filter(pk=share.pk).update(clean="", clean_width=None, clean_height=None)
            share.clean = ""
        if changed and not created:
            order_event(order=order, kind=OrderEvent.Kind.SHARE_CHANGED, actor="customer", clean=clean)
    if created:
        logger.info("order %s: painting published on a share page", order_id, extra={"order_id": order_id})
    return share


def order_share_forget(*, order_id: int) -> list[str]:
    """Inside the caller's transaction: take the share page down; the storage names to delete once
    it commits (the clean copy, if any)."""
    names = [n for n in OrderShare.objects.filter(order_id=order_id).values_list("clean", flat=True) if n]
    OrderShare.objects.filter(order_id=order_id).delete()
    return names


def order_share_withdraw(*, order_id: int) -> bool:
    """Take the share page down; False when it was not published."""
    with transaction.atomic():
        published = OrderShare.objects.filter(order_id=order_id).exists()
        for name in order_share_forget(order_id=order_id):
            _delete_after_commit(name)
        if published:
            order_event(order=order_id, kind=OrderEvent.Kind.SHARE_WITHDRAWN, actor="customer")
    return published


def order_share_mark(*, order_id: int) -> None:
    """Inside the caller's transaction (a refund): a published page goes back to the watermarked
    preview, and the clean copy is deleted once it commits."""
    for share in OrderShare.objects.select_for_update().filter(order_id=order_id).exclude(clean=""):
        _delete_after_commit(share.clean.name)
        OrderShare.objects.filter(pk=share.pk).update(clean="", clean_width=None, clean_height=None)
        order_event(order=order_id, kind=OrderEvent.Kind.SHARE_CHANGED, actor="system", clean=False)


def share_shows_clean(share: OrderShare) -> bool:
    """Whether the page shows the clean copy: only while the order is paid."""
    return bool(share.clean) and share.order.status == Order.Status.PAID


def share_image_name(share: OrderShare, job: RenderJob) -> str:
    """The file a share page shows: the clean copy while the order is paid, else the preview."""
    return share.clean.name if share_shows_clean(share) else job.preview.name


def order_share_by_key(key: str) -> OrderShare | None:
    return OrderShare.objects.select_related("order__style").filter(key=key).first()
