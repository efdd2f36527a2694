"""Render-queue benchmark: dispatch overhead per job and throughput with 1, 2 and 3 workers.

Runs against the real PostgreSQL and Redis (as production would), through pytest-django so that
the throwaway database is made and dropped for us:

    make bench-queue        # or: see the Makefile's bench-queue target for the variables

Jobs are tiny (one 24 px pass, 2 iterations, no upscale) so that the numbers show the queue's own
cost, not the engine's. Results go to stdout; copy them into bench/README.md with the machine.
"""

from __future__ import annotations

import statistics
import time
from functools import partial
from pathlib import Path

import pytest
import redis
from django.conf import settings

from orders.models import RenderJob
from rendering.tests.processes import (
    all_done,
    make_style,
    place_orders,
    process_env,
    recipe,
    start_worker,
    stop,
    wait_for,
)

JOBS = 24


@pytest.mark.django_db(transaction=True)
def test_queue_benchmark(tmp_path: Path, media: Path) -> None:
    style = make_style(recipe(size=24, iterations=2))
    lines = [f"{'workers':>7} {'jobs':>5} {'wall s':>8} {'jobs/min':>9} {'engine s/job':>13} {'overhead s/job':>15}"]
    for count in (1, 2, 3):
        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
        env = process_env(tmp_path / f"var{count}", media, CELERY_BROKER_URL=settings.CELERY_BROKER_URL)
        workers = [start_worker(env, name=f"b{count}-{n}") for n in range(count)]
        try:
            # Warm up: every worker loads torch and the VGG weights once, as a long-lived worker would.
            warm = place_orders(style, count * 2)
            assert wait_for(partial(all_done, warm), timeout=300)
            started = time.monotonic()
            orders = place_orders(style, JOBS)
            assert wait_for(partial(all_done, orders), timeout=600, interval=0.05)
            wall = time.monotonic() - started
            # Dispatch latency with an idle worker: one order at a time, from the message to the claim.
            latencies = []
            for _ in range(5):
                (single,) = place_orders(style, 1)
                assert wait_for(partial(all_done, [single]), timeout=120, interval=0.02)
                job = RenderJob.objects.get(order=single)
                if job.started_at and job.enqueued_at:
                    latencies.append((job.started_at - job.enqueued_at).total_seconds())
        finally:
            for worker in workers:
                stop(worker)
        jobs = list(RenderJob.objects.filter(order__in=orders))
        engine = [float(job.stats.get("total_seconds") or 0.0) for job in jobs]
        busy = [
            (job.finished_at - job.started_at).total_seconds() for job in jobs if job.finished_at and job.started_at
        ]
        waits = [(job.started_at - job.created_at).total_seconds() for job in jobs if job.started_at]
        overhead = statistics.mean(busy) - statistics.mean(engine)
        lines.append(
            f"{count:>7} {JOBS:>5} {wall:>8.2f} {60 * JOBS / wall:>9.1f} {statistics.mean(engine):>13.3f} "
            f"{overhead:>15.3f}"
        )
        lines.append(f"        median wait from order to claim (burst of {JOBS}): {statistics.median(waits):.2f} s")
        lines.append(f"        idle worker, message to claim: median {statistics.median(latencies) * 1000:.0f} ms")
    print("\n" + "\n".join(lines))
