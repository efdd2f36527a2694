from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.models import Price
from payments.money import MAX_MINOR_AMOUNT, MoneyError, amount_step, minor_digits, money_format, to_minor


class PurchaseForm(forms.Form):
    """Pay what you want: any amount from the minimum up, in the order's currency."""

    amount = forms.CharField(label=_("Your price"), max_length=20)

    def __init__(self, *args: Any, price: Price, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.price = price
        self.language = language
        self.fields["amount"].initial = price.suggested
        self.fields["amount"].widget = forms.NumberInput(
            attrs={"min": price.minimum, "step": amount_step(price.currency), "inputmode": "decimal"}
        )

    def clean_amount(self) -> Decimal:
        raw = self.cleaned_data["amount"].strip().replace("\u00a0", "").replace(" ", "")
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")  # "12,50" typed where the browser has no number input
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError(
                _("Please enter an amount, for example %(example)s."),
                code="invalid",
                params={"example": self.price.suggested},
            ) from None
        currency = self.price.currency
        if not amount.is_finite():
            raise forms.ValidationError(_("Please enter an amount."), code="invalid")
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
