"""Staff set a suggested price and a minimum per currency in the admin."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.core.exceptions import ValidationError

from payments.models import Price

if TYPE_CHECKING:
    from django.test import Client


pytestmark = pytest.mark.django_db


def test_staff_edit_prices_in_the_admin(admin_client: Client, prices: dict[str, Price]) -> None:
    page = admin_client.get("/admin/payments/price/")
    assert page.status_code == 200
    assert b"JPY" in page.content
    response = admin_client.post(
        f"/admin/payments/price/{prices['JPY'].pk}/change/",
        {"currency": "JPY", "suggested": "2500", "minimum": "800", "active": "on"},
    )
    assert response.status_code == 302
    assert Price.objects.get(currency="JPY").suggested == Decimal("2500")


@pytest.mark.parametrize(
    ("currency", "suggested", "minimum", "field"),
    [
        ("JPY", "2000.50", "500", "suggested"),  # yen have no cents
        ("EUR", "10.00", "12.00", "minimum"),  # a minimum above the suggestion
        ("EUR", "10.00", "0", "minimum"),
    ],
)
def test_prices_a_customer_could_not_pay_are_refused(currency: str, suggested: str, minimum: str, field: str) -> None:
    price = Price(currency=currency, suggested=Decimal(suggested), minimum=Decimal(minimum))
    with pytest.raises(ValidationError) as error:
        price.full_clean()
    assert field in error.value.message_dict


def test_the_data_migration_seeds_the_main_currencies() -> None:
    from importlib import import_module

    defaults = import_module("payments.migrations.0002_default_prices").DEFAULT_PRICES
    assert {"USD", "EUR", "GBP", "JPY", "MXN"} <= set(defaults)
    for currency, (suggested, minimum) in defaults.items():
        Price(currency=currency, suggested=Decimal(suggested), minimum=Decimal(minimum)).full_clean()
