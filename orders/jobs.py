"""The render job's lease state machine: claim, heartbeat, finish, fail, release, reap, repair.

Every transition is a conditional UPDATE on the job row that names the state it expects, so a
second worker, a redelivered Celery message or a retry after a crash changes nothing (the pattern
of healthchecks' sendalerts). Each change is written to the order's append-only event log.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.files import STORAGE_ERRORS, storage_save
from orders import enqueue
from orders.events import order_event, order_staff_alert
from orders.models import Order, OrderEvent, RenderJob

logger = logging.getLogger(__name__)


# The customer paid (or was paid back): what they bought is settled, and no automatic repair (the
# reaper, reconcile, a failed re-render) may move such an order to another status. A repair of a
# settled order keeps its status and tells staff when it cannot be done.
SETTLED = (Order.Status.PAID, Order.Status.REFUNDED)


def _order_render_failed(*, order_id: int, job_id: int, now: datetime, actor: str) -> None:
    """The order's render failed for good (in a transaction). An order not paid for fails and the
    customer is told; a settled order keeps its status (its render was a repair) and staff are told."""
    if Order.objects.filter(pk=order_id).exclude(status__in=SETTLED).update(status=Order.Status.FAILED, updated_at=now):
        transaction.on_commit(partial(enqueue.failure_notices_enqueue, order_id))
    else:
        order_staff_alert(order_id=order_id, job=job_id, actor=actor, reason="the re-render of a paid order failed")


def render_job_claim(*, job_id: int, worker: str) -> RenderJob | None:
    """Take a queued job (or one whose lease ran out) for this worker; None if someone else has it."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.RENDER_LEASE_SECONDS)
    claimable = Q(status=RenderJob.Status.QUEUED) | Q(status=RenderJob.Status.RUNNING, lease_expires_at__lt=now)
    changed = RenderJob.objects.filter(claimable, pk=job_id, attempts__lt=settings.RENDER_MAX_ATTEMPTS).update(
        status=RenderJob.Status.RUNNING,
        worker=worker,
        attempts=F("attempts") + 1,
        lease_expires_at=lease,
        heartbeat_at=now,
        started_at=now,
        progress={},
        updated_at=now,
    )
    if changed != 1:
        return None
    job = RenderJob.objects.select_related("order", "order__style").get(pk=job_id)
    order_event(
        order=job.order_id, job=job, kind=OrderEvent.Kind.RENDER_CLAIMED, actor=f"worker:{worker}", attempt=job.attempts
    )
    return job


