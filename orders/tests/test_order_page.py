from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from orders.models import Order, RenderJob

if TYPE_CHECKING:
    from django.test import Client

    from styles.models import Style


pytestmark = pytest.mark.django_db


def png_bytes(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def order(style: Style) -> Order:
    order = Order.objects.create(email="ana@example.com", style=style, content_image="uploads/x.jpg", language="es")
    RenderJob.objects.create(order=order)
    return order


def test_unknown_and_malformed_tokens_get_a_plain_404(client: Client, order: Order) -> None:
    for path in ["/en/orders/" + "A" * 43 + "/", "/en/orders/x/", "/en/orders/../../etc/passwd/", "/es/orders/%00/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        body = response.content.decode()
        assert order.token not in body
        assert "Traceback" not in body
        assert "ana@example.com" not in body


def test_the_order_page_shows_progress_while_painting(client: Client, order: Order) -> None:
    job = order.current_job
    job.status = RenderJob.Status.RUNNING
    job.progress = {"pass": 2, "passes": 2, "iteration": 50, "iterations": 200, "percent": 62.5, "eta_seconds": 90}
    job.progress_image = default_storage.save("progress/p.jpg", ContentFile(png_bytes((9, 9, 9))))
    job.save()
    page = client.get(f"/es/orders/{order.token}/")
    assert page.status_code == 200
    assert "Estamos pintando tu foto" in page.content.decode()
    data = client.get(f"/es/orders/{order.token}/progress.json").json()
    assert data["status"] == "rendering"
    assert (data["pass"], data["passes"], data["iteration"], data["iterations"]) == (2, 2, 50, 200)
    assert data["percent"] == 62.5
    assert data["eta_seconds"] == 90
    assert data["image_url"].startswith(f"/es/orders/{order.token}/progress.jpg?v=")
    assert "preview_url" not in data
    image = client.get(data["image_url"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"


def test_the_preview_appears_when_done(client: Client, order: Order) -> None:
    job = order.current_job
    job.status = RenderJob.Status.DONE
    job.preview = default_storage.save("renders/k-preview.jpg", ContentFile(png_bytes((1, 2, 3))))
    job.save()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PREVIEW_READY)
    data = client.get(f"/en/orders/{order.token}/progress.json").json()
    assert data["status"] == "preview_ready"
    assert data["preview_url"] == f"/en/orders/{order.token}/preview.jpg"
    assert client.get(data["preview_url"]).getvalue() == png_bytes((1, 2, 3))
    assert client.get(f"/en/orders/{order.token}/progress.jpg").status_code == 404


def test_no_preview_before_the_render_is_done(client: Client, order: Order) -> None:
    assert client.get(f"/en/orders/{order.token}/preview.jpg").status_code == 404
