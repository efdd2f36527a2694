"""PICMATIX_TRUSTED_PROXIES (who may tell us the client's address, core/clientip.py) is read strictly
at start-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured


def test_a_proxy_entry_that_is_not_an_address_or_network_stops_start_up(load: Callable[..., dict[str, Any]]) -> None:
    assert load(PICMATIX_TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1")["TRUSTED_PROXIES"] == ["10.0.0.0/8", "127.0.0.1"]
    with pytest.raises(ImproperlyConfigured, match=r"PICMATIX_TRUSTED_PROXIES: not an IP .* network: '10\.0\.'"):
        load(PICMATIX_TRUSTED_PROXIES="10.0.")


def test_the_old_proxy_header_variable_alone_stops_start_up(load: Callable[..., dict[str, Any]]) -> None:
    with pytest.raises(ImproperlyConfigured, match="PICMATIX_TRUSTED_PROXY_HEADER is no longer read"):
        load(PICMATIX_TRUSTED_PROXY_HEADER="HTTP_X_FORWARDED_FOR")
    assert load(PICMATIX_TRUSTED_PROXY_HEADER="HTTP_X_FORWARDED_FOR", PICMATIX_TRUSTED_PROXIES="10.0.0.2")
