"""Demonstration payments in a real browser, on the embedded default (no Stripe keys): a declined test
card, then one that pays, the HD email and the download, on a Spanish phone."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core import mail as django_mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image
from playwright.sync_api import expect

from browser.tests.accessibility import assert_accessible
from browser.tests.conftest import Shop
from browser.tests.shop import Screenshots, link_in, mail_from_outbox

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.fixtures import Settings


pytestmark = [pytest.mark.browser, pytest.mark.slow]


def image_bytes(size: tuple[int, int], kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (150, 90, 40)).save(buffer, kind)
    return buffer.getvalue()


def test_a_customer_pays_with_a_test_card_after_a_decline_and_downloads_the_hd_file(
    shop: Shop, open_browser: Callable[[str, str], Page], settings: Settings
) -> None:
    from orders.models import Order, RenderJob
    from payments.models import Payment
    from styles.models import Style

    # The embedded default: no Stripe keys at all, demonstration payments.
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = settings.STRIPE_PUBLIC_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.PAYMENTS_PROVIDER = "demo"
    order = Order.objects.create(
        email="ana-demo@example.com",
        style=Style.objects.get(slug="starry"),
        content_image="uploads/x.jpg",
        language="es",
        currency="EUR",
        status=Order.Status.PREVIEW_READY,
    )
    RenderJob.objects.create(
        order=order,
        status=RenderJob.Status.DONE,
        preview=default_storage.save("renders/demo-preview.jpg", ContentFile(image_bytes((320, 240), "JPEG"))),
        hd=default_storage.save("renders/demo-hd.png", ContentFile(image_bytes((640, 480), "PNG"))),
        stats={"hd_size": [640, 480]},
    )
    page = open_browser("es", "phone")
    to_stripe: list[str] = []
    page.context.on("request", lambda request: to_stripe.append(request.url) if "stripe" in request.url else None)
    shots = Screenshots("es-phone-demo")

    page.goto(f"{shop.url}/es/orders/{order.token}/buy/")
    with translation.override("es"):
        expect(page.locator("#demo-payments")).to_contain_text(gettext("This is a demonstration shop: no money moves."))
    expect(page.locator("#hd-size")).to_contain_text("640 × 480 px, 5,4 × 4,1 cm / 2,1 × 1,6 pulg. a 300 ppp")
    shots.take(page, "buy-demo")
    assert_accessible(page)

    def pay_with(number: str) -> None:
        page.locator("#id_card_number").fill(number)
        page.locator("#id_expiry").fill("12 / 39")
        page.locator("#id_cvc").fill("123")
        page.locator("#pay-button").tap()

    pay_with("4000 0000 0000 9995")
    expect(page.locator("#id_card_number_error")).to_have_text("Tu tarjeta no tiene fondos suficientes.")
    order.refresh_from_db()
    assert order.status == Order.Status.PREVIEW_READY
    shots.take(page, "declined")
    assert_accessible(page)

    pay_with("4242 4242 4242 4242")
    page.wait_for_url(f"{shop.url}/es/orders/{order.token}/buy/thanks/")
    expect(page.locator("#demo-paid")).to_be_visible()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert Payment.objects.get(order=order).provider == Payment.Provider.DEMO
    shots.take(page, "paid")
    assert_accessible(page)

    [hd] = [mail_from_outbox(m) for m in django_mail.outbox if order.email in m.to]
    assert "El archivo mide 640 × 480 px" in hd.text
    page.set_content(hd.html)
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar mi cuadro").click()
    data = Path(download.value.path()).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (640, 480))
    assert f"/es/orders/{order.token}/hd/" in link_in(hd, r"/[a-z]{2}/orders/[\w-]+/hd/[\w:-]+/")
    assert shop.fake_stripe.calls == []  # Stripe was never asked anything, by the shop
    assert to_stripe == []  # nor by the browser
