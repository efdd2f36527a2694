from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from orders.models import Order
from payments.geo import Locality, locality_for_request
from payments.models import Payment, Price


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
