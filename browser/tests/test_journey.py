"""The whole journey in a real browser, in both languages, on a desktop and on a phone: upload,
the painting live, the preview email, the purchase, Stripe's webhook, the HD email and download."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail as django_mail
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browser.mails import Mail
from browser.tests.accessibility import assert_accessible, focus_is_visible
from browser.tests.conftest import CUSTOMERS, Shop, Worker
from browser.tests.shop import Screenshots, link_in, mail_from_outbox
from conftest import shared_path

pytest.importorskip("torch")
pytestmark = [pytest.mark.browser, pytest.mark.slow]

JOURNEYS = [("es", "phone"), ("es", "desktop"), ("en", "phone"), ("en", "desktop")]
PAINTING_WITH_PROGRESS = """() =>
  !document.getElementById("painting").hidden &&
  document.getElementById("progress-iteration").textContent.trim() !== "" &&
  document.getElementById("progress-eta").textContent.trim() !== ""
"""


def translated(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def wait_for_mail(find: Callable[[], list[Mail]], *, timeout: float = 60) -> Mail:
    from rendering.tests.processes import wait_for

    assert wait_for(lambda: len(find()) == 1, timeout=timeout), f"expected one email, got {len(find())}"
    return find()[0]


def upload_with_a_pointer(page: Page, photo: Path, address: str, *, touch: bool) -> None:
    page.set_input_files("#id_photo", photo)  # what the file dialog does
    card = page.locator("label.style-card").nth(1)
    card.tap() if touch else card.click()
    page.locator("#id_email").fill(address)


def upload_with_the_keyboard(page: Page, photo: Path, address: str) -> None:
    """Tab from the top of the page to each field in turn; every stop shows where the focus is."""

    def tab_to(selector: str, *, most: int = 1) -> None:
        for _ in range(most):
            page.keyboard.press("Tab")
            assert focus_is_visible(page), page.evaluate("document.activeElement.outerHTML")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#id_photo", most=6)  # past the brand link and the language switch
    # Space on the focused field opens the file dialog. Once in about fifteen CI runs Chromium's
    # "file chooser opened" event never came (30 s; the same test alone and the browser tests together
    # passed every rerun; microsoft/playwright#28023 describes the event going missing): a second
    # press, with the focus still on the field, is what a person would do.
    for attempt in (1, 2):
        assert page.evaluate("document.activeElement.matches('#id_photo')")
        try:
            with page.expect_file_chooser(timeout=10_000 * attempt) as chooser:
                page.keyboard.press("Space")
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    chooser.value.set_files(photo)
    tab_to("input[name=style]")
    page.keyboard.press("ArrowRight")  # the second style
    assert focus_is_visible(page)
    tab_to("#id_email")
    page.keyboard.type(address)
    tab_to("#id_gallery_consent")
    page.keyboard.press("Space")
    tab_to("button[type=submit].primary")


def look_at_email(page: Page, mail: Mail, shots: Screenshots, step: str) -> None:
    """Open the HTML email in the browser, as a mail client would show it."""
    page.set_content(mail.html)
    shots.take(page, step)
    assert_accessible(page)


@pytest.mark.parametrize(("language", "device"), JOURNEYS, ids=[f"{lang}-{device}" for lang, device in JOURNEYS])
def test_a_customer_goes_from_upload_to_the_hd_download(
    shop: Shop, renders: Worker, open_browser: Callable[[str, str], Page], language: str, device: str
) -> None:
    from orders.emails import preview_email
    from orders.models import Order
    from payments.emails import hd_email
    from payments.models import Payment
    from payments.money import money_format

    customer = CUSTOMERS[language]
    address = f"ana-{language}-{device}@example.com"
    by_keyboard = (language, device) == ("en", "desktop")
    page = open_browser(language, device)
    shots = Screenshots(f"{language}-{device}", docs=(language, device) == ("es", "phone"))

    # `/` sends the browser to the language it prefers.
    page.goto(shop.url + "/")
    assert urlsplit(page.url).path == f"/{language}/"
    assert page.locator("html").get_attribute("lang") == language
    expect(page.locator("h1")).to_have_text(translated(language, "Turn your photo into a painting"))
    shots.take(page, "upload")
    assert_accessible(page)

    photo = shared_path("images", "content", "golden_gate.jpg")
    if by_keyboard:
        upload_with_the_keyboard(page, photo, address)
    else:
        upload_with_a_pointer(page, photo, address, touch=device == "phone")
    expect(page.locator("input[name=style]").nth(1)).to_be_checked()
    shots.take(page, "form-filled")
    if by_keyboard:
        page.keyboard.press("Enter")
    elif device == "phone":
        page.locator("button[type=submit].primary").tap()
    else:
        page.locator("button[type=submit].primary").click()
    page.wait_for_url(re.compile(rf"/{language}/orders/[\w-]+/$"))
    order = Order.objects.get(email=address)
    assert urlsplit(page.url).path == f"/{language}/orders/{order.token}/"
    assert (order.language, order.currency, order.style.slug) == (language, customer.currency, "scream")
    assert order.gallery_consent is by_keyboard

    # The painting, live: pass, step and time left, then the watermarked preview.
    page.wait_for_function(PAINTING_WITH_PROGRESS, timeout=120_000)
    expect(page.locator("#progress-pass")).to_contain_text(translated(language, "Pass"))
    expect(page.locator("#progress-iteration")).to_contain_text(translated(language, "Step"))
    shots.take(page, "painting")
    assert_accessible(page)
    preview = page.locator("#preview-image")
    expect(preview).to_be_visible(timeout=120_000)
    page.wait_for_function("() => document.getElementById('preview-image').naturalWidth > 0")
    preview_width, preview_height = preview.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    expect(page.locator("#buy a")).to_be_visible()
    # The slider keeps a usable width under a preview narrower than the screen (this recipe's is tiny).
    slider = page.locator("#comparison-slider").bounding_box()
    assert slider is not None
    assert slider["width"] >= 240
    shots.take(page, "preview")
    assert_accessible(page)

    # The worker emailed the preview; its link opens the order page.
    order.refresh_from_db()
    message = wait_for_mail(lambda: renders.mails_to(address))
    assert message.subject == preview_email(order).subject
    assert link_in(message, r"/[a-z]{2}/orders/[\w-]+/") == f"{shop.url}/{language}/orders/{order.token}/"
    look_at_email(page, message, shots, "preview-email")
    # The watermarked preview travels inside the message (a cid: image), shown above the button.
    shown = page.locator("img").first
    assert (shown.get_attribute("src") or "").startswith("data:image/jpeg;base64,")
    assert shown.evaluate("img => img.naturalWidth") == preview_width
    page.get_by_role("link", name=translated(language, "See my painting")).click()
    page.wait_for_url(f"{shop.url}/{language}/orders/{order.token}/")

    # The purchase page, priced in the currency of the customer's address.
    page.locator("#buy a").click()
    page.wait_for_url(f"{shop.url}/{language}/orders/{order.token}/buy/")
    suggested = Decimal("14.00") if customer.currency == "EUR" else Decimal("15.00")
    expect(page.locator(".amount .currency")).to_have_text(customer.currency)
    expect(page.locator(".purchase-pay .help").first).to_contain_text(
        money_format(suggested, customer.currency, language=language)
    )
    pay = page.locator("#pay-button")
    expect(pay).to_be_enabled()  # the (stand-in) Payment Element is ready
    amount = Decimal("20") if language == "es" else suggested  # pay what you want
    if amount != suggested:
        page.locator("#id_amount").fill(str(amount))
    shots.take(page, "buy")
    assert_accessible(page)
    pay.tap() if device == "phone" else pay.click()
    page.wait_for_url(re.compile(r"/buy/thanks/\?.*redirect_status=succeeded"))
    payment = Payment.objects.get(order=order)
    assert (payment.amount, payment.currency, payment.status) == (amount, customer.currency, Payment.Status.PENDING)
    shots.take(page, "confirming")

    # Stripe's signed webhook; the thanks page notices the payment by itself.
    response = shop.send_webhook("payment_intent.succeeded", shop.fake_stripe.succeed(payment.stripe_id))
    assert response.status_code == 200, response.text
    expect(page.locator("#purchase-status")).to_contain_text(address, timeout=15_000)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    shots.take(page, "paid")
    assert_accessible(page)

    # The HD email; its link downloads the full-resolution PNG.
    hd = [mail_from_outbox(m) for m in django_mail.outbox if address in m.to]
    assert [m.subject for m in hd] == [hd_email(order).subject]
    assert f"/{language}/orders/{order.token}/hd/" in link_in(hd[0], r"/[a-z]{2}/orders/[\w-]+/hd/[\w:-]+/")
    look_at_email(page, hd[0], shots, "hd-email")
    with page.expect_download() as download:
        page.get_by_role("link", name=translated(language, "Download my painting")).click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.width > preview_width
        assert image.height > preview_height
    assert shop.fake_stripe.unexpected == []
