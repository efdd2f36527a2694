"""Where a customer probably is, and so which currency to suggest: all offline.

Client IP (core/clientip.py, believing forwarding headers only from our own proxies) -> country
(iptocc, whose tables ship inside its wheel) -> currency (Babel's CLDR data: the first currency in
legal use there that staff have priced). Without a usable IP, the region of the browser's
Accept-Language (`es-MX` -> MX) decides; without that, the configured default.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import iptocc
from babel.numbers import get_territory_currencies
from django.conf import settings
from django.http import HttpRequest

from core.clientip import client_ip

_REGION = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Locality:
    country: str  # ISO 3166 alpha-2, or "" when unknown
    currency: str  # ISO 4217, always one staff have priced or the default


def country_for_ip(ip: str) -> str:
    """'81.2.69.142' -> 'GB'; private, reserved or unparsable addresses -> ''."""
    if not ip:
        return ""
    return iptocc.country_code(ip) or ""


def currency_for_country(country: str, supported: Collection[str]) -> str | None:
    if not country:
        return None
    try:
        currencies = get_territory_currencies(country.upper(), tender=True)
    except Exception:  # Babel raises assorted errors for codes it has no data for
        return None
    return next((currency for currency in currencies if currency in supported), None)


def accept_language_regions(header: str) -> list[str]:
    """'es-MX,es;q=0.9,en-US;q=0.8' -> ['MX', 'US'] (by preference, duplicates removed)."""
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        # The region is the two-letter subtag after the language (and any script): zh-Hant-TW -> TW.
        region = next((part for part in tag.lower().split("-")[1:] if _REGION.match(part)), None)
        if region and quality > 0:
            weighted.append((-quality, position, region.upper()))
    regions: list[str] = []
    for _quality, _position, region in sorted(weighted):
        if region not in regions:
            regions.append(region)
    return regions


def locality_for_request(request: HttpRequest, *, supported: Collection[str]) -> Locality:
    """Country and currency for a new order, from the request alone (no network)."""
    country = country_for_ip(client_ip(request))
    candidates = [country] if country else []
    candidates += accept_language_regions(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    for candidate in candidates:
        currency = currency_for_country(candidate, supported)
        if currency:
            return Locality(country=country or candidate, currency=currency)
    return Locality(country=country or next(iter(candidates), ""), currency=settings.PAYMENTS_DEFAULT_CURRENCY)
