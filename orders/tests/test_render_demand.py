"""RENDER_DEMAND_SQL, the one query KEDA's PostgreSQL trigger runs to size the render workers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.db import connection

from orders.models import Order, RenderJob
from orders.selectors import RENDER_DEMAND_SQL, queue_metrics, render_demand
from styles.models import StyleTrial

if TYPE_CHECKING:
    from styles.models import Style

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(style: Style) -> None:
    """Render jobs and test renders in every state: 3 + 2 of them are queued or running."""
    order = Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    for status in ("queued", "queued", "running", "done", "done", "failed"):
        RenderJob.objects.create(order=order, status=status)
    for status in ("queued", "running", "done", "failed"):
        StyleTrial.objects.create(style=style, status=status)


@pytest.mark.pg
def test_it_runs_on_postgresql() -> None:
    assert connection.vendor == "postgresql"


@pytest.mark.pg
def test_it_returns_one_number_counting_queued_and_running_jobs_and_test_renders(queue: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(RENDER_DEMAND_SQL)
        rows = cursor.fetchall()
    assert rows == [(5,)]


@pytest.mark.pg
def test_it_counts_nothing_on_an_idle_shop(style: Style) -> None:
    assert render_demand() == 0


@pytest.mark.pg
def test_the_queue_selector_agrees_with_it(queue: None) -> None:
    assert queue_metrics()["demand"] == render_demand()


@pytest.mark.parametrize("model", [RenderJob, StyleTrial])
def test_it_names_the_table_column_and_states_the_models_define(model: type[RenderJob] | type[StyleTrial]) -> None:
    column = model._meta.get_field("status").column
    states = f"'{model.Status.QUEUED}', '{model.Status.RUNNING}'"
    assert f"FROM {model._meta.db_table} WHERE {column} IN ({states})" in RENDER_DEMAND_SQL


def test_it_is_one_statement() -> None:
    assert ";" not in RENDER_DEMAND_SQL
