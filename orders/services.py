"""An order's life: creation, and the guarded transitions of its render job.

Every transition is a conditional UPDATE on the job row that names the state it expects, so a
second worker, a redelivered Celery message or a retry after a crash changes nothing (the pattern
of healthchecks' sendalerts). Each change is written to the order's append-only event log.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.images import CleanPhoto
from orders.models import Order, OrderEvent, RenderJob
from styles.models import Style
from styles.recipes import recipe_with_photo_colours

logger = logging.getLogger(__name__)


def order_event(
    *, order: Order | int, kind: str, actor: str, job: RenderJob | int | None = None, **data: Any
) -> OrderEvent:
    order_id = order if isinstance(order, int) else order.pk
    job_id = job if isinstance(job, int) or job is None else job.pk
    return OrderEvent.objects.create(order_id=order_id, job_id=job_id, kind=kind, actor=actor, data=data)


def _enqueue_render(job_id: int) -> None:
    """Send the "job N may be ready" message. Runs after commit, outside any transaction."""
    from rendering.tasks import render_job_run

    # Stamp first: if sending fails, the reaper sees an overdue job and sends again.
    RenderJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    render_job_run.delay(job_id)


def _enqueue_preview_email(order_id: int, resend: bool = False) -> None:
    from orders.tasks import order_preview_email_send

    if resend:
        order_preview_email_send.delay(order_id, True)
    else:
        order_preview_email_send.delay(order_id)  # the message every worker version understands


def _enqueue_failure_notices(order_id: int) -> None:
    from orders.tasks import order_render_failed_notify

    order_render_failed_notify.delay(order_id)


def _enqueue_staff_alert(order_id: int, reason: str) -> None:
    from orders.tasks import order_staff_alert

    order_staff_alert.delay(order_id, reason)


def _enqueue_hd_email_again(order_id: int) -> None:
    # Payments builds on orders; the task is looked up here, at run time, as the gallery's are below.
    from payments.tasks import order_hd_email_send

    order_hd_email_send.delay(order_id, True)


# The customer paid (or was paid back): what they bought is settled, and no automatic repair (the
# reaper, reconcile, a failed re-render) may move such an order to another status. A repair of a
# settled order keeps its status and tells staff when it cannot be done.
SETTLED = (Order.Status.PAID, Order.Status.REFUNDED)


def order_staff_alert(*, order_id: int, reason: str, actor: str, job: int | None = None) -> None:
    """Write why staff must look at the order into its log, and email them (PICMATIX_STAFF_EMAILS)."""
    order_event(order=order_id, job=job, kind="staff_alerted", actor=actor, reason=reason)
    transaction.on_commit(partial(_enqueue_staff_alert, order_id, reason))


def _order_render_failed(*, order_id: int, job_id: int, now: datetime, actor: str) -> None:
    """The order's render failed for good (in a transaction). An order not paid for fails and the
    customer is told; a settled order keeps its status (its render was a repair) and staff are told."""
    if Order.objects.filter(pk=order_id).exclude(status__in=SETTLED).update(status=Order.Status.FAILED, updated_at=now):
        transaction.on_commit(partial(_enqueue_failure_notices, order_id))
    else:
        order_staff_alert(order_id=order_id, job=job_id, actor=actor, reason="the re-render of a paid order failed")


def order_recipe(order: Order) -> dict[str, Any]:
    """What the order is painted with: its style's current recipe, keeping the photo's colours if asked."""
    recipe = order.style.recipe
    return recipe_with_photo_colours(recipe) if order.keep_colours else recipe


def order_create(
    *,
    email: str,
    style: Style,
    photo: CleanPhoto,
    language: str,
    country: str = "",
    currency: str = "",
    gallery_consent: bool = False,
    keep_colours: bool = False,
) -> Order:
    """Store the cleaned photo, write the order and its render job, and queue the render."""
    if keep_colours and not style.allow_original_colours:
        raise ValidationError(_("This style does not offer keeping your photo's colours."), code="colours_not_offered")
    # The upload is written before the transaction (slow I/O stays out of it) and removed again if
    # the transaction fails, so a failed order never leaves an orphan photo behind.
    name = default_storage.save(f"uploads/{secrets.token_hex(16)}.{photo.extension}", ContentFile(photo.data))
    try:
        with transaction.atomic():
            order = Order.objects.create(
                email=email,
                style=style,
                content_image=name,
                content_width=photo.width,
                content_height=photo.height,
                language=language,
                country=country,
                currency=currency,
                gallery_consent=gallery_consent,
                keep_colours=keep_colours,
            )
            job = RenderJob.objects.create(order=order, recipe=order_recipe(order))
            order_event(order=order, job=job, kind="order_created", actor="customer", style=style.slug)
            transaction.on_commit(lambda: _enqueue_render(job.pk))
    except BaseException:
        default_storage.delete(name)
        raise
    logger.info("order %s created, job %s queued", order.pk, job.pk, extra={"order_id": order.pk, "job_id": job.pk})
    return order


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
    order_event(order=job.order_id, job=job, kind="render_claimed", actor=f"worker:{worker}", attempt=job.attempts)
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
    name = default_storage.save(f"progress/{secrets.token_hex(16)}.jpg", ContentFile(jpeg))
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
    preview = default_storage.save(f"renders/{secrets.token_hex(16)}-preview.jpg", ContentFile(output.preview_jpeg))
    hd = default_storage.save(f"renders/{secrets.token_hex(16)}-hd.png", ContentFile(output.hd_png))
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
                order=job.order_id, job=job_id, kind="render_done", actor=f"worker:{worker}", stats=output.stats
            )
            transaction.on_commit(lambda: _enqueue_preview_email(job.order_id))
            # A paid order's lost painting is back: its download link works again, say so (once:
            # this transition happens once per job).
            repaired = OrderEvent.objects.filter(job_id=job_id, kind="repair_rerender").exists()
            if repaired and Order.objects.filter(pk=job.order_id, status=Order.Status.PAID).exists():
                transaction.on_commit(partial(_enqueue_hd_email_again, job.order_id))
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
            kind="render_retry" if retry else "render_failed",
            actor=f"worker:{worker}",
            error=error[:500],
            attempt=job.attempts,
        )
        if retry:
            transaction.on_commit(lambda: _enqueue_render(job_id))
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


def order_mark_preview_email_sent(*, order_id: int, resend: bool = False) -> bool:
    """Record the preview email once (a resend by staff every time); False if it had already been recorded."""
    now = timezone.now()
    if resend:
        Order.objects.filter(pk=order_id).update(preview_email_sent_at=now, updated_at=now)
        order_event(order=order_id, kind="preview_email_sent", actor="system", resend=True)
        return True
    changed = Order.objects.filter(pk=order_id, preview_email_sent_at__isnull=True).update(
        preview_email_sent_at=now, updated_at=now
    )
    if changed:
        order_event(order=order_id, kind="preview_email_sent", actor="system")
    return changed == 1


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
        order_event(order=order_id, job=job_id, kind="render_released", actor=f"worker:{worker}", reason=reason)
        transaction.on_commit(lambda: _enqueue_render(job_id))
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
                kind="lease_expired",
                actor="reaper",
                worker=job.worker,
                attempt=job.attempts,
                failed=out_of_attempts,
            )
            if out_of_attempts:
                _order_render_failed(order_id=job.order_id, job_id=job.pk, now=now, actor="reaper")
                report.expired_failed.append(job.pk)
            else:
                transaction.on_commit(partial(_enqueue_render, job.pk))
                report.expired_requeued.append(job.pk)
    overdue = RenderJob.objects.filter(status=RenderJob.Status.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - timedelta(seconds=settings.RENDER_REQUEUE_AFTER_SECONDS))
    )
    for job_id in overdue.exclude(pk__in=report.expired_requeued).values_list("pk", flat=True):
        _enqueue_render(job_id)
        report.resent.append(job_id)
    if report.expired_requeued or report.expired_failed or report.resent:
        logger.warning("reaper: %s", report.as_dict())
    return report


FILES_GONE_ON_PURPOSE = ("files_purged", "data_deleted")


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
        if not OrderEvent.objects.filter(job=job, kind="repair_skipped").exists():
            order_event(order=order, job=job, kind="repair_skipped", actor=actor, reason="refunded", missing=missing)
        return "refunded"
    if not order.content_image or not default_storage.exists(order.content_image.name):
        if not OrderEvent.objects.filter(job=job, kind="staff_alerted").exists():
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
            order=order, job=job, kind="repair_rerender", actor=actor, previous_status=order.status, missing=missing
        )
        transaction.on_commit(partial(_enqueue_render, job_id))
    logger.warning("job %s: %s missing, painted again (%s)", job_id, "+".join(missing), actor, extra={"job_id": job_id})
    return "requeued"


# --------------------------------------------------------------------------------------------------
# Staff actions on an order (backoffice/actions.py puts them in the admin). Each is guarded by the
# order's state, repeatable, and written to the event log with the staff user as actor.


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
        order_event(order=order, job=job, kind="rerender_requested", actor=actor, previous_status=order.status)
        transaction.on_commit(partial(_enqueue_render, job.pk))
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
        order_event(order=order_id, kind="preview_email_resend_requested", actor=actor)
        transaction.on_commit(partial(_enqueue_preview_email, order_id, True))


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
    from gallery.services import gallery_entry_forget  # the gallery builds on orders, not the reverse

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
        gallery = gallery_entry_forget(order_id=order_id)
        status = Order.Status.FAILED if order.status == Order.Status.RENDERING else order.status
        Order.objects.filter(pk=order_id).update(
            email="", content_image="", gallery_consent=False, status=status, data_deleted_at=now, updated_at=now
        )
        order_event(order=order_id, kind="data_deleted", actor=actor, files=len(names) + len(gallery))
        transaction.on_commit(partial(_delete_files, names, order_id))
    logger.info("order %s: customer data deleted by %s", order_id, actor, extra={"order_id": order_id})
    return names + gallery
