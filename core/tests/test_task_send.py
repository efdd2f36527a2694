"""Sending a task by name from a web process that has not needed the task modules yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh process: Django set up, the task modules not imported yet, then eight request threads that
# each queue a render at the same moment, as the first uploads to a freshly started gunicorn worker do.
FIRST_REQUESTS = """
import json, os, threading
import django
django.setup()
from celery import current_app
current_app.conf.task_always_eager = False
current_app.conf.broker_url = "memory://"
from core.tasks import task_send
errors = []
start = threading.Barrier(8)
def request():
    start.wait()
    try:
        task_send("rendering.tasks.render_job_run", 1)
    except Exception as error:
        errors.append(repr(error))
threads = [threading.Thread(target=request) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(errors))
"""


def test_concurrent_first_sends_in_a_fresh_process_all_find_the_task() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "picmatix.settings_test"}
    command = [sys.executable, "-c", FIRST_REQUESTS]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    errors = json.loads(done.stdout.strip().splitlines()[-1])
    assert errors == []
