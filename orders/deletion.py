"""Deleting a customer's data at their request."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.events import order_event
from orders.models import Order, OrderEvent, RenderJob
from orders.sharing import order_share_forget
from orders.signals import order_files_forget
from orders.staff import OrderActionRefused

logger = logging.getLogger(__name__)


def _delete_files(names: list[str], order_id: int) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            # Unreferenced now: the daily reconcile deletes such orphans in uploads/renders/progress/shares.
            logger.exception("could not delete %s", name, extra={"order_id": order_id})


def order_customer_data_delete(*, order_id: int, actor: str) -> list[str]:
    """At the customer's request: delete their photo, paintings, gallery artwork and email address,
    on this order and on every other order of the same photo (another style, Order.source): a
    customer who deletes their data expects their photo gone, and each of those orders holds a copy.

    The orders stay, anonymised, with their payments and their event logs (the shop's accounts); a
    render still painting is stopped first, so no worker writes new files afterwards.
    """
    now = timezone.now()
    root = Order.objects.values_list("source_id", flat=True).get(pk=order_id) or order_id
    with transaction.atomic():
        # The photo's first order is locked first, as a new order of the photo locks it
        # (orders/services.py): the family read next is complete, and two deletions queue up.
        Order.objects.select_for_update().filter(pk=root).first()
        family = list(Order.objects.select_for_update().filter(Q(pk=root) | Q(source_id=root)).order_by("pk"))
        order = next(member for member in family if member.pk == order_id)
        if order.data_deleted_at:
            raise OrderActionRefused(_("its data was already deleted"))
        names: list[str] = []
        gallery: list[str] = []
        for member in family:
            if member.data_deleted_at is None:
                extra = {} if member.pk == order_id else {"with_order": order_id}
                files, thumbnails = _forget(member, actor=actor, now=now, **extra)
                names += files
                gallery += thumbnails
        transaction.on_commit(partial(_delete_files, names, order_id))
    logger.info("order %s: customer data deleted by %s", order_id, actor, extra={"order_id": order_id})
    return names + gallery


def _forget(order: Order, *, actor: str, now: datetime, **data: Any) -> tuple[list[str], list[str]]:
    """Clear one locked order's files and email; returns its files to delete after commit and the
    gallery thumbnails (deleted by the gallery itself)."""
    names = [order.content_image.name] if order.content_image else []
    for job in order.jobs.all():
        names += [f.name for f in (job.progress_image, job.preview, job.hd) if f]
    # A worker still painting finds its job failed, and render_job_finish drops its output.
    RenderJob.objects.filter(order=order, status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING]).update(
        status=RenderJob.Status.FAILED, error="customer data deleted", lease_expires_at=None, finished_at=now
    )
    RenderJob.objects.filter(order=order).update(progress_image="", preview="", hd="", progress={}, updated_at=now)
    gallery = order_files_forget(order_id=order.pk)
    names += order_share_forget(order_id=order.pk)
    status = Order.Status.FAILED if order.status == Order.Status.RENDERING else order.status
    Order.objects.filter(pk=order.pk).update(
        email="",
        mailbox="",
        content_image="",
        gallery_consent=False,
        status=status,
        data_deleted_at=now,
        updated_at=now,
    )
    order_event(order=order.pk, kind=OrderEvent.Kind.DATA_DELETED, actor=actor, files=len(names) + len(gallery), **data)
    return names, gallery
