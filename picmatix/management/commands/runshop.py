from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from rendering.embedded import embedded_worker_commands


class Command(BaseCommand):
    help = (
        "Run the whole shop on this machine: migrate, create demo data, then start two Celery workers "
        "(renders; emails and housekeeping with beat) beside the web server. Stops them all on Ctrl-C or SIGTERM."
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
        # Ctrl-C (SIGINT) and `kill` (SIGTERM) both leave through the finally below, which stops the
        # workers; SIGINT explicitly, as a shell starting this in the background would ignore it.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        workers: dict[str, subprocess.Popen[bytes]] = {}
        if not no_worker:
            # Two workers, renders and the default queue apart, so that an email never waits behind
            # a render (rendering/embedded.py says why each is as it is; docs/queue.md).
            commands = embedded_worker_commands(schedule=settings.VAR_DIR / "celerybeat-schedule")
            for name, command in commands.items():
                # Their own session: Ctrl-C in this terminal reaches only this process, which then
                # stops each worker once, with SIGTERM (a second signal would make Celery cut the render).
                workers[name] = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
        self.stdout.write(
            self.style.SUCCESS(f"\npicmatix is running: http://{addrport}/  (admin: http://{addrport}/admin/)")
        )
        where = {
            "console": "printed here",
            "file": f"written to {settings.EMAIL_FILE_PATH}",
            "smtp": f"sent through {settings.EMAIL_HOST}",
        }[settings.EMAIL_MODE]
        self.stdout.write(f"data folder: {settings.VAR_DIR}; emails are {where} (PICMATIX_EMAIL={settings.EMAIL_MODE})")
        if workers:
            pids = ", ".join(f"{name} pid {worker.pid}" for name, worker in workers.items())
            self.stdout.write(f"celery workers: {pids}\n")
        try:
            self.stdout.flush()
            call_command("runserver", addrport, use_reloader=False)
        finally:
            _stop(workers)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _stop(workers: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every worker at once, then wait: the render worker finishes or hands back its job
    within the render grace period (rendering/services.py); SIGKILL only after that."""
    for worker in workers.values():
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + settings.RENDER_SHUTDOWN_GRACE_SECONDS + 30
    for worker in workers.values():
        try:
            worker.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
