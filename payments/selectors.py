from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.http import HttpRequest

from orders.models import Order
from payments.geo import Locality, locality_for_request
from payments.models import Payment, Price
from payments.money import amount_step
from payments.providers import providers_moving_money


def offered_currencies() -> set[str]:
    return set(Price.objects.active().values_list("currency", flat=True))


def locality_for_new_order(request: HttpRequest) -> Locality:
    """Country and currency to store on an order placed with this request."""
    return locality_for_request(request, supported=offered_currencies())


def price_for_order(order: Order) -> Price | None:
    """The order's currency if staff still offer it, else the default currency; None if neither."""
    prices = {price.currency: price for price in Price.objects.active()}
    return prices.get(order.currency) or prices.get(settings.PAYMENTS_DEFAULT_CURRENCY)


def payment_latest(order: Order) -> Payment | None:
    return order.payments.order_by("-id").first()


def revenue_per_currency(*, since: datetime | None = None) -> list[dict[str, Any]]:
    """Money received per currency (Decimal, never mixed across currencies): gross, refunded, net.
    Demonstration payments moved no money and are left out."""
    payments = Payment.objects.filter(
        status__in=[Payment.Status.SUCCEEDED, Payment.Status.REFUNDED], provider__in=providers_moving_money()
    )
    if since is not None:
        payments = payments.filter(created_at__gte=since)
    rows = payments.values("currency").annotate(count=Count("id"), gross=Sum("amount"), refunded=Sum("amount_refunded"))
    result = []
    for row in rows.order_by("currency"):
        # SQLite's SUM drops trailing zeros (24.5): show every amount with the currency's minor units.
        unit = amount_step(row["currency"])
        gross, refunded = (row[k].quantize(unit) if row[k] is not None else Decimal(0) for k in ("gross", "refunded"))
        result.append(
            {
                "currency": row["currency"],
                "payments": row["count"],
                "gross": gross,
                "refunded": refunded,
                "net": gross - refunded,
            }
        )
    return result


def price_for_visitor(request: HttpRequest) -> Price | None:
    """The price a new order from this request would get (its locality's currency, else the default)."""
    prices = {price.currency: price for price in Price.objects.active()}
    currency = locality_for_request(request, supported=set(prices)).currency
    return prices.get(currency) or prices.get(settings.PAYMENTS_DEFAULT_CURRENCY)
