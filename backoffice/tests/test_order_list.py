"""Staff find orders in the admin by status, style, date, currency, gallery place, email or token."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from gallery.services import gallery_approve
from orders.models import Order

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(style: Style, painted_order: Order, admin_user: User) -> tuple[Order, Order, Order]:
    gallery_approve(order_id=painted_order.pk, user=admin_user)
    old = Order.objects.create(
        email="old@example.com", style=style, content_image="x.jpg", currency="USD", status=Order.Status.FAILED
    )
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    waiting = Order.objects.create(email="zoe@example.com", style=style, content_image="y.jpg", gallery_consent=True)
    return painted_order, Order.objects.get(pk=old.pk), waiting


def listed(client: Client, query: Any) -> Any:
    page = client.get(f"/admin/orders/order/?{query}").content.decode()
    return {order.pk for order in Order.objects.all() if f'href="/admin/orders/order/{order.pk}/change/' in page}


def test_filters_and_search_find_the_right_orders(admin_client: Client, orders: tuple[Order, Order, Order]) -> None:
    painted, old, waiting = orders
    assert listed(admin_client, "status__exact=failed") == {old.pk}
    assert listed(admin_client, "currency__exact=USD") == {old.pk}
    assert listed(admin_client, f"style__id__exact={painted.style_id}") == {painted.pk, old.pk, waiting.pk}
    since = urlencode({"created_at__gte": str(timezone.now() - timedelta(days=7))})  # as "Past 7 days" links
    assert listed(admin_client, since) == {painted.pk, waiting.pk}
    assert listed(admin_client, "gallery=shown") == {painted.pk}
    assert listed(admin_client, "gallery=consent") == {waiting.pk}
    assert listed(admin_client, "q=zoe@example") == {waiting.pk}
    assert listed(admin_client, f"q={old.token}") == {old.pk}
