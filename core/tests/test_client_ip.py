"""One answer to "who is this customer?" behind our proxies, and nobody else's word for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import RequestFactory

from core.clientip import client_ip, client_ip_for_limits

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


def request(remote: str, forwarded: str | None = None) -> Any:
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxies_only_the_socket_is_believed(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("203.0.113.9", "133.11.0.1")) == "203.0.113.9"


def test_one_balancer_in_a_private_network(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("10.0.3.7", "133.11.0.1")) == "133.11.0.1"
    # Whatever the customer wrote themselves stands left of what the balancer appended.
    assert client_ip(request("10.0.3.7", "1.2.3.4, 133.11.0.1")) == "133.11.0.1"
    # Not through the balancer: a made-up header counts for nothing.
    assert client_ip(request("198.51.100.7", "133.11.0.1")) == "198.51.100.7"


def test_a_balancer_then_nginx_on_the_same_host(settings: Settings) -> None:
    # The balancer appends the customer, nginx appends the balancer; nginx talks to us over loopback.
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1"]
    assert client_ip(request("127.0.0.1", "6.6.6.6, 133.11.0.1, 10.0.3.7")) == "133.11.0.1"
    # Without the balancer's network in the list, the balancer is the client.
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_ip(request("127.0.0.1", "133.11.0.1, 10.0.3.7")) == "10.0.3.7"


def test_one_network_may_cover_several_hops_in_any_order(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.2", "10.0.0.0/8"]
    assert client_ip(request("10.0.0.2", "133.11.0.1, 10.9.9.9")) == "133.11.0.1"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("10.0.0.2", "133.11.0.1, 10.9.9.9")) == "133.11.0.1"


def test_ipv6_ports_and_mapped_addresses_are_read_as_proxies_write_them(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    assert client_ip(request("fd00::5", "[2001:db8::1]:443")) == "2001:db8::1"
    assert client_ip(request("::ffff:10.0.0.5", "133.11.0.1:51234")) == "133.11.0.1"
    assert client_ip(request("10.0.0.5", " 2001:4860:4860::8888 ")) == "2001:4860:4860::8888"


def test_garbage_in_the_header_stops_at_the_last_address_we_could_read(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("10.0.0.5", "133.11.0.1, unknown")) == "10.0.0.5"
    assert client_ip(request("10.0.0.5", "")) == "10.0.0.5"
    assert client_ip(request("10.0.0.5", "not-an-ip, 133.11.0.1")) == "133.11.0.1"


def test_a_request_without_a_peer_address_has_none_and_shares_one_rate_limit(settings: Settings) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("", "133.11.0.1")) == ""
    assert client_ip_for_limits(request("", "133.11.0.1")) == "0.0.0.0"


def test_the_ip_key_of_every_rate_limit_is_the_client_ip_with_ipv6_grouped_by_64(settings: Settings) -> None:
    from django_ratelimit.core import get_usage

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    usage = get_usage(request("10.0.0.5", "2001:db8:1:2:3::9"), group="probe", key="ip", rate="5/h", increment=True)
    # django-ratelimit's own IPv6 mask still applies: one /64 is one customer.
    assert usage is not None
    assert usage["count"] == 1
    again = get_usage(request("10.0.0.6", "2001:db8:1:2:ffff::1"), group="probe", key="ip", rate="5/h", increment=True)
    assert again is not None
    assert again["count"] == 2


@pytest.mark.parametrize(("peer", "secure"), [("10.0.0.5", True), ("203.0.113.9", False)])
def test_the_proxys_word_about_https_counts_only_from_a_trusted_proxy(
    settings: Settings, rf: RequestFactory, peer: str, secure: bool
) -> None:
    from django.http import HttpResponse

    from core.clientip import ForwardedProtoMiddleware

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    response = ForwardedProtoMiddleware(lambda request: HttpResponse(str(request.is_secure())))(request)
    assert response.content.decode() == str(secure)
