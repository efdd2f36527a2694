"""The public gallery shows approved artworks of customers who still agree, newest first."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from gallery.models import GalleryEntry
from gallery.services import gallery_approve
from orders.models import Order

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client


pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(painted_order: Order, admin_user: User) -> GalleryEntry:
    return gallery_approve(order_id=painted_order.pk, user=admin_user)


def another_painted_order(order: Order, **changes: Any) -> Order:
    """A copy of `order` with the same files (enough for the gallery's checks)."""
    order = Order.objects.get(pk=order.pk)
    job = order.current_job
    order.pk, order.token = None, f"token-{Order.objects.count()}"
    for name, value in changes.items():
        setattr(order, name, value)
    order.save()
    job.pk, job.order = None, order
    job.save()
    return order


def test_the_gallery_shows_approved_paintings_with_lazy_sized_images(client: Client, approved: GalleryEntry) -> None:
    page = client.get("/en/gallery/").content.decode()
    assert f'src="/en/gallery/{approved.pk}/after.jpg" width="400" height="300" loading="lazy"' in page
    assert "The painting, in the style Nocturne" in page
    assert client.get(f"/en/gallery/{approved.pk}/after.jpg")["Content-Type"] == "image/jpeg"


def test_the_gallery_speaks_spanish(client: Client, approved: GalleryEntry) -> None:
    page = client.get("/es/gallery/").content.decode()
    assert "Galería" in page
    assert "El cuadro, en el estilo Nocturno" in page


def test_only_approved_consenting_orders_appear(client: Client, painted_order: Order, admin_user: User) -> None:
    consenting_unapproved = another_painted_order(painted_order)
    approved_then_withdrawn = another_painted_order(painted_order)
    gallery_approve(order_id=approved_then_withdrawn.pk, user=admin_user)
    Order.objects.filter(pk=approved_then_withdrawn.pk).update(gallery_consent=False)
    shown = gallery_approve(order_id=painted_order.pk, user=admin_user)
    data = client.get("/en/gallery/entries.json").json()
    assert [entry["id"] for entry in data["entries"]] == [shown.pk]
    page = client.get("/en/gallery/").content.decode()
    assert page.count('class="gallery-entry"') == 2  # the one shown, and the template for new ones
    hidden = GalleryEntry.objects.get(order=approved_then_withdrawn)
    assert client.get(f"/en/gallery/{hidden.pk}/after.jpg").status_code == 404
    assert not GalleryEntry.objects.filter(order=consenting_unapproved).exists()


def test_the_newest_approval_comes_first_in_the_page_and_the_json(
    client: Client, painted_order: Order, admin_user: User
) -> None:
    older = gallery_approve(order_id=painted_order.pk, user=admin_user)
    GalleryEntry.objects.filter(pk=older.pk).update(approved_at=timezone.now() - timedelta(days=1))
    newer = gallery_approve(order_id=another_painted_order(painted_order).pk, user=admin_user)
    data = client.get("/en/gallery/entries.json")
    assert [entry["id"] for entry in data.json()["entries"]] == [newer.pk, older.pk]
    assert data["Cache-Control"].startswith("max-age=0")
    page = client.get("/en/gallery/").content.decode()
    assert page.index(f"/gallery/{newer.pk}/") < page.index(f"/gallery/{older.pk}/")


def test_the_page_polls_for_new_artworks(client: Client) -> None:
    page = client.get("/en/gallery/").content.decode()
    assert 'data-entries-url="/en/gallery/entries.json"' in page
    assert 'data-poll-seconds="15"' in page
    assert "No paintings here yet" in page
