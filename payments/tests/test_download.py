"""The HD file: only through the signed, expiring link of a paid order, and opening it changes nothing."""

from __future__ import annotations

import time
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from orders.models import Order, OrderEvent
from payments.links import hd_link_signature, hd_link_url
from payments.tests.conftest import HD_BYTES, make_ready_order

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from payments.models import Price
    from picmatix.tests.s3server import S3
    from styles.models import Style


pytestmark = pytest.mark.django_db


def link(order: Order, language: str = "en") -> str:
    return f"/{language}/orders/{order.token}/hd/{hd_link_signature(order.token)}/"


def test_the_signed_link_downloads_the_hd_file_as_an_attachment(
    client: Client, paid_order: Order, settings: Settings
) -> None:
    settings.SITE_URL = "https://shop.example"
    assert hd_link_url(paid_order) == "https://shop.example" + link(paid_order)
    response = client.get(link(paid_order))
    assert response.status_code == 200
    assert response.getvalue() == HD_BYTES
    assert response["Content-Disposition"] == f'attachment; filename="picmatix-{paid_order.pk}.png"'
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]


def test_opening_the_link_changes_nothing(client: Client, paid_order: Order) -> None:
    before = (Order.objects.values().get(pk=paid_order.pk), OrderEvent.objects.count())
    for _ in range(3):  # the customer, a mail scanner, a second device
        assert client.get(link(paid_order)).status_code == 200
    assert (Order.objects.values().get(pk=paid_order.pk), OrderEvent.objects.count()) == before
    assert client.post(link(paid_order)).status_code == 405


def test_it_refuses_an_expired_download_link(
    client: Client, paid_order: Order, settings: Settings, mocker: MockerFixture
) -> None:
    settings.HD_LINK_MAX_AGE_DAYS = 7
    url = link(paid_order)
    later = time.time() + 7 * 24 * 3600 + 60
    mocker.patch("django.core.signing.time.time", return_value=later)
    response = client.get(url)
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    assert HD_BYTES not in response.content


def test_a_link_still_in_its_last_day_works(
    client: Client, paid_order: Order, settings: Settings, mocker: MockerFixture
) -> None:
    url = link(paid_order)
    mocker.patch("django.core.signing.time.time", return_value=time.time() + 6 * 24 * 3600)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("tamper", ["signature", "timestamp", "token", "missing"])
def test_it_refuses_a_changed_signature(client: Client, paid_order: Order, style: Style, tamper: str) -> None:
    timestamp, mac = hd_link_signature(paid_order.token).split(":")
    token = paid_order.token
    if tamper == "signature":
        signature = f"{timestamp}:{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}"
    elif tamper == "timestamp":
        signature = f"{timestamp[:-1]}{'0' if timestamp[-1] != '0' else '1'}:{mac}"
    elif tamper == "token":  # another paid order's link, its token swapped in
        other = make_ready_order(style)
        Order.objects.filter(pk=other.pk).update(status=Order.Status.PAID)
        token, signature = other.token, f"{timestamp}:{mac}"
    else:
        signature = "x"
    response = client.get(f"/en/orders/{token}/hd/{signature}/")
    assert response.status_code == 404
    assert HD_BYTES not in response.content


@pytest.mark.parametrize("status", [Order.Status.PREVIEW_READY, Order.Status.REFUNDED])
def test_an_unpaid_or_refunded_order_gets_no_file_even_with_a_good_signature(
    client: Client, paid_order: Order, status: Any
) -> None:
    Order.objects.filter(pk=paid_order.pk).update(status=status)
    assert client.get(link(paid_order)).status_code == 404


def test_in_s3_mode_the_link_redirects_to_a_short_lived_presigned_url(
    client: Client, s3: S3, style: Style, prices: dict[str, Price], settings: Settings
) -> None:
    settings.HD_PRESIGNED_SECONDS = 60
    order = make_ready_order(style)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    response = client.get(link(order))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(s3.endpoint)
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-content-disposition"] == [f'attachment; filename="picmatix-{order.pk}.png"']
    assert "no-store" in response["Cache-Control"]
    with urllib.request.urlopen(location, timeout=10) as answer:  # moto on 127.0.0.1
        assert answer.read() == HD_BYTES