def render_job_heartbeat(*, job_id: int, worker: str, progress: dict[str, Any] | None = None) -> bool:
    """Renew the lease (and publish progress). False means the job is no longer ours: stop."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "lease_expires_at": now + timedelta(seconds=settings.RENDER_LEASE_SECONDS),
        "heartbeat_at": now,
        "updated_at": now,
    }
    if progress is not None:
        fields["progress"] = progress
    return RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.RUNNING, worker=worker).update(**fields) == 1


def render_job_set_progress_image(*, job_id: int, worker: str, jpeg: bytes) -> None:
    """Replace the small intermediate image the order page shows while painting."""
    job = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.RUNNING, worker=worker).first()
    if job is None:
        return
    name = storage_save(f"progress/{secrets.token_hex(16)}.jpg", jpeg)
    old = job.progress_image.name
    changed = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.RUNNING, worker=worker).update(
        progress_image=name
    )
    for stale in ([old] if changed and old else []) + ([] if changed else [name]):
        default_storage.delete(stale)


@dataclass(frozen=True)
class RenderOutput:
    preview_jpeg: bytes
    hd_png: bytes
    stats: dict[str, Any]


def render_job_finish(*, job_id: int, worker: str, output: RenderOutput) -> bool:
    """running -> done. Only this transition queues the preview email. False if the job was not ours."""
    # Two independent keys: the preview's name is seen by anyone with the order page (and in S3
    # links), so it must tell nothing about where the unpaid HD file is.
    preview = storage_save(f"renders/{secrets.token_hex(16)}-preview.jpg", output.preview_jpeg)
    try:
        hd = storage_save(f"renders/{secrets.token_hex(16)}-hd.png", output.hd_png)
    except STORAGE_ERRORS:
        with contextlib.suppress(*STORAGE_ERRORS):
            default_storage.delete(preview)
        raise
    now = timezone.now()
    with transaction.atomic():
        changed = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.RUNNING, worker=worker).update(
            status=RenderJob.Status.DONE,
            preview=preview,
            hd=hd,
            stats=output.stats,
            finished_at=now,
            lease_expires_at=None,
            error="",
            updated_at=now,
        )
        if changed == 1:
            job = RenderJob.objects.get(pk=job_id)
            # A re-render of a paid order must not send it back to "preview ready".
            Order.objects.filter(pk=job.order_id, status__in=[Order.Status.RENDERING, Order.Status.FAILED]).update(
                status=Order.Status.PREVIEW_READY, updated_at=now
            )
            order_event(
                order=job.order_id,
                job=job_id,
                kind=OrderEvent.Kind.RENDER_DONE,
                actor=f"worker:{worker}",
                stats=output.stats,
            )
            transaction.on_commit(partial(enqueue.preview_email_enqueue, job.order_id))
            # A paid order's lost painting is back: its download link works again, say so (once:
            # this transition happens once per job).
            repaired = OrderEvent.objects.filter(job_id=job_id, kind=OrderEvent.Kind.REPAIR_RERENDER).exists()
            if repaired and Order.objects.filter(pk=job.order_id, status=Order.Status.PAID).exists():
                transaction.on_commit(partial(enqueue.hd_email_again_enqueue, job.order_id))
    if changed != 1:
        # Another worker owns the job now (our lease ran out): our files are not the order's.
        default_storage.delete(preview)
        default_storage.delete(hd)
        logger.warning(
            "job %s: finished by %s but no longer owned by it; output dropped", job_id, worker, extra={"job_id": job_id}
        )
        return False
    logger.info("job %s done", job_id, extra={"order_id": job.order_id, "job_id": job_id})
    return True


def render_job_fail(*, job_id: int, worker: str, error: str, retryable: bool) -> RenderJob | None:
    """running -> queued (retry) or failed. Returns the job, or None if it was not ours."""
    now = timezone.now()
    job = RenderJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    retry = retryable and job.attempts < settings.RENDER_MAX_ATTEMPTS
    new_status = RenderJob.Status.QUEUED if retry else RenderJob.Status.FAILED
    with transaction.atomic():
        changed = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.RUNNING, worker=worker).update(
            status=new_status,
            error=error[:4000],
            worker="" if retry else worker,
            lease_expires_at=None,
            finished_at=None if retry else now,
            updated_at=now,
        )
        if changed != 1:
            return None
        order_event(
            order=job.order_id,
            job=job_id,
            kind=OrderEvent.Kind.RENDER_RETRY if retry else "render_failed",
            actor=f"worker:{worker}",
            error=error[:500],
            attempt=job.attempts,
        )
        if retry:
            transaction.on_commit(partial(enqueue.render_job_enqueue, job_id))
        else:
            _order_render_failed(order_id=job.order_id, job_id=job_id, now=now, actor=f"worker:{worker}")
    logger.log(
        logging.WARNING if retry else logging.ERROR,
        "job %s failed (retry=%s): %s",
        job_id,
        retry,
        error,
        extra={"order_id": job.order_id, "job_id": job_id},
    )
    job.refresh_from_db()
    return job


# How many times a job may go back to the queue for a storage failure before they count as attempts.
STORAGE_RELEASES_FREE = 3


def render_job_storage_releases(*, job_id: int) -> int:
    """How often the job went back to the queue because its painting could not be stored."""
    return OrderEvent.objects.filter(
        job_id=job_id, kind=OrderEvent.Kind.RENDER_RELEASED, data__reason__startswith="storage failed"
    ).count()


def render_job_release(*, job_id: int, worker: str, reason: str) -> bool:
    """running -> queued by its own worker (shutting down): another worker takes it at once.

    A release is not a failed attempt, so the attempt it used is given back.
    """
    with transaction.atomic():
        changed = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.RUNNING, worker=worker).update(
            status=RenderJob.Status.QUEUED,
            worker="",
            attempts=F("attempts") - 1,
            lease_expires_at=None,
            updated_at=timezone.now(),
        )
        if changed != 1:
            return False
        order_id = RenderJob.objects.values_list("order_id", flat=True).get(pk=job_id)
        order_event(
            order=order_id, job=job_id, kind=OrderEvent.Kind.RENDER_RELEASED, actor=f"worker:{worker}", reason=reason
        )
        transaction.on_commit(partial(enqueue.render_job_enqueue, job_id))
    logger.warning("job %s released by %s: %s", job_id, worker, reason, extra={"order_id": order_id, "job_id": job_id})
    return True


@dataclass
class ReapReport:
    expired_requeued: list[int]
    expired_failed: list[int]
    resent: list[int]

    def as_dict(self) -> dict[str, list[int]]:
        return {"expired_requeued": self.expired_requeued, "expired_failed": self.expired_failed, "resent": self.resent}


def render_jobs_reap(*, now: datetime | None = None) -> ReapReport:
    """Recover jobs whose worker died (lease expired) and queued jobs whose message got lost."""
    now = now or timezone.now()
    report = ReapReport([], [], [])
    expired = RenderJob.objects.filter(status=RenderJob.Status.RUNNING, lease_expires_at__lt=now)
    for job in expired.only("id", "order_id", "attempts", "worker", "lease_expires_at"):
        out_of_attempts = job.attempts >= settings.RENDER_MAX_ATTEMPTS
        with transaction.atomic():
            # Same lease in the condition: a worker that renewed it meanwhile keeps its job.
            changed = RenderJob.objects.filter(
                pk=job.pk, status=RenderJob.Status.RUNNING, lease_expires_at=job.lease_expires_at
            ).update(
                status=RenderJob.Status.FAILED if out_of_attempts else RenderJob.Status.QUEUED,
                worker=job.worker if out_of_attempts else "",
                lease_expires_at=None,
                error=f"lease expired on {job.worker} (attempt {job.attempts})",
                finished_at=now if out_of_attempts else None,
                updated_at=now,
            )
            if changed != 1:
                continue
            order_event(
                order=job.order_id,
                job=job.pk,
                kind=OrderEvent.Kind.LEASE_EXPIRED,
                actor="reaper",
                worker=job.worker,
                attempt=job.attempts,
                failed=out_of_attempts,
            )
            if out_of_attempts:
                _order_render_failed(order_id=job.order_id, job_id=job.pk, now=now, actor="reaper")
                report.expired_failed.append(job.pk)
            else:
                transaction.on_commit(partial(enqueue.render_job_enqueue, job.pk))
                report.expired_requeued.append(job.pk)
    overdue = RenderJob.objects.filter(status=RenderJob.Status.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - timedelta(seconds=settings.RENDER_REQUEUE_AFTER_SECONDS))
    )
    for job_id in overdue.exclude(pk__in=report.expired_requeued).values_list("pk", flat=True):
        enqueue.render_job_enqueue(job_id)
        report.resent.append(job_id)
    if report.expired_requeued or report.expired_failed or report.resent:
        logger.warning("reaper: %s", report.as_dict())
    return report


FILES_GONE_ON_PURPOSE = (OrderEvent.Kind.FILES_PURGED, OrderEvent.Kind.DATA_DELETED)


def render_job_rerender_lost_output(*, job_id: int, actor: str, now: datetime | None = None) -> str:
    """A finished job whose preview or HD file is missing from storage: paint it again from the photo.

    Returns "requeued"; "refunded" (a refunded order is not painted again, nobody can download it);
    "no_photo" (nothing to paint from: staff are told, once); or "" when there is nothing to do (not
    a finished job, or its files were deleted on purpose). A paid order stays paid throughout: its
    download link says the painting is being re-made, and the HD email goes again when it is back.
    """
    now = now or timezone.now()
    job = RenderJob.objects.select_related("order").filter(pk=job_id, status=RenderJob.Status.DONE).first()
    if job is None or job.order.events.filter(kind__in=FILES_GONE_ON_PURPOSE).exists():
        return ""
    order = job.order
    missing = [f for f in ("preview", "hd") if not getattr(job, f) or not default_storage.exists(getattr(job, f).name)]
    if order.status == Order.Status.REFUNDED:
        if not OrderEvent.objects.filter(job=job, kind=OrderEvent.Kind.REPAIR_SKIPPED).exists():
            order_event(
                order=order,
                job=job,
                kind=OrderEvent.Kind.REPAIR_SKIPPED,
                actor=actor,
                reason="refunded",
                missing=missing,
            )
        return "refunded"
    if not order.content_image or not default_storage.exists(order.content_image.name):
        if not OrderEvent.objects.filter(job=job, kind=OrderEvent.Kind.STAFF_ALERTED).exists():
            with transaction.atomic():
                reason = "its painting's files and its photo are missing: it cannot be painted again"
                order_staff_alert(order_id=order.pk, job=job.pk, actor=actor, reason=reason)
        return "no_photo"
    with transaction.atomic():
        changed = RenderJob.objects.filter(pk=job_id, status=RenderJob.Status.DONE).update(
            status=RenderJob.Status.QUEUED,
            attempts=0,
            preview="",
            hd="",
            finished_at=None,
            enqueued_at=now,  # its message is sent on commit; the reaper re-sends it if that fails
            updated_at=now,
        )
        if not changed:
            return ""
        # Not paid for: the order page shows the painting being made again. Paid: it stays paid.
        Order.objects.filter(pk=order.pk).exclude(status__in=SETTLED).update(
            status=Order.Status.RENDERING, updated_at=now
        )
        order_event(
            order=order,
            job=job,
            kind=OrderEvent.Kind.REPAIR_RERENDER,
            actor=actor,
            previous_status=order.status,
            missing=missing,
        )
        transaction.on_commit(partial(enqueue.render_job_enqueue, job_id))
    logger.warning("job %s: %s missing, painted again (%s)", job_id, "+".join(missing), actor, extra={"job_id": job_id})
    return "requeued"
