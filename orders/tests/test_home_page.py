"""The home page says how it works in three steps, with the price this visitor would be suggested,
and shows a few recent paintings from the gallery once staff approved some."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from gallery.services import gallery_approve
from payments.models import Price

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import Settings

    from orders.models import Order


pytestmark = pytest.mark.django_db

SPAIN, UNITED_STATES = "80.58.61.250", "8.8.8.8"  # as in payments/tests/test_currency.py


@pytest.fixture
def prices(db: None) -> None:
    for currency, suggested in (("EUR", "14.00"), ("USD", "15.00")):
        Price.objects.create(currency=currency, suggested=Decimal(suggested), minimum=Decimal("3.00"))


def steps(page: str) -> str:
    return re.search(r'<ol class="steps" id="steps">(.*?)</ol>', page, re.DOTALL).group(1)


def test_the_three_steps_suggest_euros_to_a_visitor_from_spain(client: Client, prices: None) -> None:
    page = client.get("/es/", REMOTE_ADDR=SPAIN).content.decode()
    listed = steps(page)
    assert listed.count("<li>") == 3
    for step in ("Sube tu foto", "Recibe una vista previa por correo", "Paga lo que quieras"):
        assert step in listed
    assert "Sugerido: 14,00\xa0€." in listed  # Babel's Spanish format, as on the buy page


def test_a_visitor_from_the_united_states_is_suggested_dollars(client: Client, prices: None) -> None:
    listed = steps(client.get("/en/", REMOTE_ADDR=UNITED_STATES).content.decode())
    assert "Upload your photo" in listed
    assert "Pay what you want" in listed
    assert "Suggested: $15.00." in listed


def test_the_configured_default_currency_is_suggested_when_the_visitors_is_not_offered(
    client: Client, prices: None, settings: Settings
) -> None:
    settings.PAYMENTS_DEFAULT_CURRENCY = "EUR"
    listed = steps(client.get("/en/", REMOTE_ADDR="133.11.0.1").content.decode())  # Japan: no JPY price
    assert "Suggested: €14.00." in listed


def test_without_prices_the_steps_name_no_amount(client: Client) -> None:
    listed = steps(client.get("/en/", REMOTE_ADDR=SPAIN).content.decode())
    assert "Pay what you want" in listed
    assert "Suggested" not in listed


def test_recent_gallery_works_appear_only_once_approved(client: Client, painted_order: Order, admin_user: User) -> None:
    page = client.get("/en/").content.decode()
    assert "recent-works" not in page
    assert "/gallery/" not in page.split("</header>")[1]
    entry = gallery_approve(order_id=painted_order.pk, user=admin_user)
    page = client.get("/en/").content.decode()
    works = re.search(r'<section class="recent-works".*?</section>', page, re.DOTALL).group(0)
    assert f'<img src="/en/gallery/{entry.pk}/after.jpg" width="400" height="300" loading="lazy"' in works
    assert 'href="/en/gallery/"' in works
    assert f"/en/gallery/{entry.pk}/before.jpg" not in works  # the painting only: the photo is the customer's
    painted_order.gallery_consent = False
    painted_order.save()
    assert "recent-works" not in client.get("/en/").content.decode()  # consent withdrawn: gone at once
