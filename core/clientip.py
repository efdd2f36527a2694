"""The customer's address, worked out once for every rate limit, the currency and the admin lockout.

Behind a load balancer (and perhaps nginx) the socket's peer is our own proxy, and the customer's
address is in X-Forwarded-For, which each proxy extends with the address it received the request
from. Anybody can send that header, so it is read from the right, hop by hop, and believed only
while the hop that wrote it is one of PICMATIX_TRUSTED_PROXIES: the first address not in that list
is the client. This is nginx's `real_ip_recursive on` and Rails' RemoteIp, so the list is a set of
addresses and networks in any order, and one network can cover several hops (a balancer and nginx
in the same VPC).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """'10.0.0.0/8', '10.0.0.2', '2001:db8::/32' -> networks; ValueError names a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or CIDR network: {entry!r} (write 10.0.0.0/8, not 10.0.)") from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return proxy_networks(entries)


def _address(text: str) -> IPAddress | None:
    """One hop as proxies write it: '1.2.3.4', '1.2.3.4:5678', '[2001:db8::1]:443', '::ffff:1.2.3.4'."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; match and count them as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as text, or "" when the request has no usable peer address."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return ""
    trusted = _trusted(tuple(settings.TRUSTED_PROXIES))
    client = peer
    if trusted:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        while any(client in network for network in trusted) and hops:
            hop = _address(hops.pop())
            if hop is None:
                # Garbage written by a hop we trust: stop at the last address we could read.
                break
            client = hop
    return str(client)


def client_ip_for_lockout(request: HttpRequest) -> str:
    """client_ip for the admin lockout: an IPv6 client as its /64, the block one subscriber gets, so
    that walking through its addresses does not buy fresh guesses."""
    address = client_ip(request)
    if ":" not in address:
        return address
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def client_ip_for_limits(request: HttpRequest) -> str:
    """client_ip for django-ratelimit's "ip" key, which needs an address: unknown ones share one."""
    return client_ip(request) or "0.0.0.0"


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the socket's peer is one of PICMATIX_TRUSTED_PROXIES."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    return peer is not None and any(peer in network for network in _trusted(tuple(settings.TRUSTED_PROXIES)))


class ForwardedProtoMiddleware:
    """X-Forwarded-Proto is believed (SECURE_PROXY_SSL_HEADER) only from a trusted proxy.

    Django believes the header from any peer; one that reaches the shop directly could then claim
    HTTPS for a plain connection, and get secure cookies and no redirect over it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_X_FORWARDED_PROTO" in request.META and not peer_is_trusted_proxy(request):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)
