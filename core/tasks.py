"""Queueing a Celery task by its registered name.

A lower layer that must set off work in a higher one (orders asking the render worker glue to paint,
or payments to send the download email again) names the task instead of importing its module, so
the import graph stays one-way (docs/architecture.md). The task object itself is used, not
``send_task``: a test's eager mode and a patched ``delay`` apply as they would to a direct call.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import current_app
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Celery imports the apps' task modules once, on first need. Two threads of a fresh web process
# that both need them must not both start that import: the second one saw it under way, went on,
# and found the task still unregistered.
_import_lock = threading.Lock()


def task_modules_import() -> None:
    """Import every app's tasks module, once per process, whichever thread asks first."""
    with _import_lock:
        current_app.loader.import_default_modules()


def task_send(name: str, *args: Any) -> bool:
    """``<name>.delay(*args)`` for the task registered as ``name`` (e.g. "rendering.tasks.render_job_run").

    Returns False, after logging, when the broker cannot take the message: callers send after their
    transaction has committed, so what they saved stands, and the periodic recovery (the reaper for
    render jobs) sends the work again. The customer's request must not end in an error page for it.
    """
    app = current_app
    if name not in app.tasks:
        task_modules_import()
    try:
        app.tasks[name].delay(*args)
    except OperationalError:
        logger.exception("Could not queue %s%r: the broker refused it; periodic recovery sends it", name, args)
        return False
    return True
