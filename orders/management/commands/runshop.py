from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run the whole shop on this machine: migrate, create demo data, then start one Celery worker "
        "(render + default queues) beside the web server. Stops both on Ctrl-C."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Start only the web server.")

    def handle(self, *args: Any, addrport: str, no_worker: bool, **options: Any) -> None:
        host, _, port = addrport.rpartition(":")
        # runserver leaves with os._exit() when its port is taken, which would orphan the worker:
        # find out first.
        with socket.socket() as probe:
            if probe.connect_ex((host or "127.0.0.1", int(port))) == 0:
                raise CommandError(f"{addrport} is already in use: stop what runs there or pass another address")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("picmatix_setup")
        worker = None
        if not no_worker:
            # One process, both queues, one render at a time: the embedded default has one CPU "GPU".
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "picmatix",
                    "worker",
                    "-Q",
                    "render,default",
                    # solo: the render runs in the worker's own process, where it sees SIGTERM.
                    "--pool",
                    "solo",
                    "--prefetch-multiplier",
                    "1",
                    "--loglevel",
                    "INFO",
                    # The periodic tasks (CELERY_BEAT_SCHEDULE: reaper, payment recovery) run in it too.
                    "--beat",
                    "--schedule",
                    str(settings.VAR_DIR / "celerybeat-schedule"),
                ],
                env=os.environ.copy(),
            )
        self.stdout.write(
            self.style.SUCCESS(f"\npicmatix is running: http://{addrport}/  (admin: http://{addrport}/admin/)")
        )
        self.stdout.write(
            f"data folder: {settings.VAR_DIR}; emails are printed here (PICMATIX_EMAIL={settings.EMAIL_MODE})\n"
        )
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
