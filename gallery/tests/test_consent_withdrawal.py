"""A customer takes their artwork out of the gallery from their order page, at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from gallery.models import GalleryEntry
from gallery.services import gallery_approve
from orders.models import OrderEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

    from orders.models import Order


pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(painted_order: Order, admin_user: User) -> GalleryEntry:
    return gallery_approve(order_id=painted_order.pk, user=admin_user)


def test_the_order_page_offers_withdrawal_as_a_post_form(client: Client, painted_order: Order) -> None:
    page = client.get(f"/en/orders/{painted_order.token}/").content.decode()
    assert f'method="post" action="/en/orders/{painted_order.token}/gallery/withdraw/"' in page
    assert "Remove my painting from the gallery" in page


def test_withdrawal_removes_the_artwork_at_once(
    client: Client,
    approved: GalleryEntry,
    painted_order: Order,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    after = approved.after.name
    storage = approved.after.storage
    url = f"/en/gallery/{approved.pk}/after.jpg"
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/orders/{painted_order.token}/gallery/withdraw/")
    assert response.status_code == 303
    assert response["Location"] == f"/en/orders/{painted_order.token}/?gallery=withdrawn"
    assert client.get(url).status_code == 404
    assert client.get("/en/gallery/entries.json").json() == {"entries": []}
    assert not storage.exists(after)
    assert not GalleryEntry.objects.exists()
    painted_order.refresh_from_db()
    assert not painted_order.gallery_consent
    event = OrderEvent.objects.get(kind=OrderEvent.Kind.GALLERY_CONSENT_WITHDRAWN)
    assert event.actor == "customer"
    assert event.data == {"was_shown": True}
    page = client.get(response["Location"]).content.decode()
    assert "Your painting is not shown in the gallery any more." in page
    assert "Remove my painting from the gallery" not in page


def test_access_is_refused_even_before_the_files_are_gone(
    client: Client, approved: GalleryEntry, painted_order: Order
) -> None:
    client.post(f"/en/orders/{painted_order.token}/gallery/withdraw/")  # files go only after commit
    assert approved.after.storage.exists(approved.after.name)
    assert client.get(f"/en/gallery/{approved.pk}/after.jpg").status_code == 404


def test_a_get_never_withdraws(client: Client, approved: GalleryEntry, painted_order: Order) -> None:
    assert client.get(f"/en/orders/{painted_order.token}/gallery/withdraw/").status_code == 405
    painted_order.refresh_from_db()
    assert painted_order.gallery_consent
    assert GalleryEntry.objects.exists()


def test_withdrawing_an_unapproved_order_just_records_the_choice(client: Client, painted_order: Order) -> None:
    client.post(f"/es/orders/{painted_order.token}/gallery/withdraw/")
    painted_order.refresh_from_db()
    assert not painted_order.gallery_consent
    assert OrderEvent.objects.get(kind=OrderEvent.Kind.GALLERY_CONSENT_WITHDRAWN).data == {"was_shown": False}
    assert client.post("/en/orders/not-a-token/gallery/withdraw/").status_code == 404
