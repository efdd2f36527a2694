from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import jpeg_bytes
from orders.models import Order
from styles.models import Style
from styles.services import THUMBNAIL_SIZE

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client


pytestmark = pytest.mark.django_db


def test_staff_see_the_style_and_order_admin_pages(admin_client: Client, style: Style) -> None:
    Order.objects.create(email="a@example.com", style=style, content_image="uploads/x.jpg")
    for path in [
        "/admin/styles/style/",
        f"/admin/styles/style/{style.pk}/change/",
        "/admin/styles/style/add/",
        "/admin/orders/order/",
        f"/admin/orders/order/{Order.objects.get().pk}/change/",
    ]:
        response = admin_client.get(path)
        assert response.status_code == 200, path
    listing = admin_client.get("/admin/styles/style/").content.decode()
    assert f"/styles/{style.slug}/thumbnail.jpg" in listing


def test_customers_and_anonymous_visitors_are_kept_out_of_the_admin(
    client: Client, django_user_model: type[User], style: Style
) -> None:
    for path in ["/admin/styles/style/", "/admin/orders/order/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    django_user_model.objects.create_user("customer", password="pw-123456789")
    client.login(username="customer", password="pw-123456789")
    for path in ["/admin/styles/style/", "/admin/orders/order/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_staff_add_a_style_from_a_preset_and_the_thumbnail_is_made(admin_client: Client, media: Path) -> None:
    response = admin_client.post(
        "/admin/styles/style/add/",
        {
            "upload": SimpleUploadedFile("s.jpg", jpeg_bytes((700, 500)), content_type="image/jpeg"),
            "slug": "blue",
            "name_en": "Blue",
            "name_es": "Azul",
            "description_en": "",
            "description_es": "",
            "active": "on",
            "position": "3",
            "preset": "quick",
            "recipe": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    style = Style.objects.get(slug="blue")
    assert style.recipe["passes"]
    assert style.thumbnail.name
    assert style.image.name
    assert max(style.thumbnail.width, style.thumbnail.height) == THUMBNAIL_SIZE[0]


def test_an_invalid_recipe_is_refused_with_the_field_named(admin_client: Client, style: Style) -> None:
    response = admin_client.post(
        f"/admin/styles/style/{style.pk}/change/",
        {
            "slug": style.slug,
            "name_en": "N",
            "name_es": "N",
            "position": "0",
            "preset": "",
            "recipe": '{"passes": [{"size": -5}]}',
        },
    )
    assert response.status_code == 200
    assert "passes[0]" in response.content.decode()


def test_inactive_style_thumbnails_are_hidden_from_customers(
    client: Client, admin_client: Client, style: Style
) -> None:
    assert client.get(f"/styles/{style.slug}/thumbnail.jpg").status_code == 200
    Style.objects.filter(pk=style.pk).update(active=False)
    assert client.get(f"/styles/{style.slug}/thumbnail.jpg").status_code == 404
    assert admin_client.get(f"/styles/{style.slug}/thumbnail.jpg").status_code == 200
