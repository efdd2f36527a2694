"""The purchase page: pay what you want, from the minimum up, in the order's currency."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.utils import translation

from orders.models import Order
from payments.models import Payment
from payments.tests.conftest import PUBLISHABLE_KEY, make_ready_order, start_payment

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings

    from payments.models import Price
    from payments.tests.conftest import FakeStripe
    from styles.models import Style


pytestmark = pytest.mark.django_db


def test_the_order_page_links_to_the_purchase_page(client: Client, order: Order) -> None:
    page = client.get(f"/es/orders/{order.token}/")
    assert f'href="/es/orders/{order.token}/buy/"'.encode() in page.content
    with translation.override("es"):
        assert translation.gettext("Buy the full-resolution painting").encode() in page.content


def test_the_purchase_page_suggests_the_price_in_spanish(client: Client, order: Order, fake_stripe: FakeStripe) -> None:
    page = client.get(f"/es/orders/{order.token}/buy/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="amount" value="14,00"' in html  # as Spanish customers write it
    assert "Sugerido: 14,00\xa0€. Mínimo: 3,00\xa0€." in html
    assert f'data-publishable-key="{PUBLISHABLE_KEY}"' in html
    assert 'data-currency="EUR"' in html
    assert 'data-amount-minor="1400"' in html
    assert 'data-locale="es"' in html  # Stripe's form and the pay button speak the page's language
    assert "https://js.stripe.com/v3/" in html
    assert "no se ha podido cargar" in html  # the message shown when Stripe.js cannot load
    assert fake_stripe.calls == []  # opening the page asks Stripe nothing


def test_with_payments_off_the_page_says_payments_are_not_configured(
    client: Client, order: Order, settings: Settings
) -> None:
    settings.PAYMENTS_PROVIDER = "off"
    page = client.get(f"/en/orders/{order.token}/buy/")
    assert page.status_code == 200
    assert b'id="payments-off"' in page.content
    assert b"This shop cannot take payments at the moment" in page.content
    assert b"js.stripe.com" not in page.content
    assert start_payment(client, order).status_code == 409
    assert Payment.objects.count() == 0


def test_a_price_below_the_minimum_is_refused_with_a_translated_message(
    client: Client, order: Order, fake_stripe: FakeStripe
) -> None:
    response = start_payment(client, order, amount="2.99", language="es")
    assert response.status_code == 400
    assert response.json()["error"] == "El precio mínimo es 3,00\xa0€."
    assert fake_stripe.calls == []
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("amount", ["abc", "", "1e9999", "NaN", "-5", "99999999"])
def test_nonsense_amounts_are_refused_without_asking_stripe(
    client: Client, order: Order, fake_stripe: FakeStripe, amount: str
) -> None:
    response = start_payment(client, order, amount=amount)
    assert response.status_code == 400
    assert response.json()["error"]
    assert fake_stripe.calls == []


def test_the_minimum_itself_and_a_comma_decimal_are_accepted(
    client: Client, order: Order, fake_stripe: FakeStripe
) -> None:
    assert start_payment(client, order, amount="3,00", language="es").status_code == 200
    assert Payment.objects.get().amount == 3


def test_yen_amounts_are_whole_yen(
    client: Client, style: Style, prices: dict[str, Price], fake_stripe: FakeStripe
) -> None:
    order = make_ready_order(style, currency="JPY", language="en")
    refused = start_payment(client, order, amount="2500.50")
    assert refused.status_code == 400
    assert refused.json()["error"] == "Amounts in JPY are whole numbers."
    assert start_payment(client, order, amount="499").json()["error"] == "The minimum price is ¥500."
    accepted = start_payment(client, order, amount="2500")
    assert accepted.status_code == 200
    assert accepted.json()["amount"] == "¥2,500"
    assert fake_stripe.intent_calls()[-1].params["amount"] == "2500"  # zero-decimal: no ×100
    assert fake_stripe.intent_calls()[-1].params["currency"] == "jpy"


def test_an_order_in_a_currency_no_longer_offered_is_priced_in_the_default_currency(
    client: Client, style: Style, prices: dict[str, Price], settings: Settings, fake_stripe: FakeStripe
) -> None:
    settings.PAYMENTS_DEFAULT_CURRENCY = "USD"
    prices["GBP"].active = False
    prices["GBP"].save()
    order = make_ready_order(style, currency="GBP")
    page = client.get(f"/en/orders/{order.token}/buy/")
    assert b'data-currency="USD"' in page.content


def test_stripe_being_down_gets_a_clear_message_and_records_nothing(
    client: Client, order: Order, fake_stripe: FakeStripe
) -> None:
    fake_stripe.down = True
    response = start_payment(client, order)
    assert response.status_code == 503
    assert "payment provider" in response.json()["error"]
    assert Payment.objects.count() == 0


def test_an_order_still_painting_has_no_purchase_page(client: Client, order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(status=Order.Status.RENDERING)
    response = client.get(f"/en/orders/{order.token}/buy/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/orders/{order.token}/"


def test_a_paid_order_shows_the_thanks_page(client: Client, order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    response = client.get(f"/es/orders/{order.token}/buy/", follow=True)
    assert response.redirect_chain[-1][0] == f"/es/orders/{order.token}/buy/thanks/"
    assert "ana@example.com" in response.content.decode()


def test_the_return_page_says_the_payment_is_being_confirmed(client: Client, pending_payment: Payment) -> None:
    order = pending_payment.order
    page = client.get(f"/en/orders/{order.token}/buy/thanks/?redirect_status=succeeded&payment_intent=x")
    assert "We are confirming your payment of €14.00" in page.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PREVIEW_READY  # the return page only shows; the webhook decides


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The full-resolution file is 4000 × 3000 px, 33.9 × 25.4 cm / 13.3 × 10.0 in at 300 dpi."),
        ("es", "El archivo en alta resolución mide 4000 × 3000 px, 33,9 × 25,4 cm / 13,3 × 10,0 pulg. a 300 ppp."),
    ],
)
def test_the_purchase_page_states_the_hd_files_print_size(
    client: Client, order: Order, fake_stripe: FakeStripe, language: str, expected: str
) -> None:
    order.jobs.update(stats={"hd_size": [4000, 3000]})
    page = client.get(f"/{language}/orders/{order.token}/buy/")
    assert expected in page.content.decode()
