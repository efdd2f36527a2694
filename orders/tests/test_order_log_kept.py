"""An order's event log is evidence: nobody removes it from the admin, not even a superuser."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.db.models import ProtectedError

from orders.events import order_event
from orders.models import Order, OrderEvent

if TYPE_CHECKING:
    from django.test import Client


pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_order(painted_order: Order) -> Order:
    order_event(order=painted_order, kind=OrderEvent.Kind.ORDER_CREATED, actor="customer")
    order_event(order=painted_order, kind=OrderEvent.Kind.PREVIEW_EMAIL_SENT, actor="worker")
    return painted_order


def kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order_id=order.pk).values_list("kind", flat=True))


def test_the_admin_offers_no_way_to_delete_an_order_or_its_events(admin_client: Client, logged_order: Order) -> None:
    page = admin_client.get(f"/admin/orders/order/{logged_order.pk}/change/").content.decode()
    assert f"/admin/orders/order/{logged_order.pk}/delete/" not in page
    assert 'name="events-0-DELETE"' not in page
    assert "order_created" in page
    assert admin_client.get(f"/admin/orders/order/{logged_order.pk}/delete/").status_code == 403
    assert 'value="delete_selected"' not in admin_client.get("/admin/orders/order/").content.decode()
    admin_client.post(
        "/admin/orders/order/", {"action": "delete_selected", "_selected_action": [logged_order.pk], "post": "yes"}
    )
    assert admin_client.post(f"/admin/orders/order/{logged_order.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Order.objects.filter(pk=logged_order.pk).exists()
    assert kinds(logged_order) == [OrderEvent.Kind.ORDER_CREATED, OrderEvent.Kind.PREVIEW_EMAIL_SENT]


def test_order_events_have_no_admin_page_of_their_own(admin_client: Client, logged_order: Order) -> None:
    event = OrderEvent.objects.filter(order=logged_order).first()
    assert admin_client.get(f"/admin/orders/orderevent/{event.pk}/delete/").status_code == 404
    assert OrderEvent.objects.filter(pk=event.pk).exists()


def test_deleting_an_order_with_a_log_is_refused_by_the_database_model(logged_order: Order) -> None:
    with pytest.raises(ProtectedError):
        Order.objects.filter(pk=logged_order.pk).delete()
    assert kinds(logged_order) == [OrderEvent.Kind.ORDER_CREATED, OrderEvent.Kind.PREVIEW_EMAIL_SENT]


def test_the_data_deletion_action_anonymises_and_the_log_stays(
    admin_client: Client, logged_order: Order, media: Path
) -> None:
    admin_client.post(
        "/admin/orders/order/",
        {"action": "delete_customer_data", "_selected_action": [logged_order.pk], "post": "yes"},
    )
    logged_order.refresh_from_db()
    assert logged_order.email == ""
    assert logged_order.data_deleted_at is not None
    assert kinds(logged_order) == [
        OrderEvent.Kind.ORDER_CREATED,
        OrderEvent.Kind.PREVIEW_EMAIL_SENT,
        OrderEvent.Kind.DATA_DELETED,
    ]
