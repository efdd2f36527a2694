"""The Celery workers of the embedded default (`manage.py runshop`, `make run`), as command lines.

One function, so that runshop and the test that proves its layout
(rendering/tests/test_emails_beside_renders.py) start exactly the same processes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

CELERY = (sys.executable, "-m", "celery")


def embedded_worker_commands(*, schedule: Path, launcher: Sequence[str] = CELERY) -> dict[str, list[str]]:
    """The command line of each worker process, by name: one for renders, one for the default queue.

    `launcher` is what runs `celery` (tests put a wrapper in front of it; the arguments stay the same).
    """
    # Nothing on this machine listens to worker events or answers a start-up sync (mingle), and
    # mingle makes each start wait for replies that never come.
    quiet = ["--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "INFO"]
    return {
        "render": [
            *launcher, "-A", "picmatix", "worker", "-Q", "render", "-n", "render@%h",
            # One render at a time: the embedded default has one CPU "GPU". solo: the render runs in
            # the worker's own process, where it sees SIGTERM (the hand-back grace in rendering/services.py).
            "--pool", "solo", "--concurrency", "1", "--prefetch-multiplier", "1", *quiet,
        ],
        # Emails and housekeeping in their own process: a preview email must not wait behind renders
        # that take minutes each on a CPU (the render worker above is busy for the whole render).
        # prefork, 2 children: Celery's task time limit (CELERY_TASK_TIME_LIMIT) is enforced only by
        # prefork, and two let one slow mail server not hold back the other email.
        "default": [
            *launcher, "-A", "picmatix", "worker", "-Q", "default", "-n", "default@%h",
            "--pool", "prefork", "--concurrency", "2", *quiet,
            # Beat (CELERY_BEAT_SCHEDULE: the reaper, reconcile, retention, payment recovery) lives
            # here, not in the render worker: the reaper is what recovers a render worker that died
            # or hung, so it must not die or hang with it, and its tasks run on this queue anyway.
            "--beat", "--schedule", str(schedule),
        ],
    }  # fmt: skip
