"""The payment provider seam: the shop's provider is chosen once from settings, each provider describes
itself, and a payment is confirmed and refunded by the provider it was made with."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from orders.models import Order
from payments.models import Payment
from payments.providers import payment_provider, payment_provider_of, providers_moving_money
from payments.providers.demo import DemoProvider, payment_demo_charge
from payments.providers.stripe import StripeProvider
from payments.refunds import order_refund

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings

    from payments.tests.conftest import FakeStripe


pytestmark = pytest.mark.django_db

VISA = "4242424242424242"


def refund_calls(fake_stripe: FakeStripe) -> list[str]:
    return [call.path for call in fake_stripe.calls if call.path == "/v1/refunds"]


def test_the_shop_s_provider_follows_the_setting(settings: Settings) -> None:
    settings.PAYMENTS_PROVIDER = "stripe"
    assert isinstance(payment_provider(), StripeProvider)
    settings.PAYMENTS_PROVIDER = "demo"
    assert isinstance(payment_provider(), DemoProvider)
    settings.PAYMENTS_PROVIDER = "off"
    assert payment_provider() is None


def test_the_provider_is_chosen_once(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PAYMENTS_PROVIDER = "demo"
    chosen = payment_provider()
    # Behind Django's back (no setting_changed signal), as nothing but a test changes settings.
    monkeypatch.setattr(django_settings, "PAYMENTS_PROVIDER", "stripe")
    assert payment_provider() is chosen


def test_stripe_describes_itself_as_moving_real_money() -> None:
    description = StripeProvider().describe()
    assert (description.name, description.label, description.moves_money) == ("stripe", "Stripe", True)


def test_the_demonstration_provider_says_no_money_moves_in_the_customer_s_language() -> None:
    with translation.override("es"):
        description = DemoProvider().describe()
    assert (description.name, description.label, description.moves_money) == (
        "demo",
        "Demostración (sin dinero)",
        False,
    )


def test_only_stripe_s_payments_count_as_money_received() -> None:
    assert providers_moving_money() == ["stripe"]


def test_each_payment_keeps_the_provider_it_was_made_with(order: Order, settings: Settings) -> None:
    settings.PAYMENTS_PROVIDER = "demo"
    charge = payment_demo_charge(order=order, amount=Decimal("14.00"), currency="EUR", card_number=VISA)
    assert charge.payment is not None
    settings.PAYMENTS_PROVIDER = "stripe"
    assert isinstance(payment_provider_of(charge.payment), DemoProvider)


def test_a_demonstration_payment_is_refunded_without_asking_stripe_even_once_the_shop_uses_stripe(
    order: Order, fake_stripe: FakeStripe, eager_tasks: None
) -> None:
    payment_demo_charge(order=order, amount=Decimal("14.00"), currency="EUR", card_number=VISA)
    [refunded] = order_refund(order_id=order.pk, actor="staff:ana")
    assert (refunded.status, refunded.amount_refunded) == (Payment.Status.REFUNDED, Decimal("14.00"))
    assert refund_calls(fake_stripe) == []


def test_a_stripe_payment_is_refunded_through_stripe(pending_payment: Payment, fake_stripe: FakeStripe) -> None:
    fake_stripe.succeed(pending_payment.stripe_id)
    StripeProvider().confirm(reference=pending_payment.stripe_id, actor="test")
    pending_payment.refresh_from_db()
    refunded = StripeProvider().refund(payment=pending_payment, actor="staff:ana")
    assert (refunded.status, refunded.amount_refunded) == (Payment.Status.REFUNDED, Decimal("14.00"))
    assert refund_calls(fake_stripe) == ["/v1/refunds"]


def test_stripe_confirms_what_stripe_reports(pending_payment: Payment, fake_stripe: FakeStripe) -> None:
    fake_stripe.succeed(pending_payment.stripe_id)
    confirmation = StripeProvider().confirm(reference=pending_payment.stripe_id, actor="test")
    assert confirmation.payment is not None
    assert confirmation.payment.status == Payment.Status.SUCCEEDED


def test_stripe_never_takes_a_card_number_from_the_shop(pending_payment: Payment, fake_stripe: FakeStripe) -> None:
    with pytest.raises(ValueError, match="never through the shop"):
        StripeProvider().confirm(reference=pending_payment.stripe_id, actor="test", card_number=VISA)


def test_the_demonstration_provider_starts_one_payment_per_amount(order: Order) -> None:
    provider = DemoProvider()
    first = provider.start(order=order, amount=Decimal("14.00"), currency="EUR")
    again = provider.start(order=order, amount=Decimal("14.00"), currency="EUR")
    assert again.payment.pk == first.payment.pk
    assert first.client_secret == ""


def test_the_demonstration_provider_confirms_only_its_own_payments(pending_payment: Payment) -> None:
    confirmation = DemoProvider().confirm(reference=pending_payment.stripe_id, actor="demo", card_number=VISA)
    assert confirmation.payment is None


def test_a_declined_test_card_leaves_the_demonstration_payment_failed(order: Order) -> None:
    charge = payment_demo_charge(order=order, amount=Decimal("14.00"), currency="EUR", card_number="4000000000000002")
    assert charge.decline is not None
    assert charge.payment is not None
    assert charge.payment.status == Payment.Status.FAILED
