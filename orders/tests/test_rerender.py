"""Staff paint an order again from the admin; only with the permission, never twice at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from orders.models import Order, OrderEvent, RenderJob

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
    from pytest_mock import MockerFixture


pytestmark = pytest.mark.django_db


def rerender(client: Client, order: Order) -> _MonkeyPatchedWSGIResponse:
    return client.post("/admin/orders/order/", {"action": "rerender", "_selected_action": [order.pk]}, follow=True)


def test_staff_rerender_a_failed_order_with_the_styles_current_recipe(
    admin_client: Client,
    painted_order: Order,
    mocker: MockerFixture,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    enqueue = mocker.patch("orders.enqueue.render_job_enqueue")
    Order.objects.filter(pk=painted_order.pk).update(status=Order.Status.FAILED)
    painted_order.style.recipe = {"passes": [{"size": 64, "iterations": 2}]}
    painted_order.style.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = rerender(admin_client, painted_order)
    assert "Re-renders queued: 1." in response.content.decode()
    job = painted_order.jobs.order_by("-id").first()
    assert job.status == RenderJob.Status.QUEUED
    assert job.recipe == painted_order.style.recipe
    enqueue.assert_called_once_with(job.pk)
    painted_order.refresh_from_db()
    assert painted_order.status == Order.Status.RENDERING
    event = OrderEvent.objects.get(kind=OrderEvent.Kind.RERENDER_REQUESTED)
    assert event.actor == "staff:admin"
    assert event.job_id == job.pk
    assert event.data["previous_status"] == "failed"


def test_a_paid_order_stays_paid_while_it_is_painted_again(
    admin_client: Client, painted_order: Order, mocker: MockerFixture
) -> None:
    mocker.patch("orders.enqueue.render_job_enqueue")
    Order.objects.filter(pk=painted_order.pk).update(status=Order.Status.PAID)
    rerender(admin_client, painted_order)
    painted_order.refresh_from_db()
    assert painted_order.status == Order.Status.PAID
    assert painted_order.jobs.count() == 2


def test_an_order_being_painted_is_not_queued_twice(
    admin_client: Client, painted_order: Order, mocker: MockerFixture
) -> None:
    mocker.patch("orders.enqueue.render_job_enqueue")
    rerender(admin_client, painted_order)
    response = rerender(admin_client, painted_order)
    assert f"Order #{painted_order.pk}: not done, it is being painted right now." in response.content.decode()
    assert painted_order.jobs.count() == 2
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.RERENDER_REQUESTED).count() == 1


def test_staff_without_the_permission_cannot_rerender(
    staff_client: Callable[..., Client], painted_order: Order, mocker: MockerFixture
) -> None:
    enqueue = mocker.patch("orders.enqueue.render_job_enqueue")
    client = staff_client("orders.view_order", "orders.change_order")
    listing = client.get("/admin/orders/order/").content.decode()
    assert 'value="rerender"' not in listing
    rerender(client, painted_order)
    assert painted_order.jobs.count() == 1
    assert not enqueue.called
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.RERENDER_REQUESTED).exists()


def test_staff_with_the_permission_may_rerender(
    staff_client: Callable[..., Client], painted_order: Order, mocker: MockerFixture
) -> None:
    mocker.patch("orders.enqueue.render_job_enqueue")
    client = staff_client("orders.view_order", "orders.rerender_order", username="fixer")
    assert 'value="rerender"' in client.get("/admin/orders/order/").content.decode()
    rerender(client, painted_order)
    assert painted_order.jobs.count() == 2
    assert OrderEvent.objects.get(kind=OrderEvent.Kind.RERENDER_REQUESTED).actor == "staff:fixer"
