from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order, RenderJob
from orders.selectors import queue_metrics, render_demand
from styles.models import StyleTrial

if TYPE_CHECKING:
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(style: Style) -> None:
    now = timezone.now()
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    queued = RenderJob.objects.create(order=order)
    RenderJob.objects.filter(pk=queued.pk).update(created_at=now - timedelta(seconds=90))
    RenderJob.objects.create(order=order, status="running")
    for seconds in (10, 20, 30, 40, 100):
        RenderJob.objects.create(
            order=order, status="done", started_at=now - timedelta(seconds=seconds), finished_at=now
        )


def test_the_command_prints_depth_age_in_flight_and_render_times(
    jobs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("picmatix_queue_metrics")
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["queued"] == 1
    assert metrics["running"] == 1
    assert 89 <= metrics["oldest_queued_age_seconds"] < 120
    assert metrics["median_render_seconds"] == 30.0
    assert metrics["p95_render_seconds"] == 100.0


def test_the_endpoint_is_for_staff_only(jobs: None, client: Client, admin_client: Client) -> None:
    assert client.get("/ops/queue.json").status_code == 302
    assert admin_client.get("/ops/queue.json").json()["queued"] == 1


@pytest.fixture
def trials(style: Style) -> None:
    """Staff's test renders share the render queue: two waiting (one since long ago), one painting."""
    StyleTrial.objects.create(style=style)
    old = StyleTrial.objects.create(style=style)
    StyleTrial.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(seconds=600))
    StyleTrial.objects.create(style=style, status=StyleTrial.Status.RUNNING)
    StyleTrial.objects.create(style=style, status=StyleTrial.Status.DONE)


def test_test_renders_are_counted_with_render_jobs(jobs: None, trials: None) -> None:
    metrics = queue_metrics()
    assert metrics["queued"] == 3
    assert metrics["running"] == 2
    assert metrics["test_renders"] == {"queued": 2, "running": 1, "failed_last_24h": 0}


def test_the_oldest_waiting_test_render_sets_the_queue_s_age(jobs: None, trials: None) -> None:
    assert 599 <= queue_metrics()["oldest_queued_age_seconds"] < 660


def test_the_selector_s_demand_is_the_demand_query_s_number(jobs: None, trials: None) -> None:
    assert queue_metrics()["demand"] == render_demand()


def test_the_command_and_the_endpoint_count_test_renders_too(
    jobs: None, trials: None, capsys: pytest.CaptureFixture[str], admin_client: Client
) -> None:
    call_command("picmatix_queue_metrics")
    assert json.loads(capsys.readouterr().out)["demand"] == 5
    assert admin_client.get("/ops/queue.json").json()["demand"] == 5
