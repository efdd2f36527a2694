from __future__ import annotations

from celery import shared_task

from rendering.services import render_job_execute, worker_name


# Thin on purpose: the job row decides whether there is anything to do, so a duplicate or late
# message is harmless (render_job_claim returns None and nothing happens).
@shared_task(ignore_result=True)
def render_job_run(job_id: int) -> str:
    return render_job_execute(job_id=job_id, worker=worker_name())
