"""From their order's page a customer deletes their photo, paintings and email address themselves,
after a confirmation, as staff would at their request; the page says what the shop keeps and how long."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from conftest import stored_files
from orders.models import Order, OrderEvent

if TYPE_CHECKING:
    from django.core.mail import EmailMessage
    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings


pytestmark = pytest.mark.django_db


def customer_files(media: Path) -> list[Path]:
    return [path for path in stored_files(media) if "styles" not in path.parts]


def url(order: Order, language: str = "en") -> str:
    return f"/{language}/orders/{order.token}/delete/"


def test_the_order_page_links_to_the_deletion(client: Client, painted_order: Order) -> None:
    page = client.get(f"/en/orders/{painted_order.token}/").content.decode()
    assert f'href="{url(painted_order)}"' in page


def test_asking_shows_what_goes_and_what_stays_and_deletes_nothing(
    client: Client, painted_order: Order, media: Path, settings: Settings
) -> None:
    settings.RETENTION_UNPAID_DAYS = 21
    page = client.get(url(painted_order))
    assert page.status_code == 200
    text = page.content.decode()
    assert "your photo, your paintings and your email address" in text
    assert "without a time limit" in text
    assert "we delete your photo and paintings 21 days after your order" in text
    assert 'method="post"' in text
    painted_order.refresh_from_db()
    assert painted_order.email == "ana@example.com"
    assert len(customer_files(media)) == 3


def test_a_paid_customer_is_told_to_download_the_painting_first(client: Client, painted_order: Order) -> None:
    Order.objects.filter(pk=painted_order.pk).update(status=Order.Status.PAID, paid_at=timezone.now())
    text = client.get(url(painted_order)).content.decode()
    assert "Download your full-resolution painting first" in text
    assert "the amount you paid" in text


def test_a_post_without_the_confirmation_deletes_nothing(client: Client, painted_order: Order, media: Path) -> None:
    response = client.post(url(painted_order), {})
    assert response.status_code == 400
    painted_order.refresh_from_db()
    assert painted_order.data_deleted_at is None
    assert len(customer_files(media)) == 3


def test_confirming_deletes_as_staff_would_and_the_page_says_what_stays(
    client: Client,
    painted_order: Order,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(painted_order), {"confirm": "yes"})
    assert response.status_code == 303
    assert response["Location"] == f"/en/orders/{painted_order.token}/"
    assert customer_files(media) == []
    painted_order.refresh_from_db()
    assert painted_order.email == ""
    assert painted_order.data_deleted_at is not None
    assert not painted_order.gallery_consent
    event = OrderEvent.objects.get(kind=OrderEvent.Kind.DATA_DELETED)
    assert event.actor == "customer"
    page = client.get(response["Location"]).content.decode()
    assert "we deleted your photo, your paintings and your email address" in page
    assert "without a time limit" in page
    assert url(painted_order) not in page


def test_it_is_said_in_spanish(client: Client, painted_order: Order) -> None:
    text = client.get(url(painted_order, "es")).content.decode()
    assert "Borrar mis datos" in text


def test_deleting_twice_is_harmless(client: Client, painted_order: Order) -> None:
    client.post(url(painted_order), {"confirm": "yes"})
    again = client.post(url(painted_order), {"confirm": "yes"})
    assert again.status_code == 303
    assert client.get(url(painted_order)).status_code == 303
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.DATA_DELETED).count() == 1


def test_no_email_is_sent_about_it(client: Client, painted_order: Order, mailoutbox: list[EmailMessage]) -> None:
    client.post(url(painted_order), {"confirm": "yes"})
    assert mailoutbox == []


def test_an_unknown_token_is_a_404(client: Client, painted_order: Order) -> None:
    assert client.post("/en/orders/" + "A" * 43 + "/delete/", {"confirm": "yes"}).status_code == 404


def test_deletions_from_one_client_are_rate_limited(
    client: Client, painted_order: Order, settings: Settings, media: Path
) -> None:
    settings.DATA_DELETE_RATE = "1/h"
    other = Order.objects.create(email="bo@example.com", style=painted_order.style, content_image="uploads/b.jpg")
    assert client.post(url(painted_order), {"confirm": "yes"}).status_code == 303
    refused = client.post(url(other), {"confirm": "yes"})
    assert refused.status_code == 429
    other.refresh_from_db()
    assert other.email == "bo@example.com"
    assert other.data_deleted_at is None
