from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_shutting_down

from rendering.services import SHUTDOWN_REQUESTED, render_job_execute, style_trial_execute, worker_name


@worker_shutting_down.connect
def _note_shutdown(**kwargs: Any) -> None:
    # Celery's warm shutdown waits for the running task; the render sees this flag in its progress
    # callback and either finishes within the grace period or hands its job back (solo pool: the
    # task runs in this very process, so the flag reaches it).
    SHUTDOWN_REQUESTED.set()


# Thin on purpose: the job row decides whether there is anything to do, so a duplicate or late
# message is harmless (render_job_claim returns None and nothing happens).
@shared_task(ignore_result=True)
def render_job_run(job_id: int) -> str:
    return render_job_execute(job_id=job_id, worker=worker_name())


@shared_task(ignore_result=True)
def style_trial_run(trial_id: int) -> str:
    """A staff test render of a style on the sample photos (styles.services.style_trial_start)."""
    return style_trial_execute(trial_id=trial_id, worker=worker_name())
