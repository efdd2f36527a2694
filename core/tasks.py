"""Queueing a Celery task by its registered name.

A lower layer that must set off work in a higher one (orders asking the render worker glue to paint,
or payments to send the download email again) names the task instead of importing its module, so
the import graph stays one-way (docs/architecture.md). The task object itself is used, not
``send_task``: a test's eager mode and a patched ``delay`` apply as they would to a direct call.
"""

from __future__ import annotations

from typing import Any

from celery import current_app


def task_send(name: str, *args: Any) -> None:
    """``<name>.delay(*args)`` for the task registered as ``name`` (e.g. "rendering.tasks.render_job_run")."""
    app = current_app
    if name not in app.tasks:
        # Celery imports every app's tasks module on first need (autodiscovery); a web process may
        # not have needed them yet.
        app.loader.import_default_modules()
    app.tasks[name].delay(*args)
