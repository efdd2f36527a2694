"""What scaling render workers up and down relies on, shown with real workers on PostgreSQL and Redis:
a painting worker reserves no second job, so the demand query still counts it as waiting and a
worker started for it takes it; and a worker told to stop hands its job back without using up an
attempt, for another worker to finish.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from orders.models import OrderEvent, RenderJob
from orders.selectors import queue_metrics, render_demand
from rendering.services import progress_cache_key
from rendering.tests.processes import all_done, make_style, place_orders, recipe, start_worker, statuses, stop, wait_for

pytest.importorskip("torch")
pytestmark = [pytest.mark.pg, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Long enough that the first job is still painting while the test looks; each test stops it early.
LONG = {"size": 64, "iterations": 2000}
SHORT = {"size": 24, "iterations": 2}


def painting(job: RenderJob) -> Callable[[], bool]:
    """True once the worker has painted a few steps (its progress reaches Redis at every step)."""
    return lambda: (cache.get(progress_cache_key(job.pk)) or {}).get("iteration", 0) >= 2


def render_messages() -> int:
    return int(redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("render"))


def test_a_painting_worker_leaves_the_next_job_queued_for_a_worker_started_later(
    env: Callable[..., dict[str, str]],
) -> None:
    style = make_style(recipe(**LONG))
    stopping = {"PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS": "0"}  # hand the long job back when stopped
    busy = start_worker(env(**stopping), name="busy")
    (first,) = place_orders(style, 1)
    first_job = first.jobs.get()
    outputs: list[str] = []
    try:
        assert wait_for(painting(first_job), timeout=120, interval=0.1), "the first render never started"
        (second,) = place_orders(style, 1)
        second_job = second.jobs.get()
        RenderJob.objects.filter(pk=second_job.pk).update(recipe=recipe(**SHORT))
        time.sleep(3)  # time enough for the busy worker to reserve the message, if it ever would
        waiting_messages = render_messages()
        demand, queue = render_demand(), queue_metrics()
        second_status = RenderJob.objects.get(pk=second_job.pk).status
        helper = start_worker(env(), name="helper")
        try:
            done = wait_for(lambda: all_done([second]), timeout=120)
            first_status = RenderJob.objects.get(pk=first_job.pk).status
        finally:
            outputs.append(stop(helper))
    finally:
        outputs.append(stop(busy))
    assert waiting_messages == 1  # the second message still in Redis: not reserved by the busy worker
    assert second_status == RenderJob.Status.QUEUED
    assert demand == 2
    assert queue["queued"] == 1
    assert queue["running"] == 1
    assert done, (statuses([second]), outputs[0][-2000:])
    assert first_status == RenderJob.Status.RUNNING  # the busy worker was still on its first job
    second_job.refresh_from_db()
    assert second_job.worker.endswith(f":{helper.pid}")
    assert second_job.attempts == 1


def test_a_stopped_worker_hands_its_job_back_within_the_grace_and_another_finishes_it(
    env: Callable[..., dict[str, str]],
) -> None:
    grace = 5
    style = make_style(recipe(**LONG))
    spot = start_worker(env(PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS=str(grace)), name="spot")
    (order,) = place_orders(style, 1)
    job = order.jobs.get()
    try:
        assert wait_for(painting(job), timeout=120, interval=0.1), "the render never started"
        attempts_painting = RenderJob.objects.get(pk=job.pk).attempts
        signalled = timezone.now()
        spot.send_signal(signal.SIGTERM)
        released = wait_for(
            lambda: RenderJob.objects.filter(pk=job.pk, status=RenderJob.Status.QUEUED).exists(), timeout=grace
        )
        spot.wait(timeout=60)
    finally:
        spot_output = stop(spot)
    assert released, spot_output[-2000:]
    event = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.RENDER_RELEASED)
    print(f"\njob handed back {(event.created_at - signalled).total_seconds():.1f} s after SIGTERM (grace {grace} s)")
    assert (event.created_at - signalled).total_seconds() <= grace
    job.refresh_from_db()
    assert attempts_painting == 1
    assert job.attempts == 0  # the attempt it had used is given back
    RenderJob.objects.filter(pk=job.pk).update(recipe=recipe(**SHORT))  # only the hand-over is under test
    successor = start_worker(env(), name="successor")
    try:
        assert wait_for(lambda: all_done([order]), timeout=120), statuses([order])
    finally:
        stop(successor)
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.worker.endswith(f":{successor.pid}")
    assert OrderEvent.Kind.LEASE_EXPIRED not in OrderEvent.objects.filter(order=order).values_list("kind", flat=True)
