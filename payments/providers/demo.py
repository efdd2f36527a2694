"""The demonstration provider (PICMATIX_PAYMENTS=demo): the whole checkout on one machine, no money moves.

A payment provider inside the shop, in the spirit of Saleor's dummy gateway and pretix's test mode.
It takes Stripe's test card numbers and answers as Stripe would: 4242 4242 4242 4242 (and Stripe's
other documented success numbers) pays, Stripe's documented decline numbers are declined with
Stripe's own wording. Any other number is declined too: a demonstration page must not invite anyone
to type a real card, and Stripe's test mode refuses real cards the same way.

The outcome is reported as the PaymentIntent Stripe would return, and `payment_apply` applies it
(payments/providers/base.py):
the same guarded path as a Stripe webhook, so the order is paid and the HD email queued exactly once.
Card numbers are never stored or logged (the view hides them from error reports too).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orders.events import order_event
from orders.models import Order, OrderEvent
from payments import stripe_api
from payments.models import Payment
from payments.money import to_minor
from payments.providers.base import Confirmation, Decline, PaymentProvider, PaymentStart
from payments.services import payment_apply, payment_idempotency_key

DEMO_ID_PREFIX = "demo_"
DEMO_ACTOR = "demo"

# Stripe's documented test cards that succeed (https://docs.stripe.com/testing#cards).
SUCCESS_NUMBERS = frozenset(
    {
        "4242424242424242",  # Visa
        "4000056655665556",  # Visa (debit)
        "5555555555554444",  # Mastercard
        "2223003122003222",  # Mastercard (2-series)
        "378282246310005",  # American Express
        "6011111111111117",  # Discover
    }
)


DECLINED = _("Your card was declined.")

# Stripe's documented decline test cards (https://docs.stripe.com/testing#declined-payments).
DECLINES: dict[str, Decline] = {
    "4000000000000002": Decline("generic_decline", DECLINED),
    "4000000000009995": Decline("insufficient_funds", _("Your card has insufficient funds.")),
    "4000000000009987": Decline("lost_card", DECLINED),
    "4000000000009979": Decline("stolen_card", DECLINED),
    "4000000000000069": Decline("expired_card", _("Your card has expired.")),
    "4000000000000127": Decline("incorrect_cvc", _("Your card's security code is incorrect.")),
    "4000000000000119": Decline(
        "processing_error", _("An error occurred while processing your card. Try again in a little bit.")
    ),
}
INCORRECT_NUMBER = Decline("incorrect_number", _("Your card number is incorrect."))
NOT_A_TEST_CARD = Decline(
    "test_mode_live_card",
    _("Your card was declined. This is a demonstration shop: use a test card such as 4242 4242 4242 4242."),
)


def demo_test_cards() -> list[tuple[str, str, Promise]]:
    """What the demonstration page lists: number as printed, Stripe's code, what the customer sees."""
    cards: list[tuple[str, str, Promise]] = [("4242 4242 4242 4242", "succeeded", _("The payment goes through."))]
    for number in ("4000000000000002", "4000000000009995", "4000000000009987", "4000000000000069", "4000000000000127"):
        decline = DECLINES[number]
        cards.append((" ".join(number[i : i + 4] for i in range(0, 16, 4)), decline.code, decline.message))
    return cards


def card_number_digits(raw: str) -> str:
    """The digits of a card number as people type it (spaces, dashes); '' if anything else is there."""
    digits = raw.replace(" ", "").replace("-", "").replace("\u00a0", "")
    return digits if digits.isascii() and digits.isdigit() else ""


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def demo_card_decline(raw_number: str) -> Decline | None:
    """None when the card pays, else why it is declined."""
    digits = card_number_digits(raw_number)
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        return INCORRECT_NUMBER
    if digits in SUCCESS_NUMBERS:
        return None
    return DECLINES.get(digits, NOT_A_TEST_CARD)


def _intent_id(*, order: Order, amount: Decimal, currency: str) -> str:
    # Like Stripe's idempotency key: a double click, or a second try after a decline with the same
    # amount, reaches the same payment, as it reaches the same PaymentIntent at Stripe.
    return DEMO_ID_PREFIX + payment_idempotency_key(order=order, amount=amount, currency=currency)


def _intent(payment: Payment, *, status: str, failure: str = "", refunded: bool = False) -> stripe_api.Intent:
    """The PaymentIntent Stripe would report for this payment."""
    minor = to_minor(payment.amount, payment.currency)
    return stripe_api.Intent(
        id=payment.stripe_id,
        status=status,
        amount=minor,
        currency=payment.currency,
        livemode=False,
        metadata={"order_token": payment.order.token, "order_id": str(payment.order_id)},
        amount_refunded=minor if refunded else 0,
        refunded=refunded,
        failure=failure,
    )


class DemoProvider(PaymentProvider):
    name = Payment.Provider.DEMO.value
    moves_money = False

    def start(self, *, order: Order, amount: Decimal, currency: str) -> PaymentStart:
        intent_id = _intent_id(order=order, amount=amount, currency=currency)
        with transaction.atomic():
            payment, created = Payment.objects.get_or_create(
                stripe_id=intent_id,
                defaults={
                    "order": order,
                    "amount": amount,
                    "currency": currency,
                    "livemode": False,
                    "provider": self.name,
                },
            )
            if created:
                order_event(
                    order=order,
                    kind=OrderEvent.Kind.PAYMENT_STARTED,
                    actor="customer",
                    payment=intent_id,
                    amount=str(amount),
                    currency=currency,
                    provider=self.name,
                )
        return PaymentStart(payment=payment)

    def confirm(self, *, reference: str, actor: str, card_number: str = "") -> Confirmation:
        """Charge the test card: it pays, or is declined as Stripe would decline it."""
        payment = Payment.objects.select_related("order").filter(stripe_id=reference, provider=self.name).first()
        if payment is None:
            return Confirmation(payment=None)
        decline = demo_card_decline(card_number)
        failure = ""
        if decline is not None:
            with translation.override("en"):
                failure = f"{decline.code}: {decline.message}"  # for staff, in the order's history
        status = "requires_payment_method" if decline else "succeeded"
        applied = payment_apply(intent=_intent(payment, status=status, failure=failure), actor=actor)
        return Confirmation(payment=applied, decline=decline)

    def refund(self, *, payment: Payment, actor: str) -> Payment:
        """Refund in full: reported as Stripe reports a refunded charge."""
        order_event(
            order=payment.order_id,
            kind=OrderEvent.Kind.REFUND_CREATED,
            actor=actor,
            payment=payment.stripe_id,
            provider=self.name,
        )
        refunded = payment_apply(intent=_intent(payment, status="succeeded", refunded=True), actor=actor)
        return refunded or payment


def payment_demo_charge(*, order: Order, amount: Decimal, currency: str, card_number: str) -> Confirmation:
    """The demonstration checkout: record the payment and charge the test card at once."""
    provider = DemoProvider()
    started = provider.start(order=order, amount=amount, currency=currency)
    return provider.confirm(reference=started.payment.stripe_id, actor=DEMO_ACTOR, card_number=card_number)
