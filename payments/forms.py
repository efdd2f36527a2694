from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
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
        self.fields["amount"].initial = price.suggested
        self.fields["amount"].widget = forms.NumberInput(
            attrs={"min": price.minimum, "step": amount_step(price.currency), "inputmode": "decimal"}
        )

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
