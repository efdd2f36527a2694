"""The PaymentIntent request our code sends to Stripe, checked on the wire."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from orders.models import Order, OrderEvent
from payments.models import Payment
from payments.tests.conftest import start_payment

if TYPE_CHECKING:
    from django.test import Client

    from payments.tests.conftest import FakeStripe
    from styles.models import Style


pytestmark = pytest.mark.django_db


def test_the_intent_asks_for_the_amount_in_minor_units_with_the_orders_token(
    client: Client, order: Order, fake_stripe: FakeStripe
) -> None:
    response = start_payment(client, order, amount="12.50")
    assert response.status_code == 200
    (call,) = fake_stripe.intent_calls()
    assert (call.method, call.path) == ("POST", "/v1/payment_intents")
    assert call.params["amount"] == "1250"
    assert call.params["currency"] == "eur"
    assert call.params["metadata[order_token]"] == order.token
    assert call.params["metadata[order_id]"] == str(order.pk)
    assert call.params["automatic_payment_methods[enabled]"] == "true"
    assert call.headers["Idempotency-Key"].startswith(f"picmatix-order-{order.pk}-")
    assert call.headers["Idempotency-Key"].endswith("-1250-eur")
    assert order.token not in call.headers["Idempotency-Key"]
    # No card data ever passes through us: the browser gets only the client secret.
    payment = Payment.objects.get()
    assert response.json()["client_secret"] == fake_stripe.intents[payment.stripe_id]["client_secret"]
    assert (payment.amount, payment.currency, payment.status) == (12.5, "EUR", Payment.Status.PENDING)
    assert list(order.events.values_list("kind", flat=True)) == [OrderEvent.Kind.PAYMENT_STARTED]


def test_the_same_amount_again_reuses_the_intent_and_a_new_amount_makes_a_new_one(
    client: Client, order: Order, fake_stripe: FakeStripe
) -> None:
    first = start_payment(client, order, amount="14")
    again = start_payment(client, order, amount="14.00")  # a double click, or a reload
    other = start_payment(client, order, amount="20")
    keys = [call.headers["Idempotency-Key"] for call in fake_stripe.intent_calls()]
    assert keys[0] == keys[1] != keys[2]
    assert first.json()["client_secret"] == again.json()["client_secret"] != other.json()["client_secret"]
    assert Payment.objects.count() == 2
    assert Order.objects.get().events.filter(kind=OrderEvent.Kind.PAYMENT_STARTED).count() == 2


def test_two_orders_with_the_same_amount_get_different_keys(
    client: Client, order: Order, style: Style, fake_stripe: FakeStripe
) -> None:
    from payments.tests.conftest import make_ready_order

    start_payment(client, order)
    start_payment(client, make_ready_order(style))
    first, second = (call.headers["Idempotency-Key"] for call in fake_stripe.intent_calls())
    assert first != second
