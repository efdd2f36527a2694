"""`python -m painter.tests.gated_celery <celery arguments>`: Celery, with each render held until
the test allows it.

A test that needs renders to take a long time (emails must not wait behind them) would otherwise
pay that time itself. Here a render job starts only once the file `<PICMATIX_TEST_RENDER_GATE>/<job
id>` exists, so the test decides when each render may run; the worker's arguments stay exactly the
ones runshop uses.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import django


def _gated(original):  # type: ignore[no-untyped-def]
    gate = Path(os.environ["PICMATIX_TEST_RENDER_GATE"])

    def render_job_execute(*, job_id: int, worker: str) -> str:
        deadline = time.monotonic() + 300
        while not (gate / str(job_id)).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        return original(job_id=job_id, worker=worker)

    return render_job_execute


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "picmatix.settings")
    django.setup()
    import rendering.tasks

    rendering.tasks.render_job_execute = _gated(rendering.tasks.render_job_execute)
    from celery.__main__ import main as celery_main

    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
