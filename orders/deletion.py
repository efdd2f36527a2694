"""Deleting a customer's data at their request."""

from __future__ import annotations

import logging
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.events import order_event
from orders.models import Order, OrderEvent, OrderShare, RenderJob
from orders.signals import order_files_forget
from orders.staff import OrderActionRefused

logger = logging.getLogger(__name__)


def _delete_files(names: list[str], order_id: int) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            # Unreferenced now: the daily reconcile deletes such orphans in uploads/renders/progress.
            logger.exception("could not delete %s", name, extra={"order_id": order_id})


def order_customer_data_delete(*, order_id: int, actor: str) -> list[str]:
    """At the customer's request: delete their photo, paintings, gallery artwork and email address.

    The order stays, anonymised, with its payments and its event log (the shop's accounts); a render
    still painting is stopped first, so no worker writes new files afterwards.
    """
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.data_deleted_at:
            raise OrderActionRefused(_("its data was already deleted"))
        names = [order.content_image.name] if order.content_image else []
        for job in order.jobs.all():
            names += [f.name for f in (job.progress_image, job.preview, job.hd) if f]
        # A worker still painting finds its job failed, and render_job_finish drops its output.
        RenderJob.objects.filter(order=order, status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING]).update(
            status=RenderJob.Status.FAILED, error="customer data deleted", lease_expires_at=None, finished_at=now
        )
        RenderJob.objects.filter(order=order).update(progress_image="", preview="", hd="", progress={}, updated_at=now)
        gallery = order_files_forget(order_id=order_id)
        OrderShare.objects.filter(order_id=order_id).delete()
        status = Order.Status.FAILED if order.status == Order.Status.RENDERING else order.status
        Order.objects.filter(pk=order_id).update(
            email="",
            mailbox="",
            content_image="",
            gallery_consent=False,
            status=status,
            data_deleted_at=now,
            updated_at=now,
        )
        order_event(order=order_id, kind=OrderEvent.Kind.DATA_DELETED, actor=actor, files=len(names) + len(gallery))
        transaction.on_commit(partial(_delete_files, names, order_id))
    logger.info("order %s: customer data deleted by %s", order_id, actor, extra={"order_id": order_id})
    return names + gallery
