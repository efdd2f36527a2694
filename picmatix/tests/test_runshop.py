"""`manage.py runshop` starts runshop's worker layout and stops every worker on SIGTERM or Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command

from rendering.embedded import embedded_worker_commands

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture


# Stands in for a Celery worker: says it is up, and writes down the signal that stopped it.
SLEEPER = """
import signal, sys, time
path = sys.argv[1]
def stop(signum, frame):
    open(path, "a").write(f"stopped by {signal.Signals(signum).name}\\n"); sys.exit(0)
signal.signal(signal.SIGTERM, stop)
open(path, "w").write("up\\n")
time.sleep(60)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_runshop_starts_both_workers_and_a_signal_stops_each_of_them_once(
    tmp_path: Path, settings: Settings, mocker: MockerFixture, signum: Any
) -> None:
    settings.VAR_DIR = tmp_path
    started: list[list[str]] = []
    notes: list[Path] = []
    real_popen = subprocess.Popen

    def popen(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(command)
        notes.append(tmp_path / f"worker-{len(notes)}.txt")
        return real_popen([sys.executable, "-c", SLEEPER, str(notes[-1])], start_new_session=True)

    def commands(name: str, *args: Any, **kwargs: Any) -> None:
        if name == "runserver":  # serving, until someone stops the shop
            deadline = time.monotonic() + 10
            while not all(n.exists() for n in notes) and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(os.getpid(), signum)
            time.sleep(10)
            raise AssertionError("the signal did not stop runshop")

    mocker.patch("picmatix.management.commands.runshop.subprocess.Popen", side_effect=popen)
    mocker.patch("picmatix.management.commands.runshop.call_command", side_effect=commands)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        with pytest.raises((SystemExit, KeyboardInterrupt)):
            call_command("runshop", "127.0.0.1:0")
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
    assert started == list(embedded_worker_commands(schedule=tmp_path / "celerybeat-schedule").values())
    assert [n.read_text() for n in notes] == ["up\nstopped by SIGTERM\n"] * 2
