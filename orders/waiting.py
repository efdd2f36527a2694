"""An honest wait: where a queued order stands in the render queue and about how long it will take.

Only counts and seconds leave this module: the customer learns how many paintings are ahead and how
many painters are at work, never whose they are.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order, RenderJob
from styles.models import StyleTrial

# How long a painter takes to start when none is running (the render workers scale to zero): a GPU
# node's start and the worker's warm-up, the figures docs/operations.md ("Scaling on Kubernetes")
# and bench/keda_sim.py use (3 minutes and 1 minute).
PAINTER_START_SECONDS = 4 * 60
# Past this estimate the page tells the customer they may leave, because the preview email will
# bring them back: few people keep watching a page for longer than a coffee break.
LONG_WAIT_SECONDS = 10 * 60
# Finished render jobs the estimate reads: recent enough to follow a change of recipe or hardware.
RENDER_SAMPLE = 50


@dataclass(frozen=True)
class QueueWait:
    position: int  # 1: the next to be painted
    painters: int  # render workers painting now (their heartbeat fresh)
    starting: bool  # no painter at work: one is being started
    seconds: int | None  # until the preview is ready; None without any render history

    @property
    def email_when_ready(self) -> bool:
        return self.seconds is not None and self.seconds > LONG_WAIT_SECONDS

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "wait_seconds": self.seconds,
            "starting": self.starting,
            "email_when_ready": self.email_when_ready,
            "message": queue_wait_message(self),
        }


def _ahead(job: RenderJob) -> int:
    """Queued render jobs and test renders (they share the render queue) placed before this job."""
    before = Q(created_at__lt=job.created_at)
    earlier = before | Q(created_at=job.created_at, pk__lt=job.pk)
    jobs = RenderJob.objects.filter(earlier, status=RenderJob.Status.QUEUED)
    trials = StyleTrial.objects.filter(before, status=StyleTrial.Status.QUEUED)
    return jobs.count() + trials.count()


def _painters() -> tuple[int, int]:
    """(render workers with a fresh heartbeat, jobs and test renders they are painting). A worker
    silent for longer than a lease is dead or stuck: the reaper will hand its job back."""
    fresh = timezone.now() - timedelta(seconds=settings.RENDER_LEASE_SECONDS)
    workers: set[str] = set()
    running = 0
    for model in (RenderJob, StyleTrial):
        rows = model.objects.filter(status=model.Status.RUNNING, heartbeat_at__gte=fresh)
        for worker in rows.values_list("worker", flat=True):
            workers.add(worker)
            running += 1
    return len(workers), running


def _typical_render_seconds() -> float | None:
    """The median time of the last RENDER_SAMPLE customers' renders, claim to stored painting."""
    spans = (
        RenderJob.objects.filter(status=RenderJob.Status.DONE, started_at__isnull=False, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("started_at", "finished_at")[:RENDER_SAMPLE]
    )
    seconds = [(finished - started).total_seconds() for started, finished in spans if started and finished]
    return statistics.median(seconds) if seconds else None


def order_queue_wait(order: Order) -> QueueWait | None:
    """The order's place in the render queue and an estimate of its wait; None unless it is queued."""
    job = order.current_job
    if job is None or job.status != RenderJob.Status.QUEUED:
        return None
    ahead = _ahead(job)
    painters, running = _painters()
    typical = _typical_render_seconds()
    seconds = None
    if typical is not None and painters:
        # The painters finish what they hold (half done on average), share the jobs ahead, then ours.
        seconds = (running * typical / 2 + ahead * typical) / painters + typical
    elif typical is not None:
        # KEDA wakes one worker for a small backlog (docs/operations.md): it paints them in turn.
        seconds = PAINTER_START_SECONDS + (ahead + 1) * typical
    return QueueWait(
        position=ahead + 1,
        painters=painters,
        starting=not painters,
        seconds=None if seconds is None else round(seconds),
    )


def _duration(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 120:
        return _("about %(minutes)s min") % {"minutes": minutes}
    return _("about %(hours)s h") % {"hours": round(minutes / 60)}


def queue_wait_message(wait: QueueWait) -> str:
    """What the order page says about the wait, in the active language."""
    parts = [
        _("Your photo is next in the queue.")
        if wait.position == 1
        else _("Your photo is number %(position)s in the queue.") % {"position": wait.position}
    ]
    if wait.starting:
        parts.append(_("No painter is at work right now, so we are starting one: this takes a few minutes."))
    if wait.seconds is not None:
        parts.append(_("Your preview should be ready in %(duration)s.") % {"duration": _duration(wait.seconds)})
    if wait.email_when_ready:
        parts.append(_("You do not need to keep this page open: we will email you as soon as your preview is ready."))
    return " ".join(parts)
