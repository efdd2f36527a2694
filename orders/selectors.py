from __future__ import annotations

from typing import Any

from django.urls import reverse

from orders.models import Order, RenderJob


def order_progress(order: Order) -> dict[str, Any]:
    """What the order page shows while painting; the same dict is served as JSON for live updates."""
    job = order.current_job
    data: dict[str, Any] = {"status": order.status, "job_status": job.status if job else None}
    if job is None:
        return data
    progress = dict(job.progress or {})
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
    if job.status == RenderJob.Status.DONE:
        data["preview_url"] = reverse("orders:preview_image", kwargs=kwargs)
    return data
