"""Demonstration payments (PICMATIX_PAYMENTS=demo): the whole checkout on one machine, no money moves,
and the order is paid and delivered through the same guarded path as a Stripe payment."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from orders.models import Order, OrderEvent
from payments.models import Payment
from payments.providers.demo import DECLINES, demo_card_decline, payment_demo_charge
from payments.providers.stripe import payments_due_for_check
from payments.refunds import order_refund
from payments.selectors import revenue_per_currency
from payments.tests.conftest import HD_BYTES, make_ready_order

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

    from payments.models import Price
    from payments.tests.conftest import FakeStripe
    from styles.models import Style


pytestmark = pytest.mark.django_db

CARD = {"expiry": "12 / 39", "cvc": "123"}


@pytest.fixture
def demo(settings: Settings) -> None:
    settings.PAYMENTS_PROVIDER = "demo"


def pay(
    client: Client, order: Order, number: str, *, amount: str = "14.00", language: str = "en", **card: str
) -> _MonkeyPatchedWSGIResponse:
    data = {"amount": amount, "card_number": number, **CARD, **card}
    return client.post(f"/{language}/orders/{order.token}/buy/", data)


def test_the_buy_page_says_plainly_that_no_money_moves(client: Client, order: Order, demo: None) -> None:
    for language in ("en", "es"):
        page = client.get(f"/{language}/orders/{order.token}/buy/")
        html = page.content.decode()
        assert page.status_code == 200
        with translation.override(language):
            assert translation.gettext("This is a demonstration shop: no money moves.") in html
        assert 'id="demo-form"' in html
        assert 'name="card_number"' in html
        assert 'name="amount"' in html
        assert "4242 4242 4242 4242" in html
        assert "4000 0000 0000 9995" in html
        assert "js.stripe.com" not in html  # nothing is loaded from Stripe
    assert "Esta es una tienda de demostración: no se mueve dinero." in html


def test_a_test_card_pays_the_order_sends_the_hd_email_once_and_the_link_downloads(
    client: Client,
    order: Order,
    demo: None,
    eager_tasks: None,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.SITE_URL = "http://testserver"
    with django_capture_on_commit_callbacks(execute=True):
        response = pay(client, order, "4242 4242 4242 4242", amount="9.50")
    assert response.status_code == 303
    assert response["Location"] == f"/en/orders/{order.token}/buy/thanks/"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.paid_at is not None
    payment = Payment.objects.get()
    assert (payment.provider, payment.status, payment.amount, payment.currency) == (
        "demo",
        "succeeded",
        Decimal("9.50"),
        "EUR",
    )
    assert payment.stripe_id.startswith("demo_")
    assert not payment.livemode
    assert payment.flag == ""
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == [
        OrderEvent.Kind.PAYMENT_STARTED,
        OrderEvent.Kind.PAYMENT_SUCCEEDED,
        OrderEvent.Kind.ORDER_PAID,
        OrderEvent.Kind.HD_EMAIL_SENT,
    ]

    with django_capture_on_commit_callbacks(execute=True):
        pay(client, order, "4242424242424242", amount="9.50")  # a double click: the same payment again
    assert Payment.objects.count() == 1
    assert len(mail.outbox) == 1
    assert order.events.filter(kind=OrderEvent.Kind.ORDER_PAID).count() == 1

    thanks = client.get(response["Location"]).content.decode()
    assert "This was a demonstration payment: no money moved." in thanks
    link = re.search(r"http://testserver(/en/orders/\S+/hd/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    download = client.get(link[1])
    assert download.status_code == 200
    assert download.getvalue() == HD_BYTES


@pytest.mark.parametrize(
    ("number", "english", "spanish"),
    [
        ("4000 0000 0000 0002", "Your card was declined.", "Tu tarjeta ha sido rechazada."),
        ("4000 0000 0000 9995", "Your card has insufficient funds.", "Tu tarjeta no tiene fondos suficientes."),
        ("4000 0000 0000 9987", "Your card was declined.", "Tu tarjeta ha sido rechazada."),
        ("4000 0000 0000 0069", "Your card has expired.", "Tu tarjeta ha caducado."),
        (
            "4000 0000 0000 0127",
            "Your card's security code is incorrect.",
            "El código de seguridad de tu tarjeta es incorrecto.",
        ),
    ],
)
def test_stripes_decline_numbers_are_declined_with_stripes_words_and_the_order_stays_unpaid(
    client: Client,
    order: Order,
    demo: None,
    eager_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    number: str,
    english: str,
    spanish: str,
) -> None:
    for language, message in (("en", english), ("es", spanish)):
        with django_capture_on_commit_callbacks(execute=True):
            page = pay(client, order, number, language=language)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="id_card_number_error"' in html
        assert message.replace("'", "&#x27;") in html
    order.refresh_from_db()
    assert order.status == Order.Status.PREVIEW_READY
    assert order.paid_at is None
    payment = Payment.objects.get()
    assert (payment.provider, payment.status) == ("demo", "failed")
    failed = order.events.get(kind=OrderEvent.Kind.PAYMENT_FAILED)
    assert failed.data["reason"] == f"{DECLINES[number.replace(' ', '')].code}: {english}"
    assert mail.outbox == []


def test_a_declined_card_then_a_good_one_pays_once(
    client: Client,
    order: Order,
    demo: None,
    eager_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        pay(client, order, "4000000000009995")
        assert pay(client, order, "4242424242424242").status_code == 303
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert list(Payment.objects.values_list("status", flat=True)) == ["succeeded"]
    assert len(mail.outbox) == 1


def test_charging_the_same_amount_twice_reaches_the_same_payment(order: Order, demo: None, eager_tasks: None) -> None:
    first = payment_demo_charge(order=order, amount=Decimal("14.00"), currency="EUR", card_number="4242424242424242")
    again = payment_demo_charge(order=order, amount=Decimal("14.00"), currency="EUR", card_number="4242424242424242")
    assert first.payment.pk == again.payment.pk
    assert again.decline is None
    assert not again.payment.flag
    assert order.events.filter(kind=OrderEvent.Kind.ORDER_PAID).count() == 1
    other = payment_demo_charge(order=order, amount=Decimal("20.00"), currency="EUR", card_number="4242424242424242")
    # Paid twice (two tabs, two amounts): flagged for staff as a Stripe payment would be.
    assert other.payment.pk != first.payment.pk
    assert other.payment.flag.startswith("paid while the order was paid")


def test_other_card_numbers_are_refused(client: Client, order: Order, demo: None) -> None:
    wrong = pay(client, order, "4242 4242 4242 4241").content.decode()  # fails the Luhn check
    assert "Your card number is incorrect." in wrong
    real = pay(client, order, "4111 1111 1111 1111").content.decode()  # well formed, not a test card
    assert "This is a demonstration shop: use a test card such as 4242 4242 4242 4242." in real
    assert demo_card_decline("4242-4242-4242-4242") is None
    assert demo_card_decline("４２４２４２４２４２４２４２４２") is not None  # only ASCII digits
    order.refresh_from_db()
    assert order.status == Order.Status.PREVIEW_READY


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ({"expiry": "13/30"}, "Your card&#x27;s expiration date is incomplete."),
        ({"expiry": "01/20"}, "Your card&#x27;s expiration year is in the past."),
        ({"cvc": "12"}, "Your card&#x27;s security code is incomplete."),
        ({"cvc": "abc"}, "Your card&#x27;s security code is incomplete."),
    ],
)
def test_an_incomplete_card_is_refused_before_any_payment(
    client: Client, order: Order, demo: None, card: dict[str, Any], message: str
) -> None:
    page = pay(client, order, "4242424242424242", **card)
    assert message in page.content.decode()
    assert Payment.objects.count() == 0


def test_the_amount_is_checked_as_for_stripe(client: Client, order: Order, demo: None) -> None:
    page = pay(client, order, "4242424242424242", amount="2.99", language="es")
    assert "El precio mínimo es 3,00\xa0€." in page.content.decode()
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(("language", "shown"), [("en", "14.00"), ("es", "14,00")])
def test_the_amount_is_shown_as_the_customer_writes_numbers(
    client: Client, order: Order, demo: None, language: str, shown: str
) -> None:
    html = client.get(f"/{language}/orders/{order.token}/buy/").content.decode()
    amount = re.search(r'<input [^>]*name="amount"[^>]*>', html)
    assert amount, html
    assert f'value="{shown}"' in amount[0]
    # A number input only holds `14.00`: a browser would blank `14,00`, or refuse the comma typed.
    assert 'type="number"' not in amount[0]
    assert 'inputmode="decimal"' in amount[0]


@pytest.mark.parametrize("typed", ["14,50", "14.50"])
def test_a_spanish_customer_pays_with_a_decimal_comma_or_point(
    client: Client,
    order: Order,
    demo: None,
    eager_tasks: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    typed: str,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = pay(client, order, "4242 4242 4242 4242", amount=typed, language="es")
    assert response.status_code == 303
    assert Payment.objects.get().amount == Decimal("14.50")


def test_a_mistyped_amount_is_explained_in_the_customers_language(client: Client, order: Order, demo: None) -> None:
    spanish = pay(client, order, "4242424242424242", amount="14,5,0", language="es").content.decode()
    assert "Escribe un importe, por ejemplo 14,00." in spanish
    english = pay(client, order, "4242424242424242", amount="14,5,0").content.decode()
    assert "Please enter an amount, for example 14.00." in english
    assert Payment.objects.count() == 0


def test_revenue_and_payment_recovery_leave_demo_payments_out(
    order: Order, demo: None, prices: dict[str, Price], style: Style
) -> None:
    payment_demo_charge(order=order, amount=Decimal("14.00"), currency="EUR", card_number="4242424242424242")
    declined = make_ready_order(style)
    payment_demo_charge(order=declined, amount=Decimal("14.00"), currency="EUR", card_number="4000000000000002")
    # Old enough for a Stripe payment to be looked up again, were it one.
    Payment.objects.update(created_at=timezone.now() - timedelta(hours=1), checked_at=None)
    Payment.objects.filter(status="failed").update(provider="stripe")
    assert payments_due_for_check() == [declined.payments.get().stripe_id]  # the check itself works
    Payment.objects.update(provider="demo")
    assert payments_due_for_check() == []
    assert revenue_per_currency() == []


def test_staff_refund_a_demo_payment_without_asking_stripe(order: Order, demo: None, eager_tasks: None) -> None:
    payment_demo_charge(order=order, amount=Decimal("14.00"), currency="EUR", card_number="4242424242424242")
    [refunded] = order_refund(order_id=order.pk, actor="staff:ana")
    assert (refunded.status, refunded.amount_refunded) == ("refunded", Decimal("14.00"))
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED


def test_with_stripe_as_the_provider_the_buy_page_uses_stripe(
    client: Client, order: Order, fake_stripe: FakeStripe
) -> None:
    page = client.get(f"/en/orders/{order.token}/buy/").content.decode()
    assert "js.stripe.com" in page
    assert 'id="demo-form"' not in page
    response = client.post(f"/en/orders/{order.token}/buy/", {"amount": "14.00"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["client_secret"].startswith("pi_fake")
    assert Payment.objects.get().provider == "stripe"
