from __future__ import annotations

import functools
import json
import statistics
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.mailbox import mailbox_of
from orders.models import Order, OrderEvent, RenderJob
from orders.waiting import order_queue_wait
from styles.models import StyleTrial
from styles.recipes import recipe_preset_dict, recipe_preset_names, recipe_validate

# What the render workers have to do, as one number: render jobs and staff test renders (they share
# the render queue) that wait or are being painted. A running one counts, because its message was
# acknowledged when it started: a scaler reading the broker's list would stop a busy worker.
# KEDA's PostgreSQL trigger runs this same text (deploy/k8s renders it into the ScaledObject), so
# it is plain SQL on the tables and columns of orders.RenderJob and styles.StyleTrial.
RENDER_DEMAND_SQL = (
    "SELECT"
    " (SELECT COUNT(*) FROM orders_renderjob WHERE status IN ('queued', 'running'))"
    " + (SELECT COUNT(*) FROM styles_styletrial WHERE status IN ('queued', 'running'))"
    " AS render_demand"
)


def render_demand() -> int:
    """Render jobs and test renders queued or running, counted by RENDER_DEMAND_SQL itself."""
    with connection.cursor() as cursor:
        cursor.execute(RENDER_DEMAND_SQL)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def order_painted_job(order: Order) -> RenderJob | None:
    """The newest finished painting with its HD file: the one sold, downloaded and shared (a re-render
    under way leaves the last good one in place)."""
    return order.jobs.filter(status=RenderJob.Status.DONE).exclude(hd="").first()


def order_sellable() -> Q:
    """Orders whose painting can be sold now: preview ready, its HD file stored, not being painted
    again, the customer's data not deleted. A payment is taken (and an order marked paid) only then."""
    painted = RenderJob.objects.filter(order=OuterRef("pk"), status=RenderJob.Status.DONE).exclude(hd="")
    remaking = RenderJob.objects.filter(
        order=OuterRef("pk"), status__in=[RenderJob.Status.QUEUED, RenderJob.Status.RUNNING]
    )
    return Q(status=Order.Status.PREVIEW_READY, data_deleted_at__isnull=True) & Exists(painted) & ~Exists(remaking)


def order_sale_refusal(order: Order) -> str:
    """Why the order's painting cannot be bought now, in the active language; "" when it can."""
    if Order.objects.filter(order_sellable(), pk=order.pk).exists():
        return ""
    if order.status == Order.Status.EXPIRED:
        return str(_("This painting was not bought in time, and it is no longer stored. It cannot be bought."))
    if order.current_job is not None and order.current_job.status in (
        RenderJob.Status.QUEUED,
        RenderJob.Status.RUNNING,
    ):
        return str(_("Your painting is being painted again. You can buy it once its new preview is ready."))
    return str(_("This painting is no longer stored, so it cannot be bought."))


def order_progress(order: Order) -> dict[str, Any]:
    """What the order page shows while painting; the same dict is served as JSON for live updates."""
    job = order.current_job
    data: dict[str, Any] = {"status": order.status, "job_status": job.status if job else None}
    if order.status == Order.Status.PREVIEW_READY:
        data["for_sale"] = not order_sale_refusal(order)
    if job is None:
        return data
    wait = order_queue_wait(order)
    if wait is not None:
        data["queue"] = wait.as_dict()
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
        data["preview_width"], data["preview_height"] = preview_size(order, job)
        if order.content_image and not order.data_deleted_at:
            # The customer's own photo, for the before/after comparison on the order's page only.
            data["photo_url"] = reverse("orders:photo_image", kwargs=kwargs)
    return data


# The engine's PREVIEW_SIDE (painter/pipeline.py); the web tier does not import the engine.
PREVIEW_SIDE = 1024


