"""The order page shows the painting large, beside the customer's photo behind a comparison slider."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from conftest import jpeg_bytes
from orders.models import Order

if TYPE_CHECKING:
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db


def test_the_order_page_has_a_labelled_slider_over_the_painting_and_the_photo(
    client: Client, painted_order: Order
) -> None:
    job = painted_order.current_job
    job.stats = {"preview_size": [1024, 768]}
    job.save()
    page = client.get(f"/en/orders/{painted_order.token}/").content.decode()
    assert re.search(r'<label for="comparison-range">[^<]*compare your photo', page, re.IGNORECASE)
    assert re.search(r'<input type="range" id="comparison-range" min="0" max="100"', page)
    preview = re.search(r'<img id="preview-image"[^>]*>', page).group(0)
    assert f'src="/en/orders/{painted_order.token}/preview.jpg"' in preview
    assert 'width="1024" height="768"' in preview  # the figure may grow up to the preview's own size
    assert "--pw: 1024; --ph: 768" in page
    photo = re.search(r'<img id="photo-image"[^>]*>', page).group(0)
    assert f'src="/en/orders/{painted_order.token}/photo.jpg"' in photo
    assert 'id="fullscreen-button"' in page
    assert f'id="fullscreen-link" href="/en/orders/{painted_order.token}/preview.jpg"' in page


def test_the_slider_label_is_translated(client: Client, painted_order: Order) -> None:
    page = client.get(f"/es/orders/{painted_order.token}/").content.decode()
    assert "Desliza para comparar tu foto" in page
    assert "Pantalla completa" in page


def test_the_photo_is_served_to_its_own_order_only(client: Client, painted_order: Order, style: Style) -> None:
    other = Order.objects.create(email="bo@example.com", style=style, content_image="uploads/other.jpg")
    response = client.get(f"/en/orders/{painted_order.token}/photo.jpg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.getvalue() == jpeg_bytes((640, 480))
    assert "no-store" in response["Cache-Control"]
    assert client.get(f"/en/orders/{other.token}/photo.jpg").status_code == 404  # its file is not stored
    for token in ["A" * 43, other.token[:-1] + ("A" if other.token[-1] != "A" else "B"), "x"]:
        assert client.get(f"/en/orders/{token}/photo.jpg").status_code == 404


def test_the_progress_data_carries_the_photo_and_the_preview_size(client: Client, painted_order: Order) -> None:
    data = client.get(f"/en/orders/{painted_order.token}/progress.json").json()
    assert data["photo_url"] == f"/en/orders/{painted_order.token}/photo.jpg"
    # No size recorded by the worker: estimated from the photo's (unset in the fixture: 4:3).
    assert data["preview_width"] * 3 == data["preview_height"] * 4


def test_no_photo_once_the_customer_data_is_deleted(client: Client, painted_order: Order) -> None:
    Order.objects.filter(pk=painted_order.pk).update(data_deleted_at=timezone.now())
    assert client.get(f"/en/orders/{painted_order.token}/photo.jpg").status_code == 404
    assert "photo.jpg" not in client.get(f"/en/orders/{painted_order.token}/").content.decode()
