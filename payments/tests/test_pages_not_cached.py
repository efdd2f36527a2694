"""Pages that carry an order's token are never kept by a browser's or a proxy's cache."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
from django.utils.cache import get_max_age

from orders.models import Order
from payments.links import hd_link_signature

if TYPE_CHECKING:
    from django.test import Client
    from pytest_mock import MockerFixture


pytestmark = pytest.mark.django_db


def directives(response: Any) -> set[str]:
    return {part.strip().split("=")[0] for part in response["Cache-Control"].split(",")}


def assert_not_stored(response: Any) -> None:
    assert {"no-store", "no-cache", "private", "must-revalidate"} <= directives(response)
    assert get_max_age(response) == 0


def paid(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    order.refresh_from_db()
    return order


def test_the_order_page_is_not_stored(client: Client, order: Order) -> None:
    response = client.get(f"/en/orders/{order.token}/")
    assert response.status_code == 200
    assert_not_stored(response)


def test_the_thanks_page_is_not_stored(client: Client, order: Order) -> None:
    response = client.get(f"/es/orders/{order.token}/buy/thanks/?redirect_status=succeeded")
    assert response.status_code == 200
    assert_not_stored(response)


def test_the_download_is_not_stored(client: Client, order: Order) -> None:
    response = client.get(f"/en/orders/{paid(order).token}/hd/{hd_link_signature(order.token)}/")
    assert response.status_code == 200
    assert_not_stored(response)


def test_the_expired_link_page_is_not_stored(client: Client, order: Order, mocker: MockerFixture) -> None:
    url = f"/en/orders/{paid(order).token}/hd/{hd_link_signature(order.token)}/"
    mocker.patch("django.core.signing.time.time", return_value=time.time() + 400 * 24 * 3600)
    response = client.get(url)
    assert response.status_code == 410
    assert_not_stored(response)
