"""The payment providers, and which one the shop uses.

`base.py` is the interface (start a payment, confirm it, refund it, describe itself), `stripe.py`
and `demo.py` its two implementations. The shop's provider is chosen once, from
settings.PAYMENTS_PROVIDER (PICMATIX_PAYMENTS); a payment already made keeps the provider it was
made with, so refunding a demonstration payment never reaches Stripe whatever the shop uses now.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from payments.models import Payment
from payments.providers.base import (
    Confirmation,
    Decline,
    PaymentProvider,
    PaymentStart,
    PaymentUnavailable,
    ProviderDescription,
)
from payments.providers.demo import DemoProvider
from payments.providers.stripe import StripeProvider

__all__ = [
    "PAYMENTS_OFF",
    "Confirmation",
    "Decline",
    "PaymentProvider",
    "PaymentStart",
    "PaymentUnavailable",
    "ProviderDescription",
    "payment_provider",
    "payment_provider_of",
    "providers_moving_money",
]

PAYMENTS_OFF = "off"  # PICMATIX_PAYMENTS=off: customers see their preview and cannot buy
PROVIDERS: dict[str, type[PaymentProvider]] = {provider.name: provider for provider in (StripeProvider, DemoProvider)}


@cache
def payment_provider() -> PaymentProvider | None:
    """The shop's provider for new payments; None when payments are off."""
    name = settings.PAYMENTS_PROVIDER
    return None if name == PAYMENTS_OFF else PROVIDERS[name]()


@receiver(setting_changed)
def _provider_forget(*, setting: str, **kwargs: Any) -> None:
    # Settings are read once per process; only a test (override_settings) changes them afterwards.
    if setting == "PAYMENTS_PROVIDER":
        payment_provider.cache_clear()


def payment_provider_of(payment: Payment) -> PaymentProvider:
    """The provider this payment was made with, whichever the shop uses now."""
    return PROVIDERS[payment.provider]()


def providers_moving_money() -> list[str]:
    """The providers whose payments are money received (revenue leaves the others out)."""
    return [name for name, provider in PROVIDERS.items() if provider.moves_money]
