"""The Content-Security-Policy: scripts only from the shop or with the response's nonce, no inline
handlers anywhere, and Stripe's and Google's origins only on the pages that use them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django.test import Client
    from pytest_django.fixtures import Settings

    from orders.models import Order
    from styles.models import Style

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_the_home_page_runs_only_the_shops_scripts_and_those_with_its_nonce(client: Client, style: Style) -> None:
    response = client.get("/en/")
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"][0] == "'self'"
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("stripe" in source for source in policy["script-src"])
    for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()):
        if 'type="application/json"' in tag:
            continue  # data for a script (json_script), never run: CSP does not apply to it
        nonce = re.search(r'nonce="([^"]+)"', tag)
        assert nonce is not None, tag
        assert f"'nonce-{nonce.group(1)}'" in policy["script-src"]


def test_the_upload_page_allows_recaptcha_only_when_it_is_on(client: Client, style: Style, settings: Settings) -> None:
    assert "recaptcha" not in client.get("/en/")["Content-Security-Policy"]
    settings.RECAPTCHA_MODE = "on"
    policy = directives(client.get("/en/")["Content-Security-Policy"])
    assert "https://www.google.com/recaptcha/" in policy["script-src"]
    assert policy["frame-src"] == ["https://www.google.com/recaptcha/", "https://recaptcha.google.com/recaptcha/"]


def test_no_directive_pairs_none_with_a_source(client: Client, painted_order: Order, settings: Settings) -> None:
    settings.RECAPTCHA_MODE = "on"
    for url in ("/en/", f"/en/orders/{painted_order.token}/buy/"):
        for name, values in directives(client.get(url)["Content-Security-Policy"]).items():
            assert values == ["'none'"] or "'none'" not in values, (url, name)


def test_only_the_purchase_page_allows_stripe(client: Client, painted_order: Order) -> None:
    order_page = directives(client.get(f"/en/orders/{painted_order.token}/")["Content-Security-Policy"])
    assert not any("stripe" in source for values in order_page.values() for source in values)
    buy = client.get(f"/en/orders/{painted_order.token}/buy/")
    policy = directives(buy["Content-Security-Policy"])
    assert "https://js.stripe.com" in policy["script-src"]
    assert "https://api.stripe.com" in policy["connect-src"]


def test_no_template_has_an_inline_event_handler() -> None:
    handlers = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        if "emails" not in path.parts
        for match in re.finditer(r"\son[a-z]+=\"", path.read_text())
    ]
    assert handlers == []
