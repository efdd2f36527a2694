from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Min, OuterRef, Q, Value
from django.db.models.functions import TruncDate, Upper
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, RenderJob


def order_progress(order: Order) -> dict[str, Any]:
    """What the order page shows while painting; the same dict is served as JSON for live updates."""
    job = order.current_job
    data: dict[str, Any] = {"status": order.status, "job_status": job.status if job else None}
    if job is None:
        return data
    progress = dict(job.progress or {})
    if settings.REDIS_URL and job.status == RenderJob.Status.RUNNING:
        # Workers on other hosts publish every update to the shared cache, the database less often.
        progress = cache.get(f"picmatix:render-progress:{job.pk}") or progress
    data.update(
        {
            "pass": progress.get("pass"),
            "passes": progress.get("passes"),
            "iteration": progress.get("iteration"),
            "iterations": progress.get("iterations"),
            "percent": progress.get("percent", 0 if job.status != RenderJob.Status.DONE else 100),
            "eta_seconds": progress.get("eta_seconds"),
            "loss": progress.get("loss"),
            "attempt": job.attempts,
        }
    )
    kwargs = {"token": order.token}
    if job.status == RenderJob.Status.RUNNING and job.progress_image:
        # The name changes with every new image, so the browser refetches exactly when needed.
        data["image_url"] = reverse("orders:progress_image", kwargs=kwargs) + "?v=" + job.progress_image.name[-12:]
    if job.status == RenderJob.Status.DONE and job.preview:  # no preview once retention deleted it
        data["preview_url"] = reverse("orders:preview_image", kwargs=kwargs)
        data["preview_width"], data["preview_height"] = _preview_size(order, job)
        if order.content_image and not order.data_deleted_at:
            # The customer's own photo, for the before/after comparison on the order's page only.
            data["photo_url"] = reverse("orders:photo_image", kwargs=kwargs)
    return data


# The engine's PREVIEW_SIDE (rendering/engine/pipeline.py); the web tier does not import the engine.
PREVIEW_SIDE = 1024


def _preview_size(order: Order, job: RenderJob) -> tuple[int, int]:
    """The preview's pixel size, as the worker recorded it; estimated from the photo for older jobs."""
    size = (job.stats or {}).get("preview_size")
    if isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and v > 0 for v in size):
        return size[0], size[1]
    width, height = order.content_width or 4, order.content_height or 3
    scale = min(1.0, PREVIEW_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def queue_metrics(*, now: datetime | None = None, sample: int = 200) -> dict[str, Any]:
    """Numbers an autoscaler needs: how much work waits, since when, and how long a render takes."""
    now = now or timezone.now()
    queued = RenderJob.objects.filter(status=RenderJob.Status.QUEUED)
    oldest = queued.aggregate(oldest=Min("created_at"))["oldest"]
    recent = RenderJob.objects.filter(status=RenderJob.Status.DONE, started_at__isnull=False, finished_at__isnull=False)
    spans = recent.order_by("-finished_at").values_list("started_at", "finished_at")[:sample]
    durations = sorted((finished - started).total_seconds() for started, finished in spans if started and finished)
    return {
        "queued": queued.count(),
        "oldest_queued_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else 0.0,
        "running": RenderJob.objects.filter(status=RenderJob.Status.RUNNING).count(),
        "median_render_seconds": round(statistics.median(durations), 1) if durations else None,
        "p95_render_seconds": round(durations[min(len(durations) - 1, int(0.95 * len(durations)))], 1)
        if durations
        else None,
        "failed_last_24h": RenderJob.objects.filter(
            status=RenderJob.Status.FAILED, finished_at__gte=now - timedelta(hours=24)
        ).count(),
        "measured_at": now.isoformat(),
    }


def _has_preview() -> Exists:
    return Exists(RenderJob.objects.filter(order=OuterRef("pk"), status=RenderJob.Status.DONE))


def orders_per_day(*, days: int = 14, now: datetime | None = None) -> list[dict[str, Any]]:
    """Orders placed each day (in the shop's time zone), how many got a preview, how many were paid."""
    now = now or timezone.now()
    first = timezone.localdate(now) - timedelta(days=days - 1)
    counted = (
        Order.objects.filter(created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"), has_preview=_has_preview())
        .values("day")
        .annotate(
            orders=Count("id"),
            previews=Count("id", filter=Q(has_preview=True)),
            paid=Count("id", filter=Q(paid_at__isnull=False)),
        )
    )
    by_day = {row["day"]: row for row in counted}
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day, {})
        rows.append({"day": day, **{k: row.get(k, 0) for k in ("orders", "previews", "paid")}})
    return rows


def preview_conversion(*, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
    """Of the orders of the last `days` days that got a preview, how many were paid (refunds included)."""
    now = now or timezone.now()
    with_preview = Order.objects.filter(created_at__gte=now - timedelta(days=days)).filter(_has_preview())
    previews = with_preview.count()
    paid = with_preview.filter(paid_at__isnull=False).count()
    return {
        "days": days,
        "previews": previews,
        "paid": paid,
        "percent": round(100 * paid / previews, 1) if previews else None,
    }


def render_failures(*, days: int = 7, now: datetime | None = None, limit: int = 50) -> dict[str, Any]:
    """Failed render jobs of the last `days` days, newest first, and how often each reason occurred."""
    now = now or timezone.now()
    failed = RenderJob.objects.filter(status=RenderJob.Status.FAILED, finished_at__gte=now - timedelta(days=days))
    reasons: dict[str, int] = {}
    for error in failed.values_list("error", flat=True):
        # The first line names the error ("InsufficientMemory: pass 2 needs 9.1 GB..."); the rest is detail.
        lines = (error or "").strip().splitlines()
        reason = lines[0][:160] if lines else "?"
        reasons[reason] = reasons.get(reason, 0) + 1
    jobs = failed.select_related("order__style").order_by("-finished_at")[:limit]
    return {
        "days": days,
        "count": sum(reasons.values()),
        "reasons": sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        "jobs": list(jobs),
    }


def order_email_retry_at(*, email: str, per_day: int, now: datetime | None = None) -> datetime | None:
    """None while `email` may place another order; otherwise when it may (its limit of `per_day`
    orders in 24 hours is reached, and the oldest of them must leave the window first)."""
    if per_day <= 0:
        return None
    now = now or timezone.now()
    # UPPER on both sides in SQL, as the index orders_order_email_day is built: Python's and the
    # database's case rules differ outside ASCII. At most `per_day` rows are read.
    recent = list(
        Order.objects.alias(email_upper=Upper("email"))
        .filter(email_upper=Upper(Value(email)), created_at__gt=now - timedelta(days=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_day]
    )
    if len(recent) < per_day:
        return None
    return recent[-1] + timedelta(days=1)
