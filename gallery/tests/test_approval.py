"""Staff approve a consenting customer's artwork for the gallery; a small thumbnail of the painting is made then."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from gallery.models import GalleryEntry
from gallery.services import gallery_approve
from orders.models import Order, OrderEvent
from orders.staff import OrderActionRefused

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse
    from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
    from pytest_mock import MockerFixture

    from styles.models import Style


pytestmark = pytest.mark.django_db


def approve(client: Client, *orders: Order) -> _MonkeyPatchedWSGIResponse:
    data = {"action": "approve_for_gallery", "_selected_action": [o.pk for o in orders]}
    return client.post("/admin/orders/order/", data, follow=True)


def test_approval_makes_a_small_jpeg_thumbnail_of_the_painting(
    admin_client: Client, painted_order: Order, media: Path
) -> None:
    response = approve(admin_client, painted_order)
    assert "Artworks in the gallery: 1." in response.content.decode()
    entry = GalleryEntry.objects.get()
    assert entry.approved_by.username == "admin"
    assert entry.approved_at
    with entry.after.open("rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (400, 300)
    assert len(data) < 40_000
    assert (entry.after_width, entry.after_height) == (400, 300)
    assert [path.name for path in (media / "gallery").iterdir()] == [entry.after.name.split("/")[-1]]
    assert OrderEvent.objects.get(kind=OrderEvent.Kind.GALLERY_APPROVED).actor == "staff:admin"


def test_approving_twice_keeps_one_entry(admin_client: Client, painted_order: Order) -> None:
    approve(admin_client, painted_order)
    approve(admin_client, painted_order)
    assert GalleryEntry.objects.count() == 1
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.GALLERY_APPROVED).count() == 1


def test_an_order_without_consent_or_painting_is_not_approved(
    admin_client: Client, painted_order: Order, style: Style
) -> None:
    Order.objects.filter(pk=painted_order.pk).update(gallery_consent=False)
    unpainted = Order.objects.create(
        email="b@example.com", style=style, content_image="uploads/y.jpg", gallery_consent=True
    )
    response = approve(admin_client, painted_order, unpainted).content.decode()
    assert f"Order #{painted_order.pk}: not done, the customer did not agree to the gallery." in response
    assert f"Order #{unpainted.pk}: not done, there is no finished painting." in response
    assert not GalleryEntry.objects.exists()


def test_consent_withdrawn_while_thumbnails_are_made_wins(
    painted_order: Order, admin_user: User, mocker: MockerFixture, media: Path
) -> None:
    import gallery.services

    real = gallery.services._thumbnail

    def withdraw_meanwhile(field: Any) -> Any:
        Order.objects.filter(pk=painted_order.pk).update(gallery_consent=False)
        return real(field)

    mocker.patch("gallery.services._thumbnail", side_effect=withdraw_meanwhile)
    with pytest.raises(OrderActionRefused):
        gallery_approve(order_id=painted_order.pk, user=admin_user)
    assert not GalleryEntry.objects.exists()
    assert not (media / "gallery").exists() or not any((media / "gallery").iterdir())


def test_staff_without_the_permission_cannot_approve_or_remove(
    staff_client: Callable[..., Client], painted_order: Order, admin_user: User
) -> None:
    client = staff_client("orders.view_order", "orders.change_order", "gallery.view_galleryentry")
    listing = client.get("/admin/orders/order/").content.decode()
    assert 'value="approve_for_gallery"' not in listing
    assert 'value="remove_from_gallery"' not in listing
    approve(client, painted_order)
    assert not GalleryEntry.objects.exists()
    entry = gallery_approve(order_id=painted_order.pk, user=admin_user)
    client.post(f"/admin/gallery/galleryentry/{entry.pk}/delete/", {"post": "yes"})
    assert GalleryEntry.objects.filter(pk=entry.pk).exists()


def test_staff_with_the_permission_remove_an_artwork_and_the_customer_keeps_their_consent(
    staff_client: Callable[..., Client],
    painted_order: Order,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client = staff_client("orders.view_order", "orders.approve_gallery", username="editor")
    approve(client, painted_order)
    entry = GalleryEntry.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/orders/order/",
            {"action": "remove_from_gallery", "_selected_action": [painted_order.pk]},
            follow=True,
        )
    assert "Artworks removed from the gallery: 1." in response.content.decode()
    assert not GalleryEntry.objects.exists()
    assert not entry.after.storage.exists(entry.after.name)
    painted_order.refresh_from_db()
    assert painted_order.gallery_consent
    assert list(OrderEvent.objects.values_list("kind", "actor")) == [
        (OrderEvent.Kind.GALLERY_APPROVED, "staff:editor"),
        (OrderEvent.Kind.GALLERY_REMOVED, "staff:editor"),
    ]