def preview_size(order: Order, job: RenderJob) -> tuple[int, int]:
    """The preview's pixel size, as the worker recorded it; estimated from the photo for older jobs."""
    size = (job.stats or {}).get("preview_size")
    if isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and v > 0 for v in size):
        return size[0], size[1]
    width, height = order.content_width or 4, order.content_height or 3
    scale = min(1.0, PREVIEW_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _queue_counts(model: type[RenderJob] | type[StyleTrial], *, now: datetime) -> dict[str, int]:
    """Queued and running rows of the render job or test render table, and its failures of the last
    24 hours, in one query."""
    counts: dict[str, int] = model.objects.aggregate(
        queued=Count("id", filter=Q(status=model.Status.QUEUED)),
        running=Count("id", filter=Q(status=model.Status.RUNNING)),
        failed_last_24h=Count("id", filter=Q(status=model.Status.FAILED, finished_at__gte=now - timedelta(hours=24))),
    )
    return counts


def _oldest_queued(now: datetime) -> float:
    """Seconds the longest-waiting render job or test render has waited since it was placed."""
    oldest = [
        model.objects.filter(status=model.Status.QUEUED).aggregate(oldest=Min("created_at"))["oldest"]
        for model in (RenderJob, StyleTrial)
    ]
    placed = [moment for moment in oldest if moment is not None]
    return round((now - min(placed)).total_seconds(), 1) if placed else 0.0


def queue_metrics(*, now: datetime | None = None, sample: int = 200) -> dict[str, Any]:
    """Numbers an autoscaler needs: how much work waits, since when, and how long a render takes.

    `queued` and `running` count customers' render jobs and staff's test renders, which share the
    render queue and its workers; `demand` is their sum, the number RENDER_DEMAND_SQL gives KEDA.
    Render times and failures are customers' jobs only (a test render paints small samples).
    """
    now = now or timezone.now()
    jobs, trials = _queue_counts(RenderJob, now=now), _queue_counts(StyleTrial, now=now)
    recent = RenderJob.objects.filter(status=RenderJob.Status.DONE, started_at__isnull=False, finished_at__isnull=False)
    spans = recent.order_by("-finished_at").values_list("started_at", "finished_at")[:sample]
    durations = sorted((finished - started).total_seconds() for started, finished in spans if started and finished)
    queued, running = jobs["queued"] + trials["queued"], jobs["running"] + trials["running"]
    return {
        "queued": queued,
        "running": running,
        "demand": queued + running,
        "render_jobs": jobs,
        "test_renders": trials,
        "oldest_queued_age_seconds": _oldest_queued(now),
        "median_render_seconds": round(statistics.median(durations), 1) if durations else None,
        "p95_render_seconds": _quantile(durations, 0.95),
        "failed_last_24h": jobs["failed_last_24h"],
        "measured_at": now.isoformat(),
    }


def _quantile(ordered: list[float], q: float) -> float | None:
    """The sample at quantile `q` of an ascending list (nearest rank, as the dashboard has always shown)."""
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def render_seconds_recent(*, sample: int = 200) -> dict[tuple[str, str], list[float]]:
    """How long the last `sample` finished render jobs took (claim to stored painting, in seconds),
    grouped by recipe (a preset's name, or "custom") and by the device the worker painted on."""
    rows = (
        RenderJob.objects.filter(status=RenderJob.Status.DONE, started_at__isnull=False, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("started_at", "finished_at", "recipe", "stats")[:sample]
    )
    names: dict[str, str] = {}
    grouped: dict[tuple[str, str], list[float]] = {}
    for started, finished, recipe, stats in rows:
        if started is None or finished is None:  # excluded by the filter; narrows the types
            continue
        key = json.dumps(recipe, sort_keys=True)
        if key not in names:
            names[key] = _recipe_name(recipe)
        device = str((stats or {}).get("device") or "unknown") if isinstance(stats, dict) else "unknown"
        grouped.setdefault((names[key], device), []).append((finished - started).total_seconds())
    return {group: sorted(seconds) for group, seconds in grouped.items()}


@functools.cache
def _presets_by_recipe() -> dict[str, str]:
    return {_recipe_key(recipe_preset_dict(name)): name for name in recipe_preset_names()}


def _recipe_key(data: dict[str, Any]) -> str:
    """A recipe in canonical form, its colours left out (its passes' "keep the photo's colours" switch
    and the painting's colours it starts from): an order that keeps its colours is painted with its
    style's preset all the same."""
    passes = [dict(spec, original_colors=False) for spec in data.get("passes", [])]
    return json.dumps({**data, "passes": passes, "painting_colors": None}, sort_keys=True)


def _recipe_name(recipe: Any) -> str:
    try:
        canonical = recipe_validate(recipe)
    except ValidationError:
        return "custom"
    return _presets_by_recipe().get(_recipe_key(canonical), "custom")


def emails_due() -> dict[str, dict[str, int]]:
    """Preview and HD emails owed to customers and not sent, from what the order row records.

    Due: a preview email for an order with a painted preview and no `preview_email_sent_at`; an HD
    email for a paid (not refunded) order with no `hd_email_sent_at`. An address the mail server
    refused for good is counted apart (`refused`): no retry will send it, staff must act. Orders
    whose customer's data was deleted owe nothing.
    """
    live = Order.objects.exclude(email="").filter(data_deleted_at__isnull=True)
    owed = {
        "preview": live.filter(_has_preview(), preview_email_sent_at__isnull=True),
        "hd": live.filter(status=Order.Status.PAID, hd_email_sent_at__isnull=True),
    }
    counts: dict[str, dict[str, int]] = {}
    for email, orders in owed.items():
        refused = Exists(
            OrderEvent.objects.filter(order=OuterRef("pk"), kind=OrderEvent.Kind.EMAIL_REFUSED, data__email=email)
        )
        counts[email] = {"due": orders.exclude(refused).count(), "refused": orders.filter(refused).count()}
    return counts


def render_worker_heartbeats() -> dict[str, datetime]:
    """The last heartbeat of each worker now painting a render job or a test render, by worker name."""
    beats: dict[str, datetime] = {}
    for model in (RenderJob, StyleTrial):
        rows = (
            model.objects.filter(status=model.Status.RUNNING, heartbeat_at__isnull=False)
            .values("worker")
            .annotate(last=Max("heartbeat_at"))
        )
        for row in rows:
            worker, last = row["worker"] or "?", row["last"]
            beats[worker] = max(last, beats.get(worker, last))
    return beats


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
    """None while `email`'s mailbox may place another order; otherwise when it may (its limit of
    `per_day` orders in 24 hours is reached, and the oldest of them must leave the window first).
    Spellings of one mailbox count together (orders/mailbox.py)."""
    if per_day <= 0:
        return None
    now = now or timezone.now()
    # At most `per_day` rows are read, from the index orders_order_mailbox_day.
    recent = list(
        Order.objects.filter(mailbox=mailbox_of(email), created_at__gt=now - timedelta(days=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_day]
    )
    if len(recent) < per_day:
        return None
    return recent[-1] + timedelta(days=1)


def order_by_token_or_404(token: str) -> Order:
    """The order whose private token this is, with its style (every page of an order names it); the
    token is the only key to a customer's pages, so any other is a 404."""
    return get_object_or_404(Order.objects.select_related("style"), token=token)


def photo_orders(order: Order) -> list[Order]:
    """Every order of the order's photo, oldest first: its first order and those made from it in
    another style (Order.source)."""
    root = order.source_id or order.pk
    return list(Order.objects.filter(Q(pk=root) | Q(source_id=root)).select_related("style").order_by("pk"))
