"""Reconciliation: compare stored files with orders and jobs, report what disagrees, repair safely.

The original system had such a tool and never ran it; here beat runs it daily (`storage_reconcile`)
and `manage.py picmatix_reconcile [--fix]` runs it on demand.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from orders.events import order_event, order_staff_alert
from orders.jobs import FILES_GONE_ON_PURPOSE, SETTLED, render_job_rerender_lost_output, render_jobs_reap
from orders.models import Order, OrderEvent, OrderShare, RenderJob
from orders.signals import stored_files_claimed

logger = logging.getLogger(__name__)
FOLDERS = ("uploads", "renders", "progress", "shares")
# order_create stores the photo before its order row commits: a young unreferenced file may be an
# upload in flight, so only files older than this count as orphans.
ORPHAN_MIN_AGE = timedelta(hours=1)


@dataclass
class ReconcileReport:
    orphan_files: list[str] = field(default_factory=list)
    orders_missing_photo: list[int] = field(default_factory=list)
    jobs_missing_output: list[int] = field(default_factory=list)
    jobs_lease_expired: list[int] = field(default_factory=list)
    jobs_queued_overdue: list[int] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def problems(self) -> int:
        return sum(
            len(v)
            for v in (
                self.orphan_files,
                self.orders_missing_photo,
                self.jobs_missing_output,
                self.jobs_lease_expired,
                self.jobs_queued_overdue,
            )
        )


def _walk(folder: str) -> list[str]:
    if not default_storage.exists(folder) and not _has_entries(folder):
        return []
    directories, files = default_storage.listdir(folder)
    names = [f"{folder}/{name}" for name in files]
    for directory in directories:
        names += _walk(f"{folder}/{directory}")
    return names


def _has_entries(folder: str) -> bool:
    try:  # object stores have no folders: exists() is False, yet listing works
        directories, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return bool(directories or files)


def _referenced() -> set[str]:
    names = set(Order.objects.exclude(content_image="").values_list("content_image", flat=True))
    for preview, hd, progress in RenderJob.objects.values_list("preview", "hd", "progress_image"):
        names.update(n for n in (preview, hd, progress) if n)
    names.update(n for n in OrderShare.objects.exclude(clean="").values_list("clean", flat=True))
    return names


def reconcile(*, fix: bool, now: datetime | None = None) -> ReconcileReport:
    from django.conf import settings

    now = now or timezone.now()
    report = ReconcileReport()
    referenced = _referenced()
    folders = list(FOLDERS)
    for folder, names in stored_files_claimed():
        folders.append(folder)
        referenced |= names
    for name in (n for folder in folders for n in _walk(folder)):
        if name not in referenced and default_storage.get_modified_time(name) < now - ORPHAN_MIN_AGE:
            report.orphan_files.append(name)

    active = Q(jobs__status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING])
    for order in Order.objects.filter(active).distinct().only("id", "content_image"):
        if not order.content_image or not default_storage.exists(order.content_image.name):
            report.orders_missing_photo.append(order.pk)
    # Files deleted by retention (orders/retention.py) or at the customer's request are gone on
    # purpose, not missing.
    # Only each order's current job: an older job of a re-rendered order is history that no page shows.
    current = RenderJob.objects.filter(order=OuterRef("order")).order_by("-id").values("pk")[:1]
    done = RenderJob.objects.filter(status=RenderJob.Status.DONE, pk=Subquery(current)).exclude(
        order__events__kind__in=FILES_GONE_ON_PURPOSE
    )
    for job in done.only("id", "preview", "hd"):
        if not all(f and default_storage.exists(f.name) for f in (job.preview, job.hd)):
            report.jobs_missing_output.append(job.pk)
    running = RenderJob.objects.filter(status=RenderJob.Status.RUNNING, lease_expires_at__lt=now)
    report.jobs_lease_expired = list(running.values_list("pk", flat=True))
    overdue = now - timedelta(seconds=settings.RENDER_REQUEUE_AFTER_SECONDS)
    queued = RenderJob.objects.filter(status=RenderJob.Status.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=overdue)
    )
    report.jobs_queued_overdue = list(queued.values_list("pk", flat=True))
    if fix:
        _repair(report, now)
    logger.info("reconcile (fix=%s): %s", fix, report.as_dict())
    return report


def _repair(report: ReconcileReport, now: datetime) -> None:
    for name in report.orphan_files:
        default_storage.delete(name)
        report.fixed.append(f"deleted orphan file {name}")
    for order_id in report.orders_missing_photo:
        with transaction.atomic():
            jobs = RenderJob.objects.filter(
                order_id=order_id, status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING]
            )
            job_ids = list(jobs.values_list("pk", flat=True))
            jobs.update(status=RenderJob.Status.FAILED, error="photo missing from storage", finished_at=now)
            status = Order.objects.values_list("status", flat=True).get(pk=order_id)
            settled = status in SETTLED
            order_event(
                order=order_id, kind=OrderEvent.Kind.RECONCILE_PHOTO_MISSING, actor="reconcile", kept_status=settled
            )
            if settled:
                # A paid order's re-render cannot run: it stays paid, staff decide (re-upload, refund).
                reason = "its photo is missing, so its painting cannot be made again"
                order_staff_alert(
                    order_id=order_id, job=job_ids[0] if job_ids else None, actor="reconcile", reason=reason
                )
            else:
                Order.objects.filter(pk=order_id).update(status=Order.Status.FAILED, updated_at=now)
        report.fixed.append(f"order {order_id}: its photo is missing, {'staff told' if settled else 'order failed'}")
    for job_id in report.jobs_missing_output:
        outcome = render_job_rerender_lost_output(job_id=job_id, actor="reconcile", now=now)
        if outcome == "requeued":
            report.fixed.append(f"re-queued job {job_id}: its output files are missing")
        elif outcome == "no_photo":
            report.fixed.append(f"job {job_id}: output and photo missing, staff told")
    reaped = render_jobs_reap(now=now)
    for job_id in reaped.expired_requeued + reaped.expired_failed:
        report.fixed.append(f"recovered job {job_id} from an expired lease")
    for job_id in reaped.resent:
        report.fixed.append(f"re-sent the message of queued job {job_id}")
