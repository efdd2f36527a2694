from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import Price
from payments.money import (
    MAX_MINOR_AMOUNT,
    AmountTextError,
    MoneyError,
    amount_example,
    amount_parse,
    amount_step,
    minor_digits,
    money_format,
    to_minor,
)


class PurchaseForm(forms.Form):
    """Pay what you want: any amount from the minimum up, in the order's currency."""

    # No max_length: amount_parse bounds the text itself and answers with the customer's message.
    amount = forms.CharField(label=_("Your price"))

    def __init__(self, *args: Any, price: Price, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.price = price
        self.language = language
        # Written as the customer writes numbers (`14,00` in Spanish), in a text input: a number
        # input only holds `14.00`, so browsers blank a comma or refuse it as typed.
        self.fields["amount"].initial = amount_example(price.suggested, price.currency, language=language)
        self.fields["amount"].widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def clean_amount(self) -> Decimal:
        currency = self.price.currency
        try:
            amount = amount_parse(self.cleaned_data["amount"])
        except AmountTextError as error:
            if error.reason == "too_large":
                raise forms.ValidationError(_("That amount is too large to pay by card."), code="maximum") from None
            raise forms.ValidationError(
                _("Please enter an amount, for example %(example)s."),
                code="invalid",
                params={"example": amount_example(self.price.suggested, currency, language=self.language)},
            ) from None
        if amount < self.price.minimum:
            minimum = money_format(self.price.minimum, currency, language=self.language)
            raise forms.ValidationError(
                _("The minimum price is %(minimum)s."), code="minimum", params={"minimum": minimum}
            )
        try:
            minor = to_minor(amount, currency)
        except MoneyError:
            if minor_digits(currency) == 0:
                message = _("Amounts in %(currency)s are whole numbers.")
            else:
                message = _("Amounts in %(currency)s have at most two decimals.")
            raise forms.ValidationError(message, code="decimals", params={"currency": currency}) from None
        if minor > MAX_MINOR_AMOUNT:
            raise forms.ValidationError(_("That amount is too large to pay by card."), code="maximum")
        return amount.quantize(amount_step(currency))


class DemoCardForm(forms.Form):
    """The card of a demonstration payment (PICMATIX_PAYMENTS=demo): checked as Stripe's form checks
    it, then forgotten. Which numbers pay and which are declined is payments/providers/demo.py's business."""

    card_number = forms.CharField(label=_("Card number"), max_length=30)
    expiry = forms.CharField(label=_("Expiry (MM / YY)"), max_length=9)
    cvc = forms.CharField(label=_("CVC"), max_length=4, min_length=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attributes = {
            "card_number": {"autocomplete": "off", "inputmode": "numeric", "placeholder": "4242 4242 4242 4242"},
            "expiry": {"autocomplete": "off", "inputmode": "numeric", "placeholder": _("MM / YY")},
            "cvc": {"autocomplete": "off", "inputmode": "numeric", "placeholder": "123"},
        }
        for name, attrs in attributes.items():
            self.fields[name].widget.attrs.update(attrs)
        self.fields["cvc"].error_messages["min_length"] = _("Your card's security code is incomplete.")

    def clean_expiry(self) -> tuple[int, int]:
        match = re.fullmatch(r"\s*(\d{1,2})\s*/?\s*(\d{2}|\d{4})\s*", self.cleaned_data["expiry"])
        if not match or not 1 <= int(match[1]) <= 12:
            raise forms.ValidationError(_("Your card's expiration date is incomplete."), code="incomplete_expiry")
        month, year = int(match[1]), int(match[2])
        year = year + 2000 if year < 100 else year
        today = timezone.localdate()
        if year < today.year:
            raise forms.ValidationError(_("Your card's expiration year is in the past."), code="expiry_year_past")
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(_("Your card's expiration date is in the past."), code="expiry_month_past")
        return year, month

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not cvc.isascii() or not cvc.isdigit() or len(cvc) < 3:
            raise forms.ValidationError(_("Your card's security code is incomplete."), code="incomplete_cvc")
        return cvc
