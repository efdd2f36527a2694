"""The browser tests' world: Debian's Chromium through Playwright, the shop on pytest-django's live
server (a thread of this process), a real Celery worker process for renders, Stripe faked.

Who does what:
- The live server runs in this process with the test settings. Its Celery app runs tasks eagerly,
  so the webhook's re-read of the PaymentIntent reaches the fake Stripe here and the HD email lands
  in the locmem outbox (`mail.outbox`). Only the render message is published elsewhere: to the
  worker's filesystem broker (`orders.enqueue.render_job_enqueue` is patched, as in
  rendering/tests/test_worker_end_to_end.py).
- The worker is a real process on the same SQLite file, media folder and broker folder; it renders
  and sends the preview email itself, with PICMATIX_EMAIL=file into `<worker var>/mail/*.log`.
- The browser sends X-Forwarded-For from a trusted proxy (127.0.0.1), so the order's currency
  follows a Spanish or a US address; js.stripe.com (unreachable offline) is answered by
  fake_stripe.js, which confirms the payment and returns to the shop as Stripe.js would.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import stripe
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer
from pytest_mock import MockerFixture

from browser.mails import Mail, mails_in_folder
from browser.tests.shop import render_publisher, start_render_worker
from conftest import shared_path

CHROMIUM = os.environ.get("PICMATIX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
FAKE_STRIPE_JS = Path(__file__).with_name("fake_stripe.js")


@dataclass(frozen=True)
class Customer:
    """Where a browser is and what it speaks; the address decides the currency."""

    language: str
    locale: str
    ip: str
    currency: str


CUSTOMERS = {
    "es": Customer(language="es", locale="es-ES", ip="83.44.1.1", currency="EUR"),  # Telefónica, Spain
    "en": Customer(language="en", locale="en-US", ip="8.8.8.8", currency="USD"),  # United States
}
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    # A phone in CSS pixels; a device scale factor of 1 keeps the screenshots small.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 1,
    },
}


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an asyncio loop running in this thread until the session ends, and
    # Django refuses ORM calls from a thread with a running loop (playwright-pytest issue 29). The
    # tests only read rows between browser steps; nothing async touches the database.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, not Playwright's download (which needs the internet)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does) or set PICMATIX_CHROMIUM"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def open_browser(browser: Browser) -> Iterator[Callable[[str, str], Page]]:
    """`open_browser(language, device)`: a fresh browser profile (cookies, locale) and its page."""
    contexts: list[BrowserContext] = []
    script = FAKE_STRIPE_JS.read_text()

    def open_page(language: str, device: str) -> Page:
        customer = CUSTOMERS[language]
        context = browser.new_context(
            locale=customer.locale,
            extra_http_headers={
                "Accept-Language": f"{customer.locale},{customer.language};q=0.9",
                # The live server sees 127.0.0.1, the trusted proxy, which forwards for the customer.
                "X-Forwarded-For": customer.ip,
            },
            **DEVICES[device],
        )
        context.set_default_timeout(30_000)
        context.route(
            "https://js.stripe.com/**",
            lambda route: route.fulfill(status=200, content_type="application/javascript", body=script),
        )
        contexts.append(context)
        page = context.new_page()
        # Chromium reports each thing the Content-Security-Policy blocks on the console, page after
        # page: a test that saw any fails.
        page.on("console", lambda message: csp_violation(message.text, violations))
        return page

    violations: list[str] = []
    yield open_page
    for context in contexts:
        context.close()
    assert violations == [], "the Content-Security-Policy blocked something: " + "; ".join(violations)


def csp_violation(text: str, violations: list[str]) -> None:
    # Blocked content ("violates the following Content Security Policy directive") and a policy the
    # browser had to repair ("The Content-Security-Policy directive ... is ignored").
    if "Content Security Policy" in text or "Content-Security-Policy" in text:
        violations.append(text)


def _style_image(name: str) -> bytes:
    image = Image.open(shared_path("images", "styles", name)).convert("RGB")
    image.thumbnail((160, 160))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def browser_recipe() -> dict[str, Any]:
    """Tiny, but long enough (a few seconds of steps) for the page to show progress while painting."""
    from painter.recipe import recipe_preset

    data = recipe_preset("tiny").to_dict()
    data["passes"] = [
        dict(data["passes"][0], size=64, iterations=40),
        dict(data["passes"][1], size=96, iterations=20),
    ]
    data["upscale"] = {"method": "waifu2x", "noise": 2, "scale": 2}
    return data


@dataclass
class Shop:
    url: str
    media: Path
    fake_stripe: Any  # payments.tests.conftest.FakeStripe
    webhook_url: str

    def send_webhook(self, kind: str, obj: dict[str, Any]) -> requests.Response:
        """What Stripe does: POST the event, signed with the endpoint's secret."""
        from payments.tests.conftest import WEBHOOK_SECRET

        payload = json.dumps(self.fake_stripe.event(kind, obj))
        signature = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
        return requests.post(
            self.webhook_url,
            data=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
            timeout=30,
        )


