"""Issue 31's pages, as a customer who waits, shares and comes back meets them, in English and Spanish
on a desktop and a phone: the queued order's place and estimate, the share page (and its 404 once
withdrawn), "another style" for the same photo and the new order's page, "Find my orders" and its
answer, "Delete my data" (which names the other order of the photo) and what the order page says after.

Each page passes the bar of test_customer_pages.py: the site's design in the customer's language,
axe-core with no serious or critical violation and our own checks, and on the phone, with the cache
off, at most 250 kB besides the customer's own images and a Largest Contentful Paint within 2.5 s.

Screenshots for people (git-ignored) go to var/journey/issue31/: the queued page, the share page, a
mock of a messenger's preview card drawn from the share page's Open Graph tags (not a messenger's
own rendering), and the find-my-orders email.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from playwright.sync_api import Page, Response, expect
from pytest_mock import MockerFixture

from browser.cards import OPEN_GRAPH_JS, open_graph_card
from browser.tests.accessibility import accessibility_problems
from browser.tests.axe import BLOCKING, axe_violations
from browser.tests.conftest import Shop
from browser.tests.shop import ROOT, mail_from_outbox
from browser.tests.test_comparison import painted_order
from browser.tests.test_customer_pages import MAX_BYTES, MAX_LCP_MS, PageReport, measure, translated
from orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.urls("browser.tests.error_urls")]

CASES = [("en", "desktop"), ("es", "phone"), ("es", "desktop"), ("en", "phone")]
ISSUE31 = ROOT / "var" / "journey" / "issue31"
ADDRESS = "ana@example.com"
# Another customer's renders the estimate learns from, and their place in the queue.
RENDER_SECONDS = 180
QUEUED_AHEAD = 2


@dataclass
class Visit:
    """The pages one browser visits, each checked as test_customer_pages.py checks its pages."""

    page: Page
    shop: Shop
    language: str
    phone: bool
    reports: list[PageReport] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("response", self._navigated)
        if self.phone:  # every page as on a first visit: nothing from the cache
            cdp = self.page.context.new_cdp_session(self.page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def _navigated(self, response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == self.page.main_frame:
            self.statuses.append(response.status)

    def url(self, path: str) -> str:
        return f"{self.shop.url}/{self.language}{path}"

    def check(self, name: str, go: Callable[[], Any], *, heading: str, status: int = 200) -> None:
        self.statuses.clear()
        go()
        page = self.page
        report = PageReport(name=name, url=page.url, status=self.statuses[-1] if self.statuses else 0)
        if self.phone:
            measure(page, report)
        else:
            page.wait_for_load_state("load")
        report.axe_serious = [str(v) for v in axe_violations(page) if v.impact in BLOCKING]
        report.other_problems = accessibility_problems(page)
        assert report.status == status, (name, report.status)
        assert page.locator("html").get_attribute("lang") == self.language, name
        expect(page.locator("header.site-header .brand")).to_be_visible()
        expect(page.locator("h1")).to_have_text(heading)
        self.reports.append(report)

    def failures(self) -> list[str]:
        found = [f"{r.name}: {problem}" for r in self.reports for problem in r.axe_serious + r.other_problems]
        if self.phone:
            found += [f"{r.name}: {r.transferred_bytes} bytes" for r in self.reports if r.transferred_bytes > MAX_BYTES]
            found += [f"{r.name}: LCP {r.lcp_ms} ms" for r in self.reports if r.lcp_ms is None or r.lcp_ms > MAX_LCP_MS]
        return found


def queued_order(style_slug: str, language: str) -> Order:
    """An order with two others' before it in the queue, one painter at work and a render history:
    its page shows a place and an estimate."""
    from orders.models import Order, RenderJob
    from styles.models import Style

    style = Style.objects.get(slug=style_slug)
    now = timezone.now()
    history = Order.objects.create(email="old@example.com", style=style, content_image="uploads/o.jpg")
    for _ in range(3):
        RenderJob.objects.create(
            order=history,
            status=RenderJob.Status.DONE,
            started_at=now - timedelta(seconds=RENDER_SECONDS),
            finished_at=now,
        )
    at_work = Order.objects.create(email="busy@example.com", style=style, content_image="uploads/b.jpg")
    RenderJob.objects.create(
        order=at_work, status=RenderJob.Status.RUNNING, worker="painter-1", heartbeat_at=now, started_at=now
    )
    for number in range(QUEUED_AHEAD):
        ahead = Order.objects.create(email=f"early-{number}@example.com", style=style, content_image="uploads/e.jpg")
        RenderJob.objects.create(order=ahead)
    order = Order.objects.create(email=ADDRESS, style=style, content_image="uploads/x.jpg", language=language)
    RenderJob.objects.create(order=order)
    return order


def click_through(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def screenshot(page: Page, name: str) -> Path:
    ISSUE31.mkdir(parents=True, exist_ok=True)
    path = ISSUE31 / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def preview_card(page: Page, tags: dict[str, str], name: str) -> Path:
    page.set_content(open_graph_card(tags), wait_until="load")
    ISSUE31.mkdir(parents=True, exist_ok=True)
    path = ISSUE31 / f"{name}.png"
    page.locator("body").screenshot(path=path)
    return path


@pytest.mark.parametrize(("language", "device"), CASES, ids=[f"{lang}-{device}" for lang, device in CASES])
def test_waiting_sharing_finding_and_deleting_pages_are_accessible_light_and_in_the_customer_s_language(
    shop: Shop,
    open_browser: Callable[[str, str], Page],
    settings: Any,
    mocker: MockerFixture,
    language: str,
    device: str,
) -> None:
    from orders.waiting import order_queue_wait, queue_wait_message
    from styles.models import Style

    settings.DEBUG = False
    settings.RECAPTCHA_MODE = "off"
    key = f"{language}-{device}"
    visit = Visit(page=open_browser(language, device), shop=shop, language=language, phone=device == "phone")
    page = visit.page
    your_painting = translated(language, "Your painting")

    # The wait: its place in the queue and an estimate, the words the server chose for this order.
    queued = queued_order("starry", language)
    wait = order_queue_wait(queued)
    assert wait is not None
    assert wait.position == QUEUED_AHEAD + 1
    with translation.override(language):
        message = queue_wait_message(wait)
    visit.check("order-queued", lambda: page.goto(visit.url(f"/orders/{queued.token}/")), heading=your_painting)
    expect(page.locator("#queue-text")).to_have_text(message)
    screenshot(page, f"{key}-queued")

    # The share page: made from the order page, then shown as a friend sees it.
    order, _size = painted_order("scream")
    Order.objects.filter(pk=order.pk).update(language=language)
    visit.check("order-ready", lambda: page.goto(visit.url(f"/orders/{order.token}/")), heading=your_painting)
    click_through(page, "#share-publish button[type=submit]")
    share_url = page.locator("#share-url").input_value()
    with translation.override(language):
        style_name = Style.objects.get(slug="scream").name
    titled = translated(language, "A painting in the style %(name)s") % {"name": style_name}
    visit.check("share", lambda: page.goto(share_url), heading=titled)
    assert order.token not in page.content()  # nothing on it leads to the order, nor to its photo
    tags = page.evaluate(OPEN_GRAPH_JS)
    assert tags["og:title"] == titled
    assert tags["og:image"].endswith("/painting.jpg")
    screenshot(page, f"{key}-share")
    preview_card(page.context.new_page(), tags, f"{key}-share-card-mock")

    # Paid: the same page can show the painting without the mark, at screen size.
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=timezone.now())
    visit.check("order-paid", lambda: page.goto(visit.url(f"/orders/{order.token}/")), heading=your_painting)
    click_through(page, "#share-switch button[type=submit]")
    assert page.locator("#share-url").input_value() == share_url
    visit.check("share-clean", lambda: page.goto(share_url), heading=titled)
    shown = page.locator(".shared-painting img")
    expect(shown).to_be_visible()
    clean = page.request.get(shop.url + (shown.get_attribute("src") or "")).body()
    assert clean != default_storage.open(order.current_job.preview.name).read()
    screenshot(page, f"{key}-share-clean")

    # Withdrawn: the page answers 404 at once.
    page.goto(visit.url(f"/orders/{order.token}/"))
    click_through(page, "#share-withdraw button[type=submit]")
    visit.check("share-withdrawn", lambda: page.goto(share_url), heading=translated(language, "Not found"), status=404)

    # Another style for the same photo: the form on the order page (opened), then the new order's
    # page, which links back to the first. The new order's render is not this test's business.
    mocker.patch("orders.enqueue.render_job_enqueue")
    starry = Style.objects.get(slug="starry")

    def open_another_style() -> None:
        page.goto(visit.url(f"/orders/{order.token}/"))
        page.locator("#another-style summary").click()

    visit.check("another-style", open_another_style, heading=your_painting)
    expect(page.locator("#another-style form button[type=submit]")).to_be_visible()
    page.locator(f"#another-style-{starry.pk}").check()
    visit.check(
        "another-style-made", lambda: click_through(page, "#another-style button[type=submit]"), heading=your_painting
    )
    made = Order.objects.get(source=order)
    assert page.url.endswith(f"/orders/{made.token}/")
    expect(page.locator(f'#photo-orders a[href="/{language}/orders/{order.token}/"]')).to_be_visible()

    # Find my orders: the form, its answer (the same for any address), and the email it sends.
    finding = translated(language, "Find my orders")
    visit.check("find-my-orders", lambda: page.goto(visit.url("/find-my-orders/")), heading=finding)
    page.locator("#id_email").fill(ADDRESS)
    visit.check("find-my-orders-sent", lambda: click_through(page, "main form button[type=submit]"), heading=finding)
    expect(page.locator("#order-links-sent")).to_be_visible()
    sent = [mail_from_outbox(message) for message in mail.outbox if ADDRESS in message.to]
    assert len(sent) == 1
    assert f"/orders/{order.token}/" in sent[0].text
    email_page = page.context.new_page()
    email_page.set_content(sent[0].html)
    ISSUE31.mkdir(parents=True, exist_ok=True)
    email_page.locator("body").screenshot(path=ISSUE31 / f"{key}-find-my-orders-email.png")
    email_page.close()

    # Delete my data: asked first, then the order page says what was deleted and what is kept.
    deleting = translated(language, "Delete my data")
    visit.check("delete-confirm", lambda: page.goto(visit.url(f"/orders/{order.token}/delete/")), heading=deleting)
    expect(page.locator(f'#photo-orders-deleted a[href="/{language}/orders/{made.token}/"]')).to_be_visible()
    visit.check("delete-done", lambda: click_through(page, "#delete-data button[type=submit]"), heading=your_painting)
    expect(page.locator("#data-deleted")).to_be_visible()

    for r in visit.reports if visit.phone else []:  # shown with -s, and when the test fails
        kb, images = r.transferred_bytes / 1000, r.customer_image_bytes / 1000
        print(
            f"{r.name:20} {kb:6.1f} kB {r.requests:3} requests  LCP {r.lcp_ms} ms {r.lcp_element}  images {images} kB"
        )
    failures = visit.failures()
    assert not failures, "\n".join(failures)
