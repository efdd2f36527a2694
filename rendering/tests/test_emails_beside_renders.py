"""A preview email goes out while other renders are still waiting, with runshop's own worker layout."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from orders.models import Order, RenderJob
from rendering.embedded import embedded_worker_commands
from rendering.tests.processes import (
    filesystem_publisher,
    make_style,
    place_orders,
    process_env,
    recipe,
    stop,
    wait_for,
)

if TYPE_CHECKING:
    from pytest_mock import MockerFixture


pytest.importorskip("torch")


def test_runshop_consumes_each_queue_in_its_own_worker_with_beat_in_exactly_one(tmp_path: Path) -> None:
    commands = embedded_worker_commands(schedule=tmp_path / "schedule")
    queues = sorted(command[command.index("-Q") + 1] for command in commands.values())
    assert queues == ["default", "render"]
    assert [name for name, command in commands.items() if "--beat" in command] == ["default"]
    render = commands["render"]
    assert render[render.index("--pool") + 1] == "solo"
    assert render[render.index("--concurrency") + 1] == "1"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_preview_email_goes_out_within_seconds_while_three_renders_wait_behind_its_own(
    tmp_path: Path, media: Path, mocker: MockerFixture
) -> None:
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("this test covers the embedded default (SQLite + filesystem broker)")
    mocker.patch("orders.enqueue.render_job_enqueue")  # published below, to the workers' broker
    orders = place_orders(make_style(recipe(size=32, iterations=2)), 4)
    jobs = [order.jobs.get() for order in orders]
    var_dir = tmp_path / "var"
    gate = tmp_path / "gate"  # a render starts only once its job's file is here (gated_celery.py)
    gate.mkdir()
    # Beat sends the reaper every second here, as it does every minute during a real 20-minute render:
    # housekeeping messages are waiting on the default queue whenever a render finishes.
    env = process_env(
        var_dir,
        media,
        CELERY_BROKER_URL="filesystem://",
        PICMATIX_TEST_RENDER_GATE=str(gate),
        PICMATIX_REAP_EVERY_SECONDS="1",
    )
    env.pop("CELERY_BROKER_TRANSPORT_OPTIONS", None)
    app = filesystem_publisher(var_dir)
    for job in jobs:
        RenderJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
        app.send_task("rendering.tasks.render_job_run", args=[job.pk], queue="render")
        # kombu's filesystem transport names a message by the millisecond, then a random uuid: two
        # sent in the same millisecond may be taken in either order, and a worker that took a later
        # job first would wait at a gate this test never opens.
        time.sleep(0.005)

    launcher = (sys.executable, "-m", "rendering.tests.gated_celery")
    commands = embedded_worker_commands(schedule=var_dir / "celerybeat-schedule", launcher=launcher)
    logs: dict[str, Path] = {name: tmp_path / f"{name}.log" for name in commands}
    workers = {
        name: subprocess.Popen(
            command, cwd=Path(__file__).resolve().parents[2], env=env, stdout=logs[name].open("wb"),
            stderr=subprocess.STDOUT,
        )
        for name, command in commands.items()
    }  # fmt: skip

    def output() -> str:
        return "\n".join(f"--- {name}\n{log.read_text()[-3000:]}" for name, log in logs.items())

    started = time.monotonic()
    try:
        first, order = jobs[0], orders[0]
        sent = "Sending due task render-jobs-reap"
        assert wait_for(lambda: output().count(sent) >= 3, timeout=60), output()
        (gate / str(first.pk)).touch()  # the first render may run now; the other three wait behind it
        done = RenderJob.Status.DONE
        assert wait_for(lambda: RenderJob.objects.get(pk=first.pk).status == done, timeout=180), output()
        # Longer than the promise, so that a failure shows how late the email was.
        wait_for(lambda: Order.objects.get(pk=order.pk).preview_email_sent_at is not None, timeout=25)
        first.refresh_from_db()
        order.refresh_from_db()
        waiting = [RenderJob.objects.get(pk=job.pk).status for job in jobs[1:]]
    finally:
        for job in jobs:
            (gate / str(job.pk)).touch()  # let the held renders go, so the render worker stops at once
        outputs = {name: stop(worker, timeout=60) for name, worker in workers.items()}
    print(f"workers ran {time.monotonic() - started:.1f} s")
    assert order.preview_email_sent_at is not None, output()
    assert first.finished_at is not None
    delay = (order.preview_email_sent_at - first.finished_at).total_seconds()
    print(f"preview email sent {delay:.1f} s after its render finished")
    assert delay <= 10
    # The renders behind it had not run yet: the email did not wait for them.
    assert RenderJob.Status.DONE not in waiting, waiting
    assert waiting.count(RenderJob.Status.QUEUED) >= 2, waiting
    assert any(order.email in mail.read_text() for mail in (var_dir / "mail").glob("*.log"))
    assert "beat: Starting" in logs["default"].read_text(), outputs
