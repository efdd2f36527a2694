"""What the shop asks of a payment provider: start a payment, confirm it, refund it, describe itself.

Every provider reports what happened as the PaymentIntent Stripe would return and hands it to
`payments.services.payment_apply`, so an order is paid, delivered and refunded through one guarded
path whoever moved the money (or moved none).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from django.utils.functional import Promise

from orders.models import Order
from payments.models import Payment


class PaymentUnavailable(Exception):
    """The provider could not be reached or refused the request; the customer may try again later."""


@dataclass(frozen=True)
class Decline:
    """Why a card was declined: the provider's code and what the customer reads (translated when shown)."""

    code: str  # Stripe's decline_code (or error code)
    message: Promise


@dataclass(frozen=True)
class ProviderDescription:
    name: str  # as each payment records it (Payment.provider)
    label: str  # what staff and customers read, in the active language
    moves_money: bool  # False: payments count nowhere as revenue, and the shop says so


@dataclass(frozen=True)
class PaymentStart:
    payment: Payment
    client_secret: str = ""  # what the customer's browser needs to pay (Stripe's Payment Element)


@dataclass(frozen=True)
class Confirmation:
    payment: Payment | None  # None: the provider names a payment that is not this shop's
    decline: Decline | None = None  # when the card given to `confirm` was declined


class PaymentProvider(ABC):
    name: ClassVar[str]  # one of Payment.Provider
    moves_money: ClassVar[bool]

    def describe(self) -> ProviderDescription:
        return ProviderDescription(
            name=self.name, label=str(Payment.Provider(self.name).label), moves_money=self.moves_money
        )

    @abstractmethod
    def start(self, *, order: Order, amount: Decimal, currency: str) -> PaymentStart:
        """Record a payment of `amount` for the order; the same amount again finds the same payment.
        Raises PaymentUnavailable. Call outside transactions."""

    @abstractmethod
    def confirm(self, *, reference: str, actor: str, card_number: str = "") -> Confirmation:
        """Learn how the payment `reference` (Payment.stripe_id) stands and apply it to our rows.
        `card_number` is for a provider that takes the card in the shop; others refuse one."""

    @abstractmethod
    def refund(self, *, payment: Payment, actor: str) -> Payment:
        """Give back what is left of a succeeded payment (payments.refunds checks that first)."""
