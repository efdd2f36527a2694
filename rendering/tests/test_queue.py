"""The render queue on the production parts: real PostgreSQL, real Redis, real worker processes.

Run by `make test` in its second pytest pass (`-m pg`); with CI=true a missing service fails.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from conftest import stored_files
from orders.models import Order, OrderEvent, RenderJob
from rendering.services import progress_cache_key
from rendering.tests.processes import (
    all_done,
    make_style,
    place_orders,
    recipe,
    start_beat,
    start_worker,
    statuses,
    stop,
    wait_for,
)

if TYPE_CHECKING:
    from django.test import Client


pytest.importorskip("torch")
pytestmark = [pytest.mark.pg, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))


def test_three_workers_render_thirty_orders_exactly_once(env: Callable[..., dict[str, str]], media: Path) -> None:
    style = make_style(recipe(size=24, iterations=2))
    workers = [start_worker(env(), name=f"w{n}") for n in range(3)]
    outputs: list[str] = []
    started = time.monotonic()
    try:
        orders = place_orders(style, 30)
        finished = wait_for(lambda: all_done(orders), timeout=420, interval=0.5)
        elapsed = time.monotonic() - started
    finally:
        outputs = [stop(w) for w in workers]
    print(f"\n3 workers rendered 30 orders in {elapsed:.1f} s (bound 420 s)")
    assert finished, (statuses(orders), outputs[0][-3000:])
    jobs = RenderJob.objects.filter(order__in=orders)
    assert sorted(jobs.values_list("attempts", flat=True)) == [1] * 30
    for order in orders:
        assert kinds(order).count(OrderEvent.Kind.RENDER_CLAIMED) == 1
        assert kinds(order).count(OrderEvent.Kind.RENDER_DONE) == 1
    assert len(stored_files(media / "renders")) == 60  # one preview and one HD file per order
    assert len(set(jobs.values_list("worker", flat=True))) >= 2


def test_a_killed_worker_s_job_is_rendered_by_another_after_its_lease(
    env: Callable[..., dict[str, str]], media: Path, tmp_path: Path
) -> None:
    style = make_style(recipe(size=64, iterations=400))
    short = {"PICMATIX_RENDER_LEASE_SECONDS": "3", "PICMATIX_REAP_EVERY_SECONDS": "1"}
    victim = start_worker(env(**short), name="victim")
    (order,) = place_orders(style, 1)
    job = order.jobs.get()
    try:
        # The live progress is in Redis at every step; the database gets it only every 30 s, and on a
        # quiet machine the whole render can end sooner, leaving nothing to kill.
        assert wait_for(
            lambda: (cache.get(progress_cache_key(job.pk)) or {}).get("iteration", 0) >= 2, timeout=120, interval=0.05
        ), "the render never started"
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = time.monotonic()
        # Only the recovery is under test: let the second attempt paint a short version.
        RenderJob.objects.filter(pk=job.pk).update(recipe=recipe(size=24, iterations=2))
        rescuer = start_worker(env(**short), name="rescuer")
        beat = start_beat(env(**short), tmp_path / "beat-schedule")
        try:
            assert wait_for(lambda: all_done([order]), timeout=120), statuses([order])
        finally:
            rescuer_out, beat_out = stop(rescuer), stop(beat)
    finally:
        stop(victim)
    print(f"\nrecovered {time.monotonic() - killed_at:.1f} s after SIGKILL")
    job.refresh_from_db()
    assert job.attempts == 2
    claims = OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.RENDER_CLAIMED).values_list("actor", flat=True)
    assert len(set(claims)) == 2, rescuer_out[-2000:]  # two different worker processes
    events = kinds(order)
    assert events.count(OrderEvent.Kind.RENDER_CLAIMED) == 2
    assert OrderEvent.Kind.LEASE_EXPIRED in events
    assert events.count(OrderEvent.Kind.RENDER_DONE) == 1
    assert len(stored_files(media / "renders")) == 2, beat_out[-2000:]


def test_jobs_whose_messages_vanished_from_redis_are_brought_back(
    env: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    style = make_style(recipe(size=24, iterations=2))
    orders = place_orders(style, 5)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    assert broker.llen("render") == 5
    broker.flushdb()  # the broker forgets everything
    fast = {"PICMATIX_REAP_EVERY_SECONDS": "1", "PICMATIX_RENDER_REQUEUE_AFTER_SECONDS": "2"}
    worker = start_worker(env(**fast), name="w")
    beat = start_beat(env(**fast), tmp_path / "beat-schedule")
    try:
        assert wait_for(lambda: all_done(orders), timeout=240), statuses(orders)
    finally:
        stop(worker)
        stop(beat)
    for order in orders:
        assert kinds(order).count(OrderEvent.Kind.RENDER_CLAIMED) == 1


def test_a_message_delivered_twice_renders_once(env: Callable[..., dict[str, str]]) -> None:
    from rendering.tasks import render_job_run

    style = make_style(recipe(size=24, iterations=2))
    (order,) = place_orders(style, 1)
    job = order.jobs.get()
    render_job_run.delay(job.pk)  # the broker hands out the same job again
    render_job_run.delay(job.pk)
    worker = start_worker(env(), name="w")
    try:
        assert wait_for(lambda: all_done([order]), timeout=120)
        assert wait_for(lambda: redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("render") == 0, timeout=60)
    finally:
        output = stop(worker)
    assert kinds(order).count(OrderEvent.Kind.RENDER_CLAIMED) == 1
    assert output.count("'skipped'") == 2  # the extra messages were consumed without a render
    assert RenderJob.objects.get(pk=job.pk).attempts == 1


@pytest.mark.parametrize(("grace", "expected"), [("0", "released"), ("3600", "finished")])
def test_sigterm_hands_the_job_back_or_finishes_within_the_grace(
    env: Callable[..., dict[str, str]], grace: str, expected: str
) -> None:
    style = make_style(recipe(size=128, iterations=1000 if expected == "released" else 20))
    overrides = {"PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS": grace}
    worker = start_worker(env(**overrides), name="spot")
    (order,) = place_orders(style, 1)
    job = order.jobs.get()
    try:
        assert wait_for(lambda: RenderJob.objects.filter(pk=job.pk, progress__iteration__gte=2).exists(), timeout=120)
        worker.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        worker.wait(timeout=120)
        print(f"\nworker stopped {time.monotonic() - signalled:.1f} s after SIGTERM ({expected})")
    finally:
        stop(worker)
    job.refresh_from_db()
    if expected == "released":
        assert job.status == RenderJob.Status.QUEUED
        assert job.attempts == 0
        assert OrderEvent.Kind.RENDER_RELEASED in kinds(order)
        # Only the hand-over is under test: let the successor paint a short version.
        RenderJob.objects.filter(pk=job.pk).update(recipe=recipe(size=24, iterations=2))
        successor = start_worker(env(), name="next")
        try:
            assert wait_for(lambda: all_done([order]), timeout=120)
        finally:
            stop(successor)
        assert RenderJob.objects.get(pk=job.pk).attempts == 1
    else:
        assert job.status == RenderJob.Status.DONE
        assert OrderEvent.Kind.RENDER_RELEASED not in kinds(order)


def test_progress_reaches_the_order_page_through_redis(env: Callable[..., dict[str, str]], client: Client) -> None:
    style = make_style(recipe(size=48, iterations=200))
    worker = start_worker(env(), name="w")
    (order,) = place_orders(style, 1)
    try:
        seen = wait_for(
            lambda: (client.get(f"/en/orders/{order.token}/progress.json").json().get("iteration") or 0) >= 3,
            timeout=120,
        )
        job = order.jobs.get()
        # The page is ahead of the database: it reads the worker's updates from Redis.
        page_iteration = client.get(f"/en/orders/{order.token}/progress.json").json()["iteration"]
        database_iteration = (RenderJob.objects.get(pk=job.pk).progress or {}).get("iteration") or 0
    finally:
        stop(worker)
    assert seen
    assert page_iteration > database_iteration
