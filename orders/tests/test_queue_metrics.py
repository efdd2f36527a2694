from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order, RenderJob

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
