"""IP -> country -> currency, offline; the browser's region and the default as fallbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import RequestFactory

from conftest import jpeg_bytes
from core.clientip import client_ip
from orders.models import Order
from payments.geo import accept_language_regions, country_for_ip, currency_for_country
from payments.selectors import locality_for_new_order

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings
    from pytest_mock import MockerFixture

    from payments.models import Price
    from styles.models import Style


pytestmark = pytest.mark.django_db

# Public addresses of well-known allocations, as iptocc's bundled registry data places them.
ADDRESSES = [
    ("8.8.8.8", "US", "USD"),  # Google Public DNS
    ("2001:4860:4860::8888", "US", "USD"),  # the same, over IPv6
    ("81.2.69.142", "GB", "GBP"),  # a UK allocation (MaxMind's test address)
    ("80.58.61.250", "ES", "EUR"),  # Telefónica España's DNS
    ("82.165.0.1", "DE", "EUR"),  # IONOS, Germany
    ("133.11.0.1", "JP", "JPY"),  # the University of Tokyo
    ("200.33.146.1", "MX", "MXN"),  # a Mexican allocation
    ("210.89.164.90", "KR", "KRW"),  # a Korean allocation
]


def request(remote: str = "127.0.0.1", **headers: str) -> Any:
    return RequestFactory().get("/en/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(("ip", "country", "currency"), ADDRESSES)
def test_ips_of_several_countries_get_their_currency(
    prices: dict[str, Price], ip: Any, country: Any, currency: Any
) -> None:
    assert country_for_ip(ip) == country
    locality = locality_for_new_order(request(ip))
    assert (locality.country, locality.currency) == (country, currency)


@pytest.mark.parametrize("ip", ["127.0.0.1", "10.1.2.3", "192.168.0.7", "::1", "not-an-ip", ""])
def test_private_and_broken_addresses_have_no_country(ip: str) -> None:
    assert country_for_ip(ip) == ""


def test_a_country_whose_currency_is_not_priced_falls_back_to_the_browsers_region(prices: dict[str, Price]) -> None:
    # 194.100.0.1 is in Finland (EUR); with EUR not offered, es-MX in Accept-Language decides.
    prices["EUR"].active = False
    prices["EUR"].save()
    locality = locality_for_new_order(request("194.100.0.1", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9"))
    assert (locality.country, locality.currency) == ("FI", "MXN")


def test_without_a_public_ip_the_browsers_region_decides(prices: dict[str, Price]) -> None:
    locality = locality_for_new_order(request("10.0.0.5", HTTP_ACCEPT_LANGUAGE="en;q=0.9,ja-JP;q=0.8"))
    assert (locality.country, locality.currency) == ("JP", "JPY")


def test_without_any_clue_the_configured_default_is_used(prices: dict[str, Price], settings: Settings) -> None:
    settings.PAYMENTS_DEFAULT_CURRENCY = "EUR"
    locality = locality_for_new_order(request("10.0.0.5", HTTP_ACCEPT_LANGUAGE="es"))
    assert (locality.country, locality.currency) == ("", "EUR")
    # A country Babel knows but whose currencies staff do not offer (Switzerland: CHF).
    assert currency_for_country("CH", {"EUR", "USD"}) is None
    assert currency_for_country("PA", {"EUR", "USD"}) == "USD"  # PAB first, but not offered
    assert currency_for_country("ZZ", {"USD"}) is None


def test_accept_language_regions_follow_the_qualities() -> None:
    header = "en;q=0.5, es-MX;q=0.9, zh-Hant-TW, fr-CA;q=0, es-419;q=0.8, pt-BR;q=0.7, es-mx"
    assert accept_language_regions(header) == ["TW", "MX", "BR"]
    assert accept_language_regions("") == []
    assert accept_language_regions("de-DE;q=bogus, en-GB") == ["GB"]


def test_forwarded_headers_are_ignored_unless_they_come_from_our_proxy(settings: Settings) -> None:
    forged = request("203.0.113.9", HTTP_X_FORWARDED_FOR="133.11.0.1")
    settings.TRUSTED_PROXIES = []
    assert client_ip(forged) == "203.0.113.9"
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(forged) == "203.0.113.9"  # not sent through our proxy: the socket's address
    proxied = request("10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 133.11.0.1")
    assert client_ip(proxied) == "133.11.0.1"  # the hop just before our proxy, not the client's claim
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "10.0.0.2"]  # two hops: a balancer, then nginx
    assert client_ip(request("10.0.0.2", HTTP_X_FORWARDED_FOR="133.11.0.1, 10.9.9.9")) == "133.11.0.1"


def test_the_upload_stores_the_country_and_currency_on_the_order(
    client: Client, style: Style, prices: dict[str, Price], mocker: MockerFixture
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    mocker.patch("rendering.tasks.render_job_run.delay")
    photo = SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post(
        "/es/", {"photo": photo, "style": style.pk, "email": "ana@example.com"}, REMOTE_ADDR="200.33.146.1"
    )
    assert response.status_code == 303
    order = Order.objects.get()
    assert (order.country, order.currency) == ("MX", "MXN")
