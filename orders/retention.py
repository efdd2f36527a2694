"""Retention: customers' photos and paintings are kept only as long as the shop promises.

- Unpaid orders: the photo, the progress image, the preview and the HD file are deleted
  RETENTION_UNPAID_DAYS after the order (the upload page says so).
- Paid orders: the same files, the HD file included, RETENTION_PAID_DAYS after payment.
- Direct uploads never turned into an order (`incoming/`) after a day.
- A gallery entry's thumbnails (a small copy of the photo and of the painting) go with the order's
  files: the upload page's promise covers every copy of the photo.

The order rows and their event logs stay (they are the shop's accounts); only files go, and each
purge is written to the order's log. Beat runs this every few hours (`retention_purge_run`);
`manage.py retention_purge --dry-run` shows what it would delete.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from orders.direct_upload import INCOMING_PREFIX
from orders.events import order_event
from orders.models import Order, OrderEvent, RenderJob
from orders.sharing import order_share_forget
from orders.signals import order_files_forget

logger = logging.getLogger(__name__)
INCOMING_MAX_AGE = timedelta(days=1)
JOB_FILE_FIELDS = ("progress_image", "preview", "hd")


def paid_orders() -> Q:
    """What "paid" means for retention: the one place to change if payments records it otherwise.

    `paid_at` is set by payments when Stripe confirms the money and stays set after a refund, so a
    refunded order keeps its files for the paid period too (staff may need them for a dispute).
    """
    return Q(paid_at__isnull=False)


def expired_orders(now: datetime) -> Q:
    unpaid_until = now - timedelta(days=settings.RETENTION_UNPAID_DAYS)
    paid_until = now - timedelta(days=settings.RETENTION_PAID_DAYS)
    return (~paid_orders() & Q(created_at__lt=unpaid_until)) | (paid_orders() & Q(paid_at__lt=paid_until))


def _has_files() -> Q:
    jobs = RenderJob.objects.filter(order=OuterRef("pk")).filter(~Q(progress_image="") | ~Q(preview="") | ~Q(hd=""))
    return ~Q(content_image="") | Q(Exists(jobs)) | Q(gallery_entry__isnull=False)


def _busy() -> Exists:
    # A job still queued or painting would write new files after the purge: leave it to finish.
    return Exists(
        RenderJob.objects.filter(order=OuterRef("pk"), status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING])
    )


@dataclass
class PurgeReport:
    dry_run: bool
    orders: list[int] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    incoming: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _order_files(order: Order) -> list[str]:
    names = [order.content_image.name] if order.content_image else []
    for job in order.jobs.all():
        names += [getattr(job, name).name for name in JOB_FILE_FIELDS if getattr(job, name)]
    return names


def _gallery_files(order: Order) -> list[str]:
    entry = getattr(order, "gallery_entry", None)  # the reverse one-to-one raises AttributeError when absent
    return [entry.after.name] if entry is not None and entry.after else []


def _forget_files(*, order_id: int, now: datetime) -> tuple[list[str], list[str]] | None:
    """Clear the order's file references if it is still due; returns the names for the caller to
    delete and the gallery thumbnails deleted on commit, or None."""
    with transaction.atomic():
        # The row lock orders us with a payment arriving right now: whichever commits first wins,
        # and a payment that wins makes the order no longer due.
        order = Order.objects.select_for_update().filter(expired_orders(now), pk=order_id).exclude(_busy()).first()
        if order is None:
            return None
        names = _order_files(order)
        # The gallery (a receiver of the signal) deletes its thumbnails itself once this commits.
        thumbnails = order_files_forget(order_id=order_id)
        # A share page shows the preview (or a copy of the painting): it goes with it.
        names += order_share_forget(order_id=order_id)
        if not names and not thumbnails:
            return None
        paid = order.paid_at is not None
        # An unpaid preview can no longer be bought: say so on its page, and refuse payments for it.
        expired = {"status": Order.Status.EXPIRED} if order.status == Order.Status.PREVIEW_READY else {}
        Order.objects.filter(pk=order_id).update(content_image="", updated_at=now, **expired)
        RenderJob.objects.filter(order_id=order_id).update(**dict.fromkeys(JOB_FILE_FIELDS, ""), updated_at=now)
        order_event(
            order=order_id,
            kind=OrderEvent.Kind.FILES_PURGED,
            actor="retention",
            reason="paid" if paid else "unpaid",
            days=settings.RETENTION_PAID_DAYS if paid else settings.RETENTION_UNPAID_DAYS,
            files=names + thumbnails,
        )
    return names, thumbnails


def _sweep_incoming(report: PurgeReport, now: datetime) -> None:
    folder = INCOMING_PREFIX.rstrip("/")
    try:
        _, names = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in (f"{folder}/{n}" for n in names):
        if default_storage.get_modified_time(name) < now - INCOMING_MAX_AGE:
            report.incoming.append(name)
            if not report.dry_run:
                default_storage.delete(name)


def retention_purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete the files of every order past its retention period; safe to run at any time, twice."""
    now = now or timezone.now()
    report = PurgeReport(dry_run=dry_run)
    due = Order.objects.filter(expired_orders(now)).filter(_has_files()).exclude(_busy()).order_by("pk")
    for order in due.select_related("gallery_entry").prefetch_related("jobs"):
        if dry_run:
            report.orders.append(order.pk)
            report.files += _order_files(order) + _gallery_files(order)
            continue
        forgotten = _forget_files(order_id=order.pk, now=now)
        if forgotten is None:
            continue
        names, thumbnails = forgotten
        report.orders.append(order.pk)
        report.files += thumbnails
        # After the commit, outside the transaction: a file that fails to go is unreferenced now,
        # and the daily reconcile deletes such orphans.
        for name in names:
            try:
                default_storage.delete(name)
            except Exception as exc:
                logger.exception("retention: could not delete %s", name, extra={"order_id": order.pk})
                report.errors.append(f"{name}: {type(exc).__name__}")
            else:
                report.files.append(name)
        logger.info("retention: deleted %d files of order %s", len(names), order.pk, extra={"order_id": order.pk})
    _sweep_incoming(report, now)
    logger.info(
        "retention%s: %d orders, %d files, %d stale direct uploads",
        " (dry run)" if dry_run else "",
        len(report.orders),
        len(report.files),
        len(report.incoming),
    )
    return report