@pytest.fixture(scope="module")
def shop_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The media folder of the live server and of the module's worker."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def shop(live_server: LiveServer, settings: Settings, shop_media: Path) -> Iterator[Shop]:
    """The live shop as a customer finds it: two styles, prices in euros and dollars, Stripe on."""
    from payments.models import Price
    from payments.providers.stripe import stripe_webhook_endpoint_sync
    from payments.tests.conftest import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET, FakeStripe
    from picmatix.celery import app
    from styles.models import Style
    from styles.services import style_set_image

    settings.SITE_URL = live_server.url
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    settings.MEDIA_ROOT = shop_media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(shop_media)}},
    }
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = settings.STRIPE_PUBLIC_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.PAYMENTS_PROVIDER = "stripe"
    previous_client = stripe.default_http_client
    fake = FakeStripe()
    stripe.default_http_client = fake
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True

    for currency, suggested in (("EUR", "14.00"), ("USD", "15.00")):
        Price.objects.create(currency=currency, suggested=Decimal(suggested), minimum=Decimal("3.00"))
    for position, (slug, name_en, name_es, image) in enumerate(
        [
            ("starry", "Starry night", "Noche estrellada", "starry_night.jpg"),
            ("scream", "The scream", "El grito", "the_scream.jpg"),
        ]
    ):
        style = Style.objects.create(
            slug=slug, name_en=name_en, name_es=name_es, active=True, position=position, recipe=browser_recipe()
        )
        style_set_image(style=style, image_bytes=_style_image(image))
    webhook_url = live_server.url + urlsplit(stripe_webhook_endpoint_sync()).path
    yield Shop(url=live_server.url, media=shop_media, fake_stripe=fake, webhook_url=webhook_url)
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False
    stripe.default_http_client = previous_client


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    var_dir: Path
    log: Path

    def mails_to(self, address: str) -> list[Mail]:
        return [mail for mail in mails_in_folder(self.var_dir / "mail") if address in mail.to]

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@pytest.fixture(scope="module")
def render_worker(
    django_db_setup: None, live_server: LiveServer, shop_media: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    """One worker for a module's journeys, started once (importing torch takes seconds), after the
    test database exists: its file is the worker's DATABASE_URL."""
    from rendering.tests.processes import process_env, stop

    var_dir = tmp_path_factory.mktemp("worker-var")
    env = process_env(
        var_dir,
        shop_media,
        CELERY_BROKER_URL="filesystem://",
        REDIS_URL="",
        PICMATIX_SITE_URL=live_server.url,
        PICMATIX_WAIFU2X_DIR=str(shared_path("models", "waifu2x", "upconv_7_photo")),
        PICMATIX_RENDER_PROGRESS_IMAGE_EVERY="5",
    )
    log = var_dir / "worker.log"
    worker = Worker(process=start_render_worker(env, log), var_dir=var_dir, log=log)
    yield worker
    stop(worker.process)


@pytest.fixture
def renders(shop: Shop, render_worker: Worker, mocker: MockerFixture) -> Iterator[Worker]:
    """Orders placed through the live server are rendered by the worker process."""
    publisher = render_publisher(render_worker.var_dir)

    def publish(job_id: int) -> None:
        publisher.send_task("rendering.tasks.render_job_run", args=[job_id], queue="render")

    mocker.patch("orders.enqueue.render_job_enqueue", side_effect=publish)
    assert render_worker.process.poll() is None, render_worker.output()
    yield render_worker
    print(f"worker log ({render_worker.log}):\n{render_worker.output()}")  # shown when the test fails
