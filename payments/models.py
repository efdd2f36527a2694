from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from payments.money import MINOR_UNITS, MoneyError, to_minor

CURRENCY_CHOICES = [(code, code) for code in sorted(MINOR_UNITS)]


class PriceQuerySet(models.QuerySet["Price"]):
    def active(self) -> PriceQuerySet:
        return self.filter(active=True)


class Price(models.Model):
    """What staff suggest, and the least they accept, for one painting in one currency."""

    currency = models.CharField(_("currency"), max_length=3, unique=True, choices=CURRENCY_CHOICES)
    suggested = models.DecimalField(_("suggested price"), max_digits=12, decimal_places=2)
    minimum = models.DecimalField(_("minimum price"), max_digits=12, decimal_places=2)
    active = models.BooleanField(_("offered"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PriceQuerySet.as_manager()

    class Meta:
        ordering = ("currency",)
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return f"{self.suggested} {self.currency} (min. {self.minimum})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("suggested", "minimum"):
            value: Decimal | None = getattr(self, name)
            if value is None or self.currency not in MINOR_UNITS:
                continue
            if value <= 0:
                errors.setdefault(name, []).append(gettext("The amount must be more than zero."))
                continue
            try:
                to_minor(value, self.currency)
            except MoneyError:
                errors.setdefault(name, []).append(gettext("This currency has no such small units."))
        if self.minimum and self.suggested and self.minimum > self.suggested:
            errors.setdefault("minimum", []).append(gettext("The minimum cannot be above the suggested price."))
        if errors:
            raise ValidationError(errors)


class Payment(models.Model):
    """One Stripe PaymentIntent for an order, as we asked for it and as Stripe last reported it.

    An order can have several (a customer changes the amount, or pays in two tabs); the order's own
    status says whether it has been paid and delivered. A demonstration payment (PICMATIX_PAYMENTS=demo,
    payments/providers/demo.py) is a row like the others with provider "demo": no money moved, and revenue
    figures leave it out.
    """

    class Provider(models.TextChoices):
        STRIPE = "stripe", _("Stripe")
        DEMO = "demo", _("Demonstration (no money)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order"))
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices, default=Provider.STRIPE)
    # The PaymentIntent's id; for a demonstration payment an id of our own that starts with "demo_".
    stripe_id = models.CharField(_("Stripe PaymentIntent"), max_length=255, unique=True)
    # Two decimal places hold every currency in the table (none has three).
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    amount_refunded = models.DecimalField(_("refunded"), default=Decimal(0), max_digits=12, decimal_places=2)
    # Why staff must look at this payment (amount or currency not what we asked, paid twice...);
    # a flagged payment never delivers anything.
    flag = models.CharField(_("needs attention"), max_length=300, blank=True)
    livemode = models.BooleanField(_("Stripe live mode (real money)"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    checked_at = models.DateTimeField(_("last asked Stripe"), null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=("status", "created_at"))]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.amount} {self.currency} ({self.status})"
