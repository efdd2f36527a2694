from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_init, worker_ready, worker_shutting_down
from django.conf import settings

from rendering.services import SHUTDOWN_REQUESTED, render_job_execute, style_trial_execute, worker_name

logger = logging.getLogger(__name__)
# Pools whose tasks run in the worker's own process: only there does what it loads serve the renders.
IN_PROCESS_POOLS = {"celery.concurrency.solo", "celery.concurrency.thread"}


@worker_shutting_down.connect
def _note_shutdown(**kwargs: Any) -> None:
    # Celery's warm shutdown waits for the running task; the render sees this flag in its progress
    # callback and either finishes within the grace period or hands its job back (solo pool: the
    # task runs in this very process, so the flag reaches it).
    SHUTDOWN_REQUESTED.set()


def renders_here(consumer: Any) -> bool:
    """Whether this worker takes render jobs and runs them in its own process."""
    route = settings.CELERY_TASK_ROUTES["rendering.tasks.render_job_run"]["queue"]
    queues = getattr(getattr(consumer, "task_consumer", None), "queues", None) or []
    pool = getattr(consumer, "pool", None)
    return route in {queue.name for queue in queues} and type(pool).__module__ in IN_PROCESS_POOLS


def consumes_render_queue(worker: Any) -> bool:
    """Whether a worker being set up (celery's WorkController) takes the render queue."""
    route = settings.CELERY_TASK_ROUTES["rendering.tasks.render_job_run"]["queue"]
    queues = getattr(getattr(getattr(worker, "app", None), "amqp", None), "queues", None)
    return queues is not None and route in getattr(queues, "consume_from", {})


@worker_init.connect
def _check_engine_variables(sender: Any = None, **kwargs: Any) -> None:
    # A typo in an engine variable would otherwise fail every job this worker takes: stop it before it
    # takes one, with one line naming the variable. SystemExit, because Celery logs and swallows an
    # Exception raised by a signal receiver.
    if not consumes_render_queue(sender):
        return
    from painter.settings import EngineSettingError, check_environment

    try:
        check_environment()
    except EngineSettingError as exc:
        raise SystemExit(f"render worker not started: {exc}") from None


@worker_ready.connect
def _warm_up(sender: Any = None, **kwargs: Any) -> None:
    # Sent before the worker takes its first message: torch, the VGG weights, the network and the
    # optimisers' lazy imports are loaded here instead of inside the first job, where they were most
    # of its wait for a first iteration (bench/LOG.md, "Warm worker").
    if not settings.RENDER_WARM_START or not renders_here(sender):
        return
    from painter import EngineError
    from painter.pipeline import warm_up
    from painter.recipe import PRESETS

    # The paths of a CPU's convolutions are measured once per machine and pass size (about a minute
    # for 350 to 960 px on 2 cores, then read from the model cache): here, not in a customer's job.
    default = PRESETS.get(settings.DEFAULT_STYLE_RECIPE)
    sizes = [spec.size for spec in default.passes] if default is not None else []
    try:
        done = warm_up(device=settings.RENDER_DEVICE, pass_sizes=sizes)
    except EngineError as exc:
        # Missing weights, no CUDA: the first job fails with the same message, where staff see it.
        logger.warning("render worker warm-up skipped: %s", exc)
        return
    logger.info("render worker warmed up in %.1f s: %s", done["seconds"], done)


# Thin on purpose: the job row decides whether there is anything to do, so a duplicate or late
# message is harmless (render_job_claim returns None and nothing happens).
@shared_task(ignore_result=True)
def render_job_run(job_id: int) -> str:
    return render_job_execute(job_id=job_id, worker=worker_name())


@shared_task(ignore_result=True)
def style_trial_run(trial_id: int) -> str:
    """A staff test render of a style on the sample photos (styles.services.style_trial_start)."""
    return style_trial_execute(trial_id=trial_id, worker=worker_name())
