"""Our emails, opened as HTML in a browser (as a webmail shows them), pass axe-core too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from browser.tests.axe import assert_no_serious_violations
from styles.models import Style

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_email_passes_axe_core(page: Page, style: Style, language: str) -> None:
    from orders.emails import preview_email, render_failed_email
    from orders.models import Order
    from payments.emails import hd_email

    order = Order.objects.create(
        email="ana@example.com", style=style, content_image="uploads/x.jpg", language=language, currency="EUR"
    )
    for rendered in (preview_email(order), hd_email(order), render_failed_email(order)):
        page.set_content(rendered.html)
        assert_no_serious_violations(page)
        assert page.title() == rendered.subject  # what a browser tab or a screen reader announces first
