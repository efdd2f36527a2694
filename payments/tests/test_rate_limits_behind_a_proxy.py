"""The purchase attempts limit counts each customer behind the balancer on their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings

    from orders.models import Order
    from payments.tests.conftest import FakeStripe


pytestmark = pytest.mark.django_db


def test_purchase_attempts_are_limited_per_customer_behind_a_trusted_proxy(
    client: Client, order: Order, fake_stripe: FakeStripe, settings: Settings
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.PAYMENTS_BUY_RATE = "1/h"
    url = f"/en/orders/{order.token}/buy/"

    def attempt(forwarded: str) -> int:
        headers = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": forwarded, "HTTP_ACCEPT": "application/json"}
        return client.post(url, {"amount": "14.00"}, **headers).status_code

    assert [attempt("198.51.100.7"), attempt("198.51.100.7"), attempt("203.0.113.50")] == [200, 429, 200]
