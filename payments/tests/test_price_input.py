"""Whatever a customer (or a script) types as their price is bounded before any arithmetic: each
input gets a translated message or the amount they meant, quickly. `1E+999997` once built a
million-digit integer before the maximum was checked (seconds to minutes of one web worker)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from payments.forms import PurchaseForm
from payments.models import Payment
from payments.money import MoneyError, to_minor
from payments.tests.conftest import start_payment

if TYPE_CHECKING:
    from django.test import Client

    from orders.models import Order
    from payments.models import Price
    from payments.tests.conftest import FakeStripe


pytestmark = pytest.mark.django_db

INVALID = {"en": "Please enter an amount, for example 14.00.", "es": "Escribe un importe, por ejemplo 14,00."}
MINIMUM = {"en": "The minimum price is €3.00.", "es": "El precio mínimo es 3,00\xa0€."}
TOO_LARGE = {
    "en": "That amount is too large to pay by card.",
    "es": "Ese importe es demasiado alto para pagarlo con tarjeta.",
}

# What was typed -> the message it gets, or the amount charged (Decimal). The order is in EUR.
INPUTS: dict[str, Decimal | dict[str, str]] = {
    "1E+999997": INVALID,  # exponents: nobody types them, and they are where the cost hides
    "1e-999999": INVALID,
    "1e3": INVALID,
    "NaN": INVALID,
    "Infinity": INVALID,
    "-0": MINIMUM,
    "-5": MINIMUM,
    "١٢٫٥٠": Decimal("12.50"),  # Arabic-Indic digits and decimal separator
    "12,50": Decimal("12.50"),  # a decimal comma, whatever the page's language
    " 12.50 ": Decimal("12.50"),
    "\u00a012.50\u202f": Decimal("12.50"),  # no-break spaces pasted from a formatted price
    "0x10": INVALID,
    "1,234.50": INVALID,  # two different separators: we cannot tell which one is the decimal
    "9" * 10_000: TOO_LARGE,  # 10 kB of digits
    "1" + "0" * 30: TOO_LARGE,
    "0" * 40 + "12.50": INVALID,  # longer than any price, even if it only pads one
    "12.505": {
        "en": "Amounts in EUR have at most two decimals.",
        "es": "Los importes en EUR tienen como mucho dos decimales.",
    },
}
CASES = [(typed, language) for typed in INPUTS for language in ("en", "es")]


def _id(typed: str) -> str:
    return typed if len(typed) < 20 else f"{typed[:6]}…({len(typed)} chars)"


@pytest.mark.parametrize(("typed", "language"), CASES, ids=[f"{_id(t)}-{lang}" for t, lang in CASES])
def test_every_typed_price_gets_a_translated_answer_or_its_amount_within_50_ms(
    client: Client, order: Order, prices: dict[str, Price], fake_stripe: FakeStripe, typed: str, language: str
) -> None:
    start_payment(client, order, amount="abc", language=language)  # warm: URLs, translations, templates
    expected = INPUTS[typed]

    started = time.perf_counter()
    form = PurchaseForm({"amount": typed}, price=prices["EUR"], language=language)
    form.is_valid()
    checked = time.perf_counter() - started
    started = time.perf_counter()
    response = start_payment(client, order, amount=typed, language=language)
    answered = time.perf_counter() - started

    assert checked < 0.050, f"the form took {checked * 1000:.1f} ms"
    if isinstance(expected, Decimal):
        # The whole request also creates the payment (database, Stripe's client): only the check is timed.
        assert response.status_code == 200, response.content
        assert form.cleaned_data["amount"] == Payment.objects.get().amount == expected
        assert fake_stripe.intent_calls()[-1].params["amount"] == str(int(expected * 100))
    else:
        assert answered < 0.050, f"the refusal took {answered * 1000:.1f} ms"
        assert response.status_code == 400
        assert response.json()["error"] == expected[language]
        assert Payment.objects.count() == 0
        assert fake_stripe.intent_calls() == []


@pytest.mark.parametrize("amount", ["1E+999997", "-1E+999997", "1E-999999", "NaN", "Infinity"])
def test_minor_units_refuse_huge_exponents_before_computing_anything(amount: str) -> None:
    started = time.perf_counter()
    with pytest.raises(MoneyError):
        to_minor(Decimal(amount), "EUR")
    assert time.perf_counter() - started < 0.005
